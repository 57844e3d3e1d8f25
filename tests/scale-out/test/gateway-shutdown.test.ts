// A gateway on PostgreSQL stopped (SIGTERM) while a caller waits for its message: the workers send,
// and the gateway waits for them. Past gateway.timeouts.shutdownMs it stops waiting and answers the
// record as it stands, rather than closing the connection with no answer once its grace is over.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SANDBOX_ACCOUNTS, startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { startGateway } from '@rota/gateway';
import { agent, call } from './support/http.js';
import { dropSchema, freshSchema, query } from './support/postgres-schema.js';
import { API_KEY, writeRotaConfig } from './support/rota-config.js';

describe('a PostgreSQL gateway shut down while a caller waits for the workers', () => {
  let dir: string;
  let sandbox: Sandbox;
  let schema: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rota-gateway-shutdown-'));
    sandbox = await startSandbox({ accounts: DEFAULT_SANDBOX_ACCOUNTS, deliveryDelayMs: 0, host: '127.0.0.1', port: 0 });
    schema = freshSchema('gwshutdown');
  });

  afterAll(async () => {
    await agent.close();
    await sandbox.close();
    await dropSchema(schema);
    await rm(dir, { recursive: true, force: true });
  });

  it('answers the message as it stands (queued: no worker runs) once the bound passes, and the message stays for the workers', async () => {
    const file = await writeRotaConfig(dir, 'rota', { sandboxUrl: sandbox.url, schema });
    const gateway = await startGateway({
      configPath: file,
      watch: false,
      adjust: (config) => ({ ...config, gateway: { ...config.gateway, timeouts: { ...config.gateway.timeouts, shutdownMs: 300 } } }),
    });
    const received = new Promise<void>((resolve) => gateway.app.server.once('request', () => resolve()));
    // No worker runs: the caller would wait its full 30 s.
    const waiting = call(gateway.url, 'POST', '/v1/messages', API_KEY, { to: '+905321234567', text: 'waits for a worker', iysType: 'NOTIFICATION' });
    await received;
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = gateway.close();
    const answer = await waiting;
    await closed;
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ status: 'queued' });
    expect(await query(`select state from "${schema}".messages where id = $1`, [answer.body.id])).toEqual([{ state: 'queued' }]);
    expect(sandbox.records()).toEqual([]);
  }, 60_000);
});
