// A gateway killed with SIGKILL between a status change and its webhook: the
// change and its webhook were written in one transaction, so after a restart
// the webhook is delivered — at least once, under the same event id.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SANDBOX_ACCOUNTS, startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';
import { freePort } from '@rota/testkit';
import { sandboxFigensoft, startGatewayProcess, stopProcess, until } from './support/gateway-process.js';
const API_KEY = 'webhook-crash-KEY-0123456789';
const SECRET = 'whsec-webhook-crash-0123456789abcdef';

describe('SIGKILL between a status change and its webhook', () => {
  let dir: string;
  let sandbox: Sandbox;
  let receiver: Server;
  const attempts: { id: string; type: string; status: number }[] = [];
  let answering = 503;
  const agent = new Agent();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rota-webhook-crash-'));
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const event = JSON.parse(body) as { id: string; type: string };
        attempts.push({ id: event.id, type: event.type, status: answering });
        res.writeHead(answering).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    sandbox = await startSandbox({ accounts: DEFAULT_SANDBOX_ACCOUNTS, deliveryDelayMs: 50, host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await agent.close();
    await sandbox.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers the webhook after the restart, under the same event id', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const file = join(dir, 'rota.yaml');
    await writeFile(
      file,
      stringify({
        providers: [sandboxFigensoft(sandbox.url)],
        gateway: {
          listen: { host: '127.0.0.1', port },
          apiKeys: [{ name: 'campaign-service', key: API_KEY, webhook: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/rota`, secret: SECRET } }],
          adminToken: 'webhook-crash-ADMIN-0123456789',
          webhooks: { allowHttp: true, allowedAddresses: ['127.0.0.1'] },
        },
        store: { kind: 'sqlite', path: 'data/rota.db' },
        reports: { scheduleSeconds: [1] },
        logging: { level: 'warn' },
      }),
    );
    const start = (): Promise<ChildProcess> => startGatewayProcess(file, url, agent, 20_000);

    let child = await start();
    const sent = await request(`${url}/v1/messages`, {
      method: 'POST',
      dispatcher: agent,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: '+905321234567', text: 'Siparişiniz yolda', iysType: 'NOTIFICATION' }),
    });
    expect(sent.statusCode).toBe(202);
    await sent.body.json();

    // Both changes happened and their first deliveries failed: they wait in the outbox.
    const failed = await until(() => {
      const types = new Set(attempts.filter((a) => a.status === 503).map((a) => a.type));
      return types.has('message.accepted') && types.has('message.delivered') ? attempts.filter((a) => a.status === 503) : undefined;
    }, 'failed first deliveries of both events');
    // The failed attempts are written (due again later) before the kill: the gateway counts each once it is written.
    await until(async () => {
      const metrics = await (await request(`${url}/metrics`, { dispatcher: agent })).body.text();
      const retries = [...metrics.matchAll(/^rota_webhook_deliveries_total\{[^}]*outcome="retry"[^}]*\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
      return retries >= 2 ? true : undefined;
    }, 'both failed deliveries written');
    await stopProcess(child, 'SIGKILL');

    answering = 204;
    child = await start();
    try {
      const ids = [...new Set(failed.map((a) => a.id))];
      await until(() => (ids.every((id) => attempts.some((a) => a.id === id && a.status === 204)) ? true : undefined), 'both events delivered after the restart');
      const delivered = attempts.filter((a) => a.status === 204);
      expect(new Set(delivered.map((a) => a.type))).toEqual(new Set(['message.accepted', 'message.delivered']));
      expect(delivered.every((a) => ids.includes(a.id))).toBe(true); // the same ids as before the kill
    } finally {
      await stopProcess(child, 'SIGTERM');
    }
  });
});
