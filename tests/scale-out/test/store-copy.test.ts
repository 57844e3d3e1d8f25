// An embedded gateway's ledger moved to PostgreSQL with `rota store copy`:
// the records, their timelines and idempotency keys come along, so a client's
// retry after the move answers the old record and sends nothing again.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SANDBOX_ACCOUNTS, startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { startGateway, startWorker } from '@rota/gateway';
import { agent, call } from './support/http.js';
import { dropSchema, freshSchema, query, testDatabaseUrl } from './support/postgres-schema.js';
import { runRota } from './support/rota-process.js';
import { ADMIN, API_KEY, writeRotaConfig } from './support/rota-config.js';

describe('rota store copy: from the embedded store to PostgreSQL', () => {
  let dir: string;
  let sandbox: Sandbox;
  let schema: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rota-store-copy-'));
    sandbox = await startSandbox({ accounts: DEFAULT_SANDBOX_ACCOUNTS, deliveryDelayMs: 0, host: '127.0.0.1', port: 0 });
    schema = freshSchema('copied');
  });

  afterAll(async () => {
    await agent.close();
    await sandbox.close();
    await dropSchema(schema);
    await rm(dir, { recursive: true, force: true });
  });

  it('moves the records and keys; a retry after the move answers the old record', async () => {
    const embeddedFile = await writeRotaConfig(dir, 'embedded', { sandboxUrl: sandbox.url, schema, store: { kind: 'sqlite', path: 'data/rota.db' } });
    const embedded = await startGateway({ configPath: embeddedFile, watch: false });
    const sent = [];
    for (let i = 0; i < 5; i++) {
      const answer = await call(embedded.url, 'POST', '/v1/messages', API_KEY, { to: '+905321234567', text: `before the move ${i}`, iysType: 'NOTIFICATION', idempotencyKey: `move-${i}` });
      expect(answer.body.status).toBe('accepted');
      sent.push(answer.body);
    }
    // While the embedded gateway runs, its data folder is locked: no copy of a ledger in use.
    const pgFileEarly = await writeRotaConfig(dir, 'postgres', { sandboxUrl: sandbox.url, schema });
    const busy = await runRota(['store', 'copy', '--from', embeddedFile, '--to', pgFileEarly]);
    expect(busy.code).toBe(1);
    await embedded.close();

    // Into a store hashing with another key: refused, naming the flag that would accept it.
    const otherKey = await writeRotaConfig(dir, 'postgres', { sandboxUrl: sandbox.url, schema, store: { hashKey: `base64url:${Buffer.alloc(32, 9).toString('base64url')}` } });
    const refused = await runRota(['store', 'copy', '--from', embeddedFile, '--to', otherKey]);
    expect({ code: refused.code, err: refused.err }).toEqual({ code: 1, err: expect.stringContaining('(--new-hash-key)') });

    // The embedded key, given to PostgreSQL as bytes, keeps the fingerprints valid.
    const key = (await readFile(join(dir, 'data', 'hash.key'), 'utf8')).trim();
    const pgFile = await writeRotaConfig(dir, 'postgres', { sandboxUrl: sandbox.url, schema, store: { hashKey: `base64url:${key}` } });
    const copy = await runRota(['store', 'copy', '--from', embeddedFile, '--to', pgFile]);
    expect({ code: copy.code, err: copy.err }).toEqual({ code: 0, err: '' });
    expect(copy.out).toContain('copied 0 bulks, 5 messages');
    expect(copy.out).not.toContain(new URL(testDatabaseUrl()).password || 'no-password-in-the-test-url');

    const gateway = await startGateway({ configPath: pgFile, watch: false });
    const worker = await startWorker({ configPath: pgFile, watch: false });
    try {
      for (const [i, before] of sent.entries()) {
        const read = await call(gateway.url, 'GET', `/v1/messages/${before.id}`, ADMIN);
        expect(read.body).toMatchObject({ id: before.id, status: 'accepted', providerMessageId: before.providerMessageId });
        const retry = await call(gateway.url, 'POST', '/v1/messages', API_KEY, { to: '+905321234567', text: `before the move ${i}`, iysType: 'NOTIFICATION', idempotencyKey: `move-${i}` });
        expect(retry.body.id).toBe(before.id);
      }
      const after = await call(gateway.url, 'POST', '/v1/messages', API_KEY, { to: '+905321234567', text: 'after the move', iysType: 'NOTIFICATION' });
      expect(after.body.status).toBe('accepted');
      const texts = sandbox.records().map((record) => record.text);
      for (let i = 0; i < 5; i++) expect(texts.filter((text) => text === `before the move ${i}`)).toHaveLength(1);

      // A second copy into the now busy ledger is refused.
      const again = await runRota(['store', 'copy', '--from', embeddedFile, '--to', pgFile]);
      expect(again.code).toBe(1);
      expect(again.err).toContain('copy only into an empty ledger');
      // One store under two names (the same file twice, or two files naming one schema): said as such.
      for (const [source, target] of [[embeddedFile, embeddedFile], [pgFile, pgFileEarly]]) {
        const same = await runRota(['store', 'copy', '--from', source!, '--to', target!]);
        expect({ code: same.code, err: same.err }).toEqual({ code: 1, err: expect.stringContaining('--from and --to name the same') });
      }
    } finally {
      await gateway.close();
      await worker.close();
    }
  });

  // Found by a probe: a mistyped source made an empty store and "copied 0 … done"; a refused copy left a new store and
  // its hash key behind; `..` in a path hid one store under two names; a new embedded target got a random hash key.
  it('refuses a source that does not exist, creating nothing; gives a new embedded target the source key; removes it again when refused', async () => {
    const missingFile = await writeRotaConfig(dir, 'missing', { sandboxUrl: sandbox.url, schema, store: { kind: 'sqlite', path: 'typo-folder/rota.db' } });
    const targetFile = await writeRotaConfig(dir, 'target', { sandboxUrl: sandbox.url, schema, store: { kind: 'sqlite', path: 'moved/rota.db' } });
    const missing = await runRota(['store', 'copy', '--from', missingFile, '--to', targetFile]);
    expect({ code: missing.code, out: missing.out }).toEqual({ code: 1, out: '' });
    expect(missing.err).toContain(`the source store of ${missingFile} does not exist: there is no SQLite store at ${join(dir, 'typo-folder', 'rota.db')}`);
    await expect(readdir(join(dir, 'typo-folder'))).rejects.toMatchObject({ code: 'ENOENT' });
    const missingSchema = freshSchema('missing');
    const missingPg = await writeRotaConfig(dir, 'missing-pg', { sandboxUrl: sandbox.url, schema: missingSchema });
    const noSchema = await runRota(['store', 'copy', '--from', missingPg, '--to', targetFile]);
    expect(noSchema.err).toContain(`there is no ledger in the schema "${missingSchema}"`);
    expect(await query(`select nspname from pg_namespace where nspname like $1`, [`${missingSchema}%`])).toEqual([]);

    // The embedded store of the first test, named through "..": the same store.
    const aliasFile = await writeRotaConfig(dir, 'alias', { sandboxUrl: sandbox.url, schema, store: { kind: 'sqlite', path: 'data/../data/rota.db' } });
    const alias = await runRota(['store', 'copy', '--from', join(dir, 'embedded.yaml'), '--to', aliasFile]);
    expect(alias.err).toContain('--from and --to name the same sqlite store');

    // A scheduled message keeps the source from draining: refused, and the new target is gone again.
    const source = await startGateway({ configPath: join(dir, 'embedded.yaml'), watch: false });
    const scheduled = await call(source.url, 'POST', '/v1/messages', API_KEY, { to: '+905321234567', text: 'later', iysType: 'NOTIFICATION', sendAt: new Date(Date.now() + 30 * 86_400_000).toISOString() });
    await source.close();
    const refused = await runRota(['store', 'copy', '--from', join(dir, 'embedded.yaml'), '--to', targetFile]);
    expect({ code: refused.code, err: refused.err }).toEqual({ code: 1, err: expect.stringContaining('one scheduled for later does not drain by itself: cancel it') });
    expect(await readdir(join(dir, 'moved'))).toEqual([]);

    // Canceled, it no longer holds the copy back; the new embedded target hashes with the source's key.
    const again = await startGateway({ configPath: join(dir, 'embedded.yaml'), watch: false });
    expect((await call(again.url, 'POST', `/v1/messages/${scheduled.body.id}/cancel`, API_KEY)).body.status).toBe('canceled');
    await again.close();
    const copy = await runRota(['store', 'copy', '--from', join(dir, 'embedded.yaml'), '--to', targetFile]);
    expect({ code: copy.code, err: copy.err }).toEqual({ code: 0, err: '' });
    expect(await readFile(join(dir, 'moved', 'hash.key'), 'utf8')).toBe(await readFile(join(dir, 'data', 'hash.key'), 'utf8'));
  });
});
