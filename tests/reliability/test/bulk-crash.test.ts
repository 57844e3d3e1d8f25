// A gateway killed with SIGKILL while it records a large bulk. With single
// messages coming beside it, the embedded ledger records a bulk in slices,
// each a transaction of its own (so a message posted meanwhile is not held
// back by the upload); the bulk must still be whole or absent. Judged by the
// ledger file and the sandbox's own records: after the restart nothing of the
// bulk is left and none of its recipients was sent; the client's retry under
// the same idempotency key records it whole and every recipient is sent once.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SANDBOX_ACCOUNTS, startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import Database from 'better-sqlite3';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';
import { freePort } from '@rota/testkit';
import { sandboxFigensoft, sendsPer, startGatewayProcess, stopProcess as stop, until } from './support/gateway-process.js';
const API_KEY = 'bulk-crash-KEY-0123456789';
/** Fifty of the ledger's bulk slices (1,000 records each): the kill lands well before the last. */
const RECIPIENTS = 50_000;
const BULK_TEXT = 'Kış kampanyası: tüm ürünlerde yüzde yirmi indirim';

const recipients = Array.from({ length: RECIPIENTS }, (_, i) => `+90533${String(i).padStart(7, '0')}`);

describe('SIGKILL while a large bulk is recorded in slices', () => {
  let dir: string;
  let sandbox: Sandbox;
  let url: string;
  let config: string;
  const agent = new Agent({ connections: 8 });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rota-bulk-crash-'));
    sandbox = await startSandbox({ accounts: DEFAULT_SANDBOX_ACCOUNTS, deliveryDelayMs: 0, host: '127.0.0.1', port: 0 });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    config = join(dir, 'rota.yaml');
    await writeFile(
      config,
      stringify({
        providers: [sandboxFigensoft(sandbox.url)],
        gateway: { listen: { host: '127.0.0.1', port }, apiKeys: [{ name: 'campaign-service', key: API_KEY }], adminToken: 'bulk-crash-ADMIN-0123456789', maxBulkRecipients: RECIPIENTS },
        store: { kind: 'sqlite', path: 'data/rota.db' },
        logging: { level: 'warn' },
      }),
    );
  });

  afterAll(async () => {
    await agent.close();
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  const post = async (path: string, body: unknown) => {
    const response = await request(`${url}${path}`, {
      method: 'POST',
      dispatcher: agent,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify(body),
      headersTimeout: 120_000,
      bodyTimeout: 120_000,
    });
    return { status: response.statusCode, body: (await response.body.json()) as Record<string, any> };
  };

  const start = (): Promise<ChildProcess> => startGatewayProcess(config, url, agent, 60_000);

  /** The bulk as the ledger file holds it: its row (still recording or not) and how many records it has. */
  const inFile = (db: Database.Database) =>
    db.transaction(() => ({
      bulks: db.prepare('select id, recording from bulks').all() as { id: string; recording: number }[],
      records: (db.prepare('select count(*) as n from messages where bulk_id is not null').get() as { n: number }).n,
    }))();

  it('leaves nothing of the bulk after the restart, sends none of it, and the retry under its key sends every recipient once', async () => {
    const bulk = { text: BULK_TEXT, iysType: 'NOTIFICATION', recipients, idempotencyKey: 'winter-campaign' };
    let child = await start();
    const file = new Database(join(dir, 'data', 'rota.db'), { readonly: true });
    try {
      // Single messages beside the upload: what makes the ledger record the bulk in slices.
      let chatting = true;
      const singles: string[] = [];
      const chatter = (async () => {
        for (let i = 0; chatting; i++) {
          try {
            const answer = await post('/v1/messages', { to: '+905321234567', text: `tekil ${i}`, iysType: 'NOTIFICATION' });
            if (answer.status === 202) singles.push(answer.body.id as string);
          } catch {
            // the process died under it
          }
        }
      })();
      await until(() => (singles.length >= 3 ? true : undefined), 'single messages going through', 60_000);

      let answered: unknown;
      const upload = post('/v1/bulk', bulk).then(
        (answer) => (answered = answer),
        (error: unknown) => error,
      );
      // Killed once a slice after the first is in the file and the bulk is still recording.
      const seen = await until(() => {
        // The test's premise: a single message came within a second of the upload, so the bulk goes in slices.
        if (answered !== undefined) throw new Error(`the bulk was answered before it was seen part-recorded (recorded whole, not in slices?): ${JSON.stringify(answered).slice(0, 200)}`);
        const now = inFile(file);
        return now.bulks.some((row) => row.recording === 1) && now.records > 1_000 ? now : undefined;
      }, 'the bulk part-recorded', 60_000, 2);
      await stop(child, 'SIGKILL');
      chatting = false;
      await chatter;
      // Never answered: the connection died under it (an error, not a 202 or any other answer).
      const lost = await upload;
      expect(lost).toMatchObject({ message: expect.any(String) });
      expect(lost).not.toHaveProperty('status');
      expect(seen.records).toBeLessThan(RECIPIENTS);
      expect(inFile(file).bulks).toEqual([expect.objectContaining({ recording: 1 })]); // what the crash left

      child = await start();
      // The start deleted the half-recorded bulk and its records before anything was claimed.
      expect(inFile(file)).toEqual({ bulks: [], records: 0 });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(sandbox.records().filter((record) => record.text === BULK_TEXT)).toEqual([]);

      // The client's retry, same key: recorded whole (no single messages beside it now: one transaction) and sent.
      const retry = await post('/v1/bulk', bulk);
      expect(retry).toMatchObject({ status: 202, body: { count: RECIPIENTS, status: 'queued' } });
      const sent = await until(
        () => {
          const records = sandbox.records().filter((record) => record.text === BULK_TEXT);
          return records.length >= RECIPIENTS ? records : undefined;
        },
        'every recipient sent',
        180_000,
        100,
      );
      await new Promise((resolve) => setTimeout(resolve, 500)); // nothing more comes
      const times = sendsPer(sandbox.records().filter((record) => record.text === BULK_TEXT), (record) => record.receiver);
      expect(sent.length).toBe(RECIPIENTS);
      expect(times.size).toBe(RECIPIENTS);
      expect([...times.values()].every((count) => count === 1)).toBe(true);
      expect(inFile(file).bulks).toEqual([{ id: retry.body.bulkId, recording: 0 }]);
    } finally {
      file.close();
      await stop(child, 'SIGTERM');
    }
  }, 300_000);
});
