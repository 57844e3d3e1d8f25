import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { runCli } from '../src/cli/run-cli.js';
import { daysAhead, NUMBERS, SECRETS, startHarness, type Harness } from './support/harness.js';
import { until } from '@rota/testkit';

const SANDBOX_YAML = fileURLToPath(new URL('../../../config/sandbox.yaml', import.meta.url));

/** The message ids of a `rota messages` table, in printed order. */
function ids(table: string): string[] {
  return [...table.matchAll(/^(msg_\S+)/gm)].map((m) => m[1]!);
}

async function rota(argv: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('rota CLI', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness();
    dir = await mkdtemp(join(tmpdir(), 'rota-cli-'));
  });
  afterAll(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => h.sandbox.clearRecords());

  describe('rota send', () => {
    it('sends one message through a running gateway and prints the result', async () => {
      const r = await rota(['send', '--to', '0532 123 45 67', '--text', 'CLI merhaba', '--iys-type', 'notification', '--url', h.client.url, '--key', SECRETS.apiKey]);
      expect(r.code).toBe(0);
      expect(r.out).toContain('accepted');
      expect(r.out).toContain('figensoft / figensoft-notification');
      expect(r.out).toMatch(/id: +\S+/);
      expect(h.sandbox.records().map((x) => [x.username, x.receiver, x.text])).toEqual([['rota-notify', NUMBERS.approvedWire, 'CLI merhaba']]);
    });

    it('takes the key from ROTA_API_KEY and the URL from ROTA_GATEWAY_URL, and prints JSON on --json', async () => {
      const r = await rota(['send', '--to', NUMBERS.other, '--text', 'env', '--iys-type', 'CAMPAIGN', '--sender', 'ROTA', '--json'], {
        ROTA_API_KEY: SECRETS.apiKey,
        ROTA_GATEWAY_URL: h.client.url,
      });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ status: 'accepted', accountId: 'figensoft-campaign' });
    });

    it('prints the id and state of a message still on its way (a repeat of its idempotency key), exit 0, and sends nothing twice', async () => {
      // Before: a record without provider fields (dispatching, queued) matched no case of the result, and send threw a TypeError.
      const message = { to: NUMBERS.other, text: 'yolda', iysType: 'NOTIFICATION', idempotencyKey: 'cli-on-its-way' };
      // Long enough that a loaded machine still finds it on its way when the CLI asks.
      const fault = h.sandbox.injectFault({ kind: 'latency', ms: 5_000 });
      const first = h.client.send(message);
      try {
        const id = await until(async () => {
          const page = await h.client.call('GET', '/v1/messages?state=dispatching');
          return (page.body.items as { id: string; idempotencyKey?: string }[]).find((m) => m.idempotencyKey === message.idempotencyKey)?.id;
        }, 'the first send on its way');
        const r = await rota(['send', '--to', message.to, '--text', message.text, '--iys-type', 'NOTIFICATION', '--idempotency-key', message.idempotencyKey, '--url', h.client.url, '--key', SECRETS.apiKey]);
        expect(r.err).toBe('');
        expect(r.out.split('\n')).toEqual(['dispatching: on its way to a provider, no answer yet', `  id:          ${id}`, `  follow it:   rota status ${id}`]);
        expect(r.code).toBe(0);
      } finally {
        h.sandbox.removeFault(fault);
      }
      expect((await first).body.status).toBe('accepted');
      expect(h.sandbox.records()).toHaveLength(1);
    });

    it.each([
      [['send', '--text', 'x', '--iys-type', 'NOTIFICATION'], '--to'],
      [['send', '--to', NUMBERS.other, '--iys-type', 'NOTIFICATION'], '--text'],
      [['send', '--to', NUMBERS.other, '--text', 'x'], '--iys-type'],
      [['send', '--to', NUMBERS.other, '--text', 'x', '--iys-type', 'PROMO'], '--iys-type'],
      [['send', '--to', NUMBERS.other, '--text', 'x', '--iys-type', 'CAMPAIGN', '--recipient-type', 'X'], '--recipient-type'],
      [['send', '--to', NUMBERS.other, '--text', 'x', '--iys-type', 'NOTIFICATION', '--bogus', '1'], '--bogus'],
      [['send', '--to', '--text'], '--to'],
      [['send', '--to', NUMBERS.other, '--text', 'x', '--iys-type', 'NOTIFICATION', '--url', 'not a url'], '--url'],
      [['send', '--to', NUMBERS.other, '--text', 'x', '--iys-type', 'NOTIFICATION', '--url', 'http://127.0.0.1:1'], '--key'],
      // Refused without echoing the URL (a probe's "cannot reach the gateway at http://user:SECRET@…").
      [['send', '--to', NUMBERS.other, '--text', 'x', '--iys-type', 'NOTIFICATION', '--key', 'k', '--url', 'http://user:SECRETURL@127.0.0.1:1'], '--url must not carry credentials'],
      [['send', '--to', NUMBERS.other, '--text', 'x', '--iys-type', 'NOTIFICATION', '--key', 'k', '--url', 'http://127.0.0.1:1/?token=SECRETURL'], '--url must be the gateway'],
    ])('%j → exit 2 naming %s', async (argv, flag) => {
      const r = await rota(argv);
      expect(r.code).toBe(2);
      expect(r.err).toContain(flag);
      expect(r.err).not.toContain('SECRETURL');
      expect(h.sandbox.records()).toEqual([]);
    });

    it('maps the gateway\'s field issues back to flags (exit 2), and sends nothing', async () => {
      const r = await rota(['send', '--to', 'abc', '--text', 'x', '--iys-type', 'NOTIFICATION', '--sender', 'Ş', '--url', h.client.url, '--key', SECRETS.apiKey]);
      expect(r.code).toBe(2);
      expect(r.err).toContain('--to:');
      expect(r.err).toContain('--sender:');
      expect(h.sandbox.records()).toEqual([]);
    });

    it('exit 1 with the gateway\'s words for a wrong kind of key, and for an unreachable gateway', async () => {
      const admin = await rota(['send', '--to', NUMBERS.other, '--text', 'x', '--iys-type', 'NOTIFICATION', '--url', h.client.url, '--key', SECRETS.adminToken]);
      expect(admin.code).toBe(1);
      expect(admin.err).toContain('403');
      const down = await rota(['send', '--to', NUMBERS.other, '--text', 'x', '--iys-type', 'NOTIFICATION', '--url', 'http://127.0.0.1:1', '--key', 'k']);
      expect(down.code).toBe(1);
      expect(down.err).toContain('cannot reach the gateway');
    });
  });

  describe('rota cancel', () => {
    const as = () => ['--url', h.client.url, '--key', SECRETS.apiKey];
    const later = daysAhead(30);
    it('takes back a scheduled message (again: exit 0), and refuses one already sent with exit 1 and the gateway\'s 409', async () => {
      const scheduled = await h.client.send({ to: NUMBERS.other, text: 'Yarın', iysType: 'NOTIFICATION', sendAt: later });
      expect(await rota(['cancel', scheduled.body.id, ...as()])).toEqual({ code: 0, out: `${scheduled.body.id}: canceled`, err: '' });
      expect((await rota(['cancel', scheduled.body.id, ...as()])).code).toBe(0);
      const sent = await h.client.send({ to: NUMBERS.other, text: 'Şimdi', iysType: 'NOTIFICATION' });
      const refused = await rota(['cancel', sent.body.id, ...as()]);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('409 not-cancelable: the message is accepted');
      expect((await rota(['cancel', ...as()])).code).toBe(2);
    });

    it('takes back what of a bulk has not gone out, with --bulk, and says how many', async () => {
      const bulk = await h.client.call('POST', '/v1/bulk', { json: { text: 'Hafta sonu', iysType: 'NOTIFICATION', sendAt: later, recipients: ['+905321234501', '+905321234502'] } });
      expect(await rota(['cancel', bulk.body.bulkId, '--bulk', ...as()])).toEqual({ code: 0, out: `${bulk.body.bulkId}: 2 canceled now`, err: '' });
      const json = await rota(['cancel', bulk.body.bulkId, '--bulk', '--json', ...as()]);
      expect(JSON.parse(json.out)).toMatchObject({ bulkId: bulk.body.bulkId, canceled: 0, byState: { canceled: 2 } });
    });
  });

  describe('rota status', () => {
    it('prints the gateway\'s answer for the id send printed, as indented JSON, exit 0', async () => {
      const sent = await rota(['send', '--to', NUMBERS.approved, '--text', 'status?', '--iys-type', 'NOTIFICATION', '--url', h.client.url, '--key', SECRETS.apiKey]);
      expect(sent.code).toBe(0);
      const id = /id: +(\S+)/.exec(sent.out)![1]!;
      const r = await rota(['status', id, '--url', h.client.url, '--key', SECRETS.apiKey]);
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
      // Whatever the gateway answered, whole (its shape is the gateway's), printed readably (indented).
      const printed = JSON.parse(r.out);
      expect(printed).toEqual(expect.any(Object));
      expect(r.out).toBe(JSON.stringify(printed, null, 2));
      expect(r.out).toContain(id);
    });

    it('takes the key and URL from the environment', async () => {
      const sent = await rota(['send', '--to', NUMBERS.approved, '--text', 'env', '--iys-type', 'NOTIFICATION', '--json'], { ROTA_API_KEY: SECRETS.apiKey, ROTA_GATEWAY_URL: h.client.url });
      const { id } = JSON.parse(sent.out) as { id: string };
      const r = await rota(['status', id], { ROTA_API_KEY: SECRETS.apiKey, ROTA_GATEWAY_URL: h.client.url });
      expect(r.code).toBe(0);
      expect(r.out).toContain(id);
    });

    it.each([
      [['status'], 'status needs the message id'],
      [['status', ''], 'status needs the message id'],
      [['status', 'a', 'b'], 'one message id'],
      [['status', 'x', '--bogus'], '--bogus'],
      [['status', 'x', '--url', 'not a url', '--key', 'k'], '--url'],
      [['status', 'x', '--url', 'http://127.0.0.1:1'], '--key'],
    ])('%j → exit 2 naming %s', async (argv, words) => {
      const r = await rota(argv);
      expect(r.code).toBe(2);
      expect(r.err).toContain(words);
    });

    it('exit 1 for an id the gateway does not know, a refused key, or no gateway', async () => {
      const unknown = await rota(['status', 'no-such-message', '--url', h.client.url, '--key', SECRETS.apiKey]);
      expect(unknown.code).toBe(1);
      expect(unknown.err).toContain('404 not-found');
      expect(unknown.out).toBe('');

      const refused = await rota(['status', 'no-such-message', '--url', h.client.url, '--key', 'nope-nope']);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('401');

      const down = await rota(['status', 'no-such-message', '--url', 'http://127.0.0.1:1', '--key', 'k']);
      expect(down.code).toBe(1);
      expect(down.err).toContain('cannot reach the gateway');
    });
  });

  describe('rota status --timeline', () => {
    it('prints the message in one line, then its steps one a line; --refresh adds the provider\'s report', async () => {
      const sent = await h.client.send({ to: NUMBERS.approved, text: 'timeline', iysType: 'NOTIFICATION' });
      const id = sent.body.id as string;
      const r = await rota(['status', id, '--timeline', '--url', h.client.url, '--key', SECRETS.apiKey]);
      expect(r.code).toBe(0);
      expect(r.out.split('\n')).toEqual([
        `${id}: accepted; to ${NUMBERS.approved} via figensoft / figensoft-notification`,
        expect.stringMatching(/^AT +KIND +STATE +SOURCE +DETAIL$/),
        expect.stringMatching(/^\d{4}-\d\d-\d\dT\S+Z +state +accepted +dispatch +-$/),
      ]);

      // The sandbox reports at once (deliveryDelayMs 0): asking now adds the final report as a step.
      const refreshed = await rota(['status', id, '--timeline', '--refresh', '--url', h.client.url, '--key', SECRETS.apiKey]);
      expect(refreshed.code).toBe(0);
      const lines = refreshed.out.split('\n');
      expect(lines[0]).toBe(`${id}: accepted, delivery delivered, final; to ${NUMBERS.approved} via figensoft / figensoft-notification`);
      expect(lines.at(-1)).toMatch(/ +delivery +delivered +refresh +code \S+$/);
    });

    it('--refresh of a message whose provider a reload removed: exit 1 with the gateway\'s reason, and how to read the record as stored', async () => {
      // Before: the gateway answered 500 internal-error, which said nothing of why.
      const sent = await h.client.send({ to: NUMBERS.approved, text: 'provider gone', iysType: 'NOTIFICATION' });
      const id = sent.body.id as string;
      h.router.reconfigure({ providers: [], retry: { retries: 0 } });
      try {
        const r = await rota(['status', id, '--timeline', '--refresh', '--url', h.client.url, '--key', SECRETS.apiKey]);
        expect(r.code).toBe(1);
        expect(r.out).toBe('');
        expect(r.err.split('\n')).toEqual([
          expect.stringMatching(/^the gateway answered 409 provider-not-configured: the message's provider "figensoft" is not in the configuration in force/),
          `  the record as stored: rota status ${id} --timeline (without --refresh)`,
        ]);
        const stored = await rota(['status', id, '--timeline', '--url', h.client.url, '--key', SECRETS.apiKey]);
        expect(stored.code).toBe(0);
        expect(stored.out.split('\n')[0]).toBe(`${id}: accepted; to ${NUMBERS.approved} via figensoft / figensoft-notification`);
      } finally {
        h.router.reconfigure({ providers: [{ provider: h.figensoft, rank: 3 }], retry: { retries: 0 } });
      }
    });

    it('exit 1 with the gateway\'s words for an unknown id', async () => {
      const r = await rota(['status', 'msg_nothing', '--timeline', '--url', h.client.url, '--key', SECRETS.apiKey]);
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toContain('404 not-found');
    });
  });

  describe('rota messages', () => {
    // The "billing" client's messages only: other tests send as campaign-service.
    const sent: { id: string; to: string }[] = [];
    const billing = () => ['--url', h.client.url, '--key', SECRETS.otherApiKey];
    beforeAll(async () => {
      for (const [to, text] of [[NUMBERS.approved, 'first'], [NUMBERS.other, 'second'], [NUMBERS.other, 'third']] as const) {
        const answer = await h.client.send({ to, text, iysType: 'NOTIFICATION' }, SECRETS.otherApiKey);
        expect(answer.body.status).toBe('accepted');
        sent.push({ id: answer.body.id, to: answer.body.to });
      }
    });

    it('prints the caller\'s messages newest first, one line each, numbers as the gateway gives them', async () => {
      const r = await rota(['messages', ...billing()]);
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
      const [header, ...rows] = r.out.split('\n');
      expect(header).toMatch(/^ID +STATUS +DELIVERY +TO +PROVIDER +OWNER +CREATED$/);
      expect(rows.map((row) => row.split(/ +/).slice(0, 6))).toEqual(
        [...sent].reverse().map(({ id, to }) => [id, 'accepted', '-', to, 'figensoft', 'billing']),
      );
    });

    it('filters by number, state and creation time, as the gateway does', async () => {
      const byNumber = await rota(['messages', '--to', '0555 111 22 33', ...billing()]);
      expect(byNumber.code).toBe(0);
      expect(ids(byNumber.out)).toEqual([sent[2]!.id, sent[1]!.id]);

      expect((await rota(['messages', '--state', 'failed', ...billing()])).out).toBe('no messages');
      expect(ids((await rota(['messages', '--state', 'accepted', '--since', '10m', ...billing()])).out)).toHaveLength(3);
      expect((await rota(['messages', '--until', '2020-01-01T00:00:00Z', ...billing()])).out).toBe('no messages');
    });

    it('pages with --limit and the --cursor it prints; --json prints the gateway\'s answer', async () => {
      const first = await rota(['messages', '--limit', '2', ...billing()]);
      expect(first.code).toBe(0);
      expect(ids(first.out)).toEqual([sent[2]!.id, sent[1]!.id]);
      const cursor = /^more: add --cursor=(\S+)$/m.exec(first.out)?.[1];
      expect(cursor).toBeDefined();
      // As printed, with "=": a cursor may begin with "-" (base64url), and `--cursor -x…` was taken for an option (exit 2).
      const second = await rota(['messages', '--limit', '2', `--cursor=${cursor!}`, '--json', ...billing()]);
      expect(second.code).toBe(0);
      const page = JSON.parse(second.out);
      expect(page.items.map((m: { id: string }) => m.id)).toEqual([sent[0]!.id]);
      expect(page.nextCursor).toBeUndefined();
      expect(second.out).toBe(JSON.stringify(page, null, 2));
    });

    it('lists only the caller\'s own; the admin token lists one client\'s with --owner', async () => {
      const mine = await rota(['messages', '--url', h.client.url, '--key', SECRETS.apiKey, '--json']);
      const theirs = new Set(sent.map((m) => m.id));
      expect((JSON.parse(mine.out).items as { id: string }[]).filter((m) => theirs.has(m.id))).toEqual([]);

      const admin = await rota(['messages', '--owner', 'billing', '--url', h.client.url, '--key', SECRETS.adminToken]);
      expect(admin.code).toBe(0);
      expect(ids(admin.out)).toEqual([...sent].reverse().map((m) => m.id));
    });

    it('an API key\'s --owner naming another client: exit 1, the gateway\'s 403 naming --owner; its own name lists', async () => {
      // Before: the gateway ignored owner for an API key, and this printed the caller's own messages as if they were billing's.
      const theirs = await rota(['messages', '--owner', 'billing', '--url', h.client.url, '--key', SECRETS.apiKey]);
      expect(theirs.code).toBe(1);
      expect(theirs.out).toBe('');
      expect(theirs.err).toContain('403 forbidden');
      expect(theirs.err).toContain("  --owner: names another client: only the admin token may read another client's messages");
      // Once, on the flag's line: the gateway's message restating it is left out.
      expect(theirs.err.split('names another client')).toHaveLength(2);
      const own = await rota(['messages', '--owner', 'billing', ...billing()]);
      expect(own.code).toBe(0);
      expect(ids(own.out)).toEqual([...sent].reverse().map((m) => m.id));
    });

    it('says a refused date in flags and names the short forms the CLI takes', async () => {
      const unknown = await rota(['messages', '--since', 'yesterday', ...billing()]);
      expect(unknown.err).toContain('--since: ');
      expect(unknown.err).toContain('(or a time ago: 30m, 2h, 7d)');
      const backwards = await rota(['messages', '--since', '2h', '--until', '3h', ...billing()]);
      expect(backwards.code).toBe(2);
      expect(backwards.err).toContain('--since');
      expect(backwards.err).not.toMatch(/createdFrom|createdUntil/);
    });

    it.each([
      [['messages', '--state', 'lost'], '--state: '],
      [['messages', '--limit', '0'], '--limit: '],
      [['messages', '--limit', 'many'], '--limit: '],
      [['messages', '--since', 'yesterday'], '--since: '],
      [['messages', '--until', '2030-13-45'], '--until: '],
      [['messages', '--to', 'abc'], '--to: '],
      [['messages', '--cursor', 'not-one'], '--cursor: '],
      // A cursor that begins with "-", as a real one may (base64url): reaches the gateway, not taken for an option.
      [['messages', '--cursor=-not-one'], '--cursor: '],
    ])('%j → exit 2: the gateway refused the filter, named as the flag', async (argv, words) => {
      const r = await rota([...argv, ...billing()]);
      expect(r.code).toBe(2);
      expect(r.err).toContain('400 invalid-request');
      expect(r.err).toContain(words);
      expect(r.out).toBe('');
    });

    it.each([
      [['messages', '--state', ''], '--state must not be empty'],
      [['messages', 'accepted'], 'accepted'],
      [['messages', '--bogus'], '--bogus'],
      [['messages', '--limit'], '--limit'],
      [['messages', '--url', 'http://127.0.0.1:1'], '--key'],
    ])('%j → exit 2 naming %s, before any call', async (argv, words) => {
      const r = await rota(argv);
      expect(r.code).toBe(2);
      expect(r.err).toContain(words);
    });

    it('exit 1 on a refused key or no gateway', async () => {
      const refused = await rota(['messages', '--url', h.client.url, '--key', 'nope-nope']);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('401');
      expect(refused.err).not.toContain('nope-nope');
      const down = await rota(['messages', '--url', 'http://127.0.0.1:1', '--key', 'k']);
      expect(down.code).toBe(1);
      expect(down.err).toContain('cannot reach the gateway');
    });
  });

  describe('rota providers', () => {
    it('prints the status table', async () => {
      const r = await rota(['providers', '--url', h.client.url, '--key', SECRETS.adminToken]);
      expect(r.code).toBe(0);
      const [header, row] = r.out.split('\n');
      expect(header).toMatch(/^PROVIDER +RANK +ENABLED +ACCEPTED/);
      expect(row).toMatch(/^figensoft +3 +yes/);
      expect(row).toContain('figensoft-notification=closed');
      expect(row).toMatch(/^figensoft +3 +yes +\d+ +\d+ +\d+ +\d+ +\d+ +\d+ ms/);
    });

    it("prints the routing to an API key, the traffic columns as '-' (every client's traffic is the admin's to read)", async () => {
      const r = await rota(['providers', '--url', h.client.url, '--key', SECRETS.apiKey]);
      expect(r.code).toBe(0);
      const row = r.out.split('\n')[1];
      expect(row).toMatch(/^figensoft +3 +yes +- +- +- +- +- +- +figensoft-notification=closed/);
    });

    it('exit 1 on a refused key', async () => {
      const r = await rota(['providers', '--url', h.client.url, '--key', 'nope-nope']);
      expect(r.code).toBe(1);
      expect(r.err).toContain('401');
    });
  });

  describe('rota config check', () => {
    it('passes config/sandbox.yaml with a one-line summary and no secret', async () => {
      const r = await rota(['config', 'check', SANDBOX_YAML], { ROTA_SANDBOX_URL: 'http://127.0.0.1:8090/api_json' });
      expect(r.code).toBe(0);
      expect(r.out.split('\n')).toHaveLength(1);
      expect(r.out).toContain('OK');
      expect(r.out).toContain('figensoft (rank 3)');
      for (const secret of ['dev-send-key-0123456789', 'dev-admin-token-0123456789', 'sandbox-notify-secret', 'sandbox-campaign-secret']) {
        expect(r.out).not.toContain(secret);
      }
    });

    it('names each provider by its id in the summary: two entries of one type are told apart', async () => {
      const file = join(dir, 'two-figensoft.yaml');
      const figensoft = (username: string) => ({ accounts: [{ username, password: 'a-password-1', smsIysMessageType: 'NOTIFICATION', senderList: ['ROTA'] }] });
      await writeFile(
        file,
        stringify({
          providers: [
            { type: 'figensoft', rank: 1, settings: figensoft('first') },
            { type: 'figensoft', id: 'figensoft-backup', rank: 2, settings: figensoft('second') },
          ],
          gateway: { apiKeys: [{ name: 'x', key: SECRETS.apiKey }], adminToken: SECRETS.adminToken },
        }),
      );
      const r = await rota(['config', 'check', file]);
      expect(r.code).toBe(0);
      expect(r.out).toContain('providers: figensoft (rank 1), figensoft-backup (figensoft, rank 2);');
    });

    it('prints every problem with its path, exit 1, and never a secret', async () => {
      const file = join(dir, 'broken.yaml');
      await writeFile(
        file,
        stringify({
          providers: [{ type: 'figensoft', rank: -1, settings: { accounts: [{ username: 'u', password: 'TOP-secret-pass-1', smsIysMessageType: 'PROMO', senderList: [] }] } }],
          gateway: { apiKeys: [{ name: 'x', key: 'short-KEY' }], adminToken: '${ROTA_TEST_UNSET_TOKEN}' },
          logging: { level: 'loud' },
        }),
      );
      const r = await rota(['config', 'check', file]);
      expect(r.code).toBe(1);
      for (const path of ['providers.0.rank', 'providers.0.settings.accounts.0.smsIysMessageType', 'providers.0.settings.accounts.0.senderList', 'gateway.apiKeys.0.key', 'gateway.adminToken', 'logging.level']) {
        expect(r.err).toContain(`  ${path}: `);
      }
      expect(r.err).toContain('ROTA_TEST_UNSET_TOKEN');
      expect(r.err).not.toContain('TOP-secret-pass-1');
      expect(r.err).not.toContain('short-KEY');
    });

    it('refuses a simulate block unless --development is given', async () => {
      const file = join(dir, 'simulate.yaml');
      await writeFile(
        file,
        stringify({
          providers: [{ type: 'message-center', settings: { accounts: [{ key: 'u', hash: 'p-123456', sender: 'ROTA' }], simulate: {} } }],
          gateway: { apiKeys: [{ name: 'x', key: SECRETS.apiKey }], adminToken: SECRETS.adminToken },
        }),
      );
      const production = await rota(['config', 'check', file]);
      expect(production.code).toBe(1);
      // One problem, with its real path: the reason itself contains "; " and must not be split on it.
      expect(production.err.split('\n')).toEqual([
        `${file}: 1 problem`,
        expect.stringMatching(/^  providers\.0\.settings\.simulate: message-center: the simulate transport is for development only \(.*\); start the gateway in development mode to use it, or remove the block$/),
      ]);
      expect(production.err).not.toContain('(runtime)');
      const development = await rota(['config', 'check', file, '--development']);
      expect(development.code).toBe(0);
    });

    it('exit 2 for a missing file argument or an unknown subcommand; exit 1 for a missing file', async () => {
      expect((await rota(['config', 'check'])).code).toBe(2);
      expect((await rota(['config', 'lint', 'x.yaml'])).err).toContain('lint');
      const missing = await rota(['config', 'check', join(dir, 'nope.yaml')]);
      expect(missing.code).toBe(1);
      expect(missing.err).toContain('no such file');
    });
  });

  describe('rota worker and rota gateway', () => {
    it('a worker needs a PostgreSQL store: on the embedded one it refuses to start, naming store.kind', async () => {
      const file = join(dir, 'embedded.yaml');
      await writeFile(
        file,
        stringify({
          providers: [{ type: 'figensoft', settings: { accounts: [{ username: 'u', password: 'p-123456', smsIysMessageType: 'NOTIFICATION', senderList: ['ROTA'], customApiActive: true, customApiUrl: h.sandbox.url }] } }],
          gateway: { apiKeys: [{ name: 'x', key: SECRETS.apiKey }], adminToken: SECRETS.adminToken },
          store: { kind: 'sqlite', path: join(dir, 'data', 'rota.db') },
        }),
      );
      const worker = await rota(['worker', '--config', file]);
      expect(worker.code).toBe(1);
      expect(worker.err).toContain('a worker takes its work from a PostgreSQL store');
      expect(worker.err).toContain('  store.kind: must be postgres for rota worker');
    });

    it('both need --config (exit 2), and only a gateway takes --worker', async () => {
      expect((await rota(['worker'])).err).toContain('worker needs --config FILE');
      expect((await rota(['gateway'])).code).toBe(2);
      const unknown = await rota(['worker', '--config', 'x.yaml', '--worker']);
      expect(unknown.code).toBe(2);
      expect(unknown.err).toContain('--worker');
    });
  });

  it('prints usage without a command (exit 2) and on --help (exit 0); names an unknown command', async () => {
    const bare = await rota([]);
    expect(bare.code).toBe(2);
    expect(bare.out).toContain('rota config check FILE');
    expect(bare.out).toContain('rota status ID');
    expect(bare.out).toContain('rota worker --config FILE');
    expect((await rota(['--help'])).code).toBe(0);
    const unknown = await rota(['deploy']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('"deploy"');
  });
});

