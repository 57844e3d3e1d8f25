import { createRouter, type Router } from '@rota/core';
import { silentLogger, type Logger } from '@rota/provider';
import { createFakeProvider, type FakeProvider } from '@rota/testkit';
import pg from 'pg';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { isStoreUnavailable, Ledger, openLedgerStore, type LedgerRole, type LedgerStore, type MessageRecord } from '../../src/index.js';
import { QueueSource } from '../../src/dispatch/queue-source.js';
import { QUEUE_NAMES } from '../../src/postgres/queue-classes.js';
import { UNIT_SIZE } from '../../src/queue/dispatch-queue.js';
import { sharedLimiterFor } from '../../src/postgres/shared-limiter.js';
import { bulkTemplate, dropSchema, freshSchemaName, HASH_KEY, message, numbers, postgresTestConfig, postgresTestUrl } from '../ledger-fixtures.js';
import { finalState, until } from '../ledger-rig.js';

// Several processes on one PostgreSQL database, each played here by its own
// store (its own pool, its own LISTEN connection) on one schema: gateways that
// record and enqueue, workers that send.

interface Process {
  store: LedgerStore;
  ledger: Ledger;
  router: Router;
  provider: FakeProvider;
  stop(): Promise<void>;
}

let schema: string;
const running: Process[] = [];

beforeEach(() => {
  schema = freshSchemaName();
});

afterEach(async () => {
  for (const process of running.splice(0).reverse()) await process.stop();
  await dropSchema(schema);
});

async function start(
  role: LedgerRole,
  options: { unitTimeoutSeconds?: number; waitMs?: number; provider?: FakeProvider; store?: Record<string, unknown>; logger?: Logger } = {},
): Promise<Process> {
  const store = await openLedgerStore(postgresTestConfig(schema, options.store), {
    hashKey: HASH_KEY,
    name: `test-${role}`,
    ...(options.logger ? { logger: options.logger } : {}),
    queue: { unitTimeoutSeconds: options.unitTimeoutSeconds ?? 300, maintenanceSeconds: 1 },
  });
  const provider =
    options.provider ??
    createFakeProvider({
      id: 'fake',
      accounts: [
        { accountId: 'fake-notification', iysType: 'NOTIFICATION', senders: ['ROTA'] },
        { accountId: 'fake-campaign', iysType: 'CAMPAIGN', senders: ['ROTA'] },
      ],
    });
  const router = createRouter({ providers: [{ provider, rank: 1 }], retry: { retries: 0 } });
  const ledger = new Ledger({ store, router, role, dispatch: { pollMs: 50 }, ...(options.waitMs === undefined ? {} : { waitMs: options.waitMs }) });
  await ledger.start();
  const process: Process = {
    store,
    ledger,
    router,
    provider,
    async stop() {
      await ledger.stop(1_000);
      await router.close();
      await store.close();
    },
  };
  running.push(process);
  return process;
}

const created = (outcome: unknown): MessageRecord => (outcome as { kind: 'created'; record: MessageRecord }).record;

/**
 * Another transaction inserts a copy of the first record there is (so one
 * must exist) under `key`, its owner's, and stays open: a record of that
 * owner under that key must wait for it to end. Roll back and end the client
 * to let go.
 */
async function holdKey(key: string): Promise<pg.Client> {
  const holder = new pg.Client({ connectionString: postgresTestUrl() });
  await holder.connect();
  await holder.query('begin');
  await holder.query(
    `insert into "${schema}".messages overriding system value select * from jsonb_populate_record(null::"${schema}".messages, (select to_jsonb(m) || jsonb_build_object('id', 'held', 'idempotency_key', $1::text, 'seq', 999999) from "${schema}".messages m limit 1))`,
    [key],
  );
  return holder;
}

async function query<T>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: postgresTestUrl() });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('a gateway and a worker on one PostgreSQL database', () => {
  it('the gateway records and enqueues; the worker sends each message once', async () => {
    const gateway = await start('gateway');
    const worker = await start('worker');
    const outcomes = await gateway.ledger.submit(
      numbers(30).map((to) => ({ message: message({ to }), owner: 'acme' })),
      'queue',
    );
    for (const outcome of outcomes) expect(await until(finalState(gateway.store, created(outcome).id), 'sent by the worker')).toMatchObject({ state: 'accepted' });
    expect(worker.provider.acceptedCount).toBe(30);
    expect(gateway.provider.callCount).toBe(0);
    expect(worker.provider.accepted.every((acceptance) => worker.provider.acceptedTimes(acceptance.to) === 1)).toBe(true);
  });

  it('answers a caller who waits once a worker has sent, and with the queued record when no worker comes in time', async () => {
    // Long enough for a worker just started to send through pg-boss on a loaded machine.
    const gateway = await start('gateway', { waitMs: 5_000 });
    const [alone] = await gateway.ledger.submit([{ message: message({ to: '+905321234567' }), owner: 'acme' }], 'wait');
    expect(created(alone).state).toBe('queued');

    await start('worker');
    const [answered] = await gateway.ledger.submit([{ message: message({ to: '+905321234568' }), owner: 'acme' }], 'wait');
    expect(created(answered)).toMatchObject({ state: 'accepted', providerId: 'fake' });
    // The first one was not lost: the worker sent it too.
    expect(await until(finalState(gateway.store, created(alone).id), 'the early one sent')).toMatchObject({ state: 'accepted' });
  });

  it('holds a message until its sendAt (pg-boss start-after), then sends it', async () => {
    const gateway = await start('gateway');
    const worker = await start('worker');
    const sendAt = new Date(Date.now() + 2_000);
    const [outcome] = await gateway.ledger.submit([{ message: message({ to: '+905321234567', sendAt: sendAt.toISOString() }), owner: 'acme' }], 'queue');
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(worker.provider.callCount).toBe(0);
    expect(await until(finalState(gateway.store, created(outcome).id), 'sent when due', 8_000)).toMatchObject({ state: 'accepted' });
    expect(worker.provider.calls[0]!.at.getTime()).toBeGreaterThanOrEqual(sendAt.getTime() - 50);
  });

  it('hands a unit back not before the time its source is given (records held for want of a route), not after the retry delay', async () => {
    const gateway = await start('gateway');
    const [outcome] = await gateway.ledger.submit([{ message: message({ to: '+905321234567' }), owner: 'acme' }], 'queue');
    const id = created(outcome).id;
    const source = new QueueSource(gateway.store, gateway.store.queue!);
    const unit = await until(() => source.next({ otpOnly: false }), 'the unit fetched');
    expect(unit.records.map((record) => record.id)).toEqual([id]);
    const notBefore = new Date(Date.now() + 20_000);
    await unit.abandon('held: no route open', notBefore);
    unit.done?.();
    const [job] = await query<{ state: string; start_after: Date }>(`select state, start_after from "${schema}_queue".job where data->'ids' ? $1`, [id]);
    expect(job!.state).toBe('retry');
    expect(Math.abs(job!.start_after.getTime() - notBefore.getTime())).toBeLessThan(1_000);
    // pg-boss does not hand it out before then.
    expect(await source.next({ otpOnly: false })).toBeUndefined();
  });

  it('answers a caller who waits at once when no route is open (a shared store): failed, not held', async () => {
    const gateway = await start('gateway', { waitMs: 10_000 });
    const worker = await start('worker');
    for (const account of ['fake-notification', 'fake-campaign']) worker.router.forceBreaker('fake', account, 'open');
    const startedAt = Date.now();
    const [answered] = await gateway.ledger.submit([{ message: message({ to: '+905321234567' }), owner: 'acme' }], 'wait');
    expect(created(answered)).toMatchObject({ state: 'failed', reason: expect.stringContaining('circuit breaker open') });
    expect(created(answered).heldSince).toBeUndefined();
    expect(Date.now() - startedAt).toBeLessThan(8_000);
    // A queued one beside it is held.
    const [queued] = await gateway.ledger.submit([{ message: message({ to: '+905321234568' }), owner: 'acme' }], 'queue');
    expect(await until(async () => ((await gateway.store.get(created(queued).id))?.heldSince ? true : undefined), 'the queued message held')).toBe(true);
    expect(worker.provider.callCount).toBe(0);
  });

  it("carries an OTP's text to the worker sealed: neither the records nor the queue hold it readable", async () => {
    const gateway = await start('gateway');
    const worker = await start('worker');
    const [outcome] = await gateway.ledger.submit([{ message: message({ to: '+905321234567', text: 'Kodunuz 828282', otp: true }), owner: 'acme' }], 'queue');
    expect(await until(finalState(gateway.store, created(outcome).id), 'the OTP sent')).toMatchObject({ state: 'accepted' });
    expect(worker.provider.calls[0]!.text).toBe('Kodunuz 828282');
    const [row] = await query<{ text: string | null }>(`select text from "${schema}".messages where id = $1`, [created(outcome).id]);
    expect(row!.text).toBeNull();
    const jobs = await query<{ data: unknown }>(`select data from "${schema}_queue".job union all select data from "${schema}_queue".archive`);
    expect(jobs.length).toBeGreaterThan(0);
    expect(JSON.stringify(jobs)).not.toContain('828282');
  });

  it('takes the OTPs waiting as one unit, each OTP with its own text', async () => {
    const gateway = await start('gateway');
    const codes = numbers(30).map((to, i) => ({ to, text: `Kodunuz ${100_000 + i}` }));
    const outcomes = (await gateway.ledger.submit(codes.map(({ to, text }) => ({ message: message({ to, text, otp: true }), owner: 'acme' })), 'queue')).map(created);
    // One job a single OTP, in the OTP queue.
    const jobs = await query<{ name: string; ids: number }>(`select name, jsonb_array_length(data->'ids')::int as ids from "${schema}_queue".job`);
    expect(jobs).toHaveLength(30);
    expect(jobs.every((job) => job.name === QUEUE_NAMES.otp && job.ids === 1)).toBe(true);
    const worker = await start('worker');
    for (const outcome of outcomes) expect(await until(finalState(gateway.store, outcome.id), 'the OTP sent')).toMatchObject({ state: 'accepted' });
    // All waiting when the worker came: one unit, one claim (a unit's claim token stays on its records).
    expect(await query(`select distinct claim_token from "${schema}".messages`)).toHaveLength(1);
    for (const { to, text } of codes) expect(worker.provider.acceptedTimes(to, text)).toBe(1);
    const open = await query<{ state: string }>(`select state from "${schema}_queue".job where state <> 'completed'`);
    expect(open).toEqual([]);
  });

  it('takes the single messages waiting as one unit, whatever their number of jobs', async () => {
    const gateway = await start('gateway');
    const sent = numbers(30).map((to, i) => ({ to, iysType: i % 10 === 0 ? 'CAMPAIGN' : 'NOTIFICATION' }));
    // Each posted alone: one job a message.
    const outcomes: MessageRecord[] = [];
    for (const { to, iysType } of sent) outcomes.push(...(await gateway.ledger.submit([{ message: message({ to, iysType }), owner: 'acme' }], 'queue')).map(created));
    const jobs = await query<{ name: string; ids: number }>(`select name, jsonb_array_length(data->'ids')::int as ids from "${schema}_queue".job`);
    expect(jobs).toHaveLength(30);
    expect(jobs.every((job) => job.name === QUEUE_NAMES.singles && job.ids === 1)).toBe(true);
    const worker = await start('worker');
    for (const outcome of outcomes) expect(await until(finalState(gateway.store, outcome.id), 'the message sent')).toMatchObject({ state: 'accepted' });
    // All waiting when the worker came: one fetch, one unit, one claim (a unit's claim token stays on its records).
    expect(await query(`select distinct claim_token from "${schema}".messages`)).toHaveLength(1);
    for (const { to } of sent) expect(worker.provider.acceptedTimes(to)).toBe(1);
    expect(await query(`select state from "${schema}_queue".job where state <> 'completed'`)).toEqual([]);
  });

  it('shares a burst of single messages among the workers: a unit takes a general slot\'s part of UNIT_SIZE, not every one waiting', async () => {
    const gateway = await start('gateway');
    const recipients = numbers(1_000);
    // Each posted alone (a job a message), twenty at a time.
    for (let i = 0; i < recipients.length; i += 20) {
      await Promise.all(recipients.slice(i, i + 20).map((to) => gateway.ledger.submit([{ message: message({ to }), owner: 'acme' }], 'queue')));
    }
    // A slow provider: a worker's units are still sending when the other worker comes.
    const slow = () => createFakeProvider({ id: 'fake', accounts: [{ accountId: 'fake-notification', iysType: 'NOTIFICATION', senders: ['ROTA'] }], fallback: { type: 'accept', delayMs: 50 } });
    const [first, second] = await Promise.all([start('worker', { provider: slow() }), start('worker', { provider: slow() })]);
    await until(async () => ((await query<{ n: number }>(`select count(*)::int as n from "${schema}".messages where state = 'accepted'`))[0]!.n === recipients.length ? true : undefined), 'every message sent', 60_000);
    // Before: the first worker's first unit took 800 of them and its second the rest; the other worker sent none.
    expect(first.provider.acceptedCount).toBeGreaterThan(0);
    expect(second.provider.acceptedCount).toBeGreaterThan(0);
    expect(first.provider.acceptedCount + second.provider.acceptedCount).toBe(recipients.length);
    const units = await query<{ n: number }>(`select count(*)::int as n from "${schema}".messages group by claim_token`);
    expect(Math.max(...units.map((unit) => unit.n))).toBeLessThanOrEqual(Math.ceil(UNIT_SIZE / 3));
  }, 90_000);

  it('records single messages posted at once in one transaction, each queued as if posted alone, each sent once', async () => {
    const gateway = await start('gateway');
    const sent = numbers(30).map((to, i) => ({ to, otp: i % 10 === 0 }));
    const outcomes = (await Promise.all(sent.map(({ to, otp }) => gateway.ledger.submit([{ message: message({ to, otp, ...(otp ? { text: `Kodunuz ${to.slice(-6)}` } : {}) }), owner: 'acme' }], 'queue')))).map(([outcome]) =>
      created(outcome),
    );
    expect(outcomes.map((record) => record.to)).toEqual(sent.map(({ to }) => to));
    // Rows a transaction wrote carry its id (xmin): one for all thirty, not one each (the thirty calls reach the store in one turn).
    expect(await query(`select distinct xmin::text from "${schema}".messages`)).toHaveLength(1);
    // Queued as thirty calls are, not as one call of thirty: one job each, in the queues of single messages (which keep their order against units).
    const jobs = await query<{ name: string; ids: number }>(`select name, jsonb_array_length(data->'ids')::int as ids from "${schema}_queue".job order by name`);
    expect(jobs).toEqual([...Array(3).fill({ name: QUEUE_NAMES.otp, ids: 1 }), ...Array(27).fill({ name: QUEUE_NAMES.singles, ids: 1 })]);
    const worker = await start('worker');
    for (const outcome of outcomes) expect(await until(finalState(gateway.store, outcome.id), 'the message sent')).toMatchObject({ state: 'accepted' });
    for (const { to } of sent) expect(worker.provider.acceptedTimes(to)).toBe(1);
  });

  it("does not hold other single messages up behind a key another transaction is inserting: the merged call gives up and each call runs alone", async () => {
    const gateway = await start('gateway');
    await gateway.ledger.submit([{ message: message({ to: '+905320000999' }), owner: 'acme' }], 'queue');
    const holder = await holdKey('K');
    const started = Date.now();
    const keyed = gateway.ledger.submit([{ message: message({ to: '+905320000998', idempotencyKey: 'K' }), owner: 'acme' }], 'queue').then(() => Date.now() - started);
    const others = numbers(5, 500).map((to) => gateway.ledger.submit([{ message: message({ to }), owner: 'globex' }], 'queue').then(() => Date.now() - started));
    const othersDone = await Promise.all(others);
    await new Promise((resolve) => setTimeout(resolve, 2_000 - (Date.now() - started)));
    await holder.query('rollback');
    await holder.end();
    // The others were answered while the key was held (within the merged call's lock timeout and a run alone), the keyed one once it was let go.
    expect(Math.max(...othersDone)).toBeLessThan(1_900);
    expect(await keyed).toBeGreaterThanOrEqual(1_900);
  });

  it("gives up a merged call's wait for a held key before a short statement timeout would fail every call of it", async () => {
    // statement_timeout 100 ms: a lock wait of 200 ms would end as a statement timeout, which is the store's outage (503 to all).
    const warnings: { fields: Record<string, unknown>; message: string }[] = [];
    const logger = { ...silentLogger, warn: (fields: Record<string, unknown>, message: string) => void warnings.push({ fields, message }) };
    const gateway = await start('gateway', { store: { statementTimeoutMs: 100 }, logger });
    await gateway.ledger.submit([{ message: message({ to: '+905320000999' }), owner: 'acme' }], 'queue');
    const holder = await holdKey('K');
    try {
      const keyed = gateway.ledger.submit([{ message: message({ to: '+905320000998', idempotencyKey: 'K' }), owner: 'acme' }], 'queue').then(
        () => 'answered',
        (error: unknown) => (isStoreUnavailable(error) ? 'unavailable' : error),
      );
      const others = await Promise.all(numbers(5, 500).map((to) => gateway.ledger.submit([{ message: message({ to }), owner: 'globex' }], 'queue')));
      expect(others.map(([outcome]) => outcome!.kind)).toEqual(['created', 'created', 'created', 'created', 'created']);
      // Alone, the keyed call still waits for the key past the statement timeout: the store could not answer it in time.
      expect(await keyed).toBe('unavailable');
      // The operator hears of the merged call that gave up: its six calls, and the lock timeout (not the statement's).
      expect(warnings).toEqual([{ fields: { calls: 6, error: expect.stringContaining('lock timeout') }, message: expect.stringContaining('merged record call failed') }]);
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
  });

  it("holds a worker's large store calls back while an OTP it claimed is on its way; the OTP's own calls go ahead", async () => {
    const { store } = await start('gateway');
    const record = async (entries: { to: string; otp?: boolean; iysType?: 'CAMPAIGN' }[]) =>
      (await store.recordMessages(entries.map(({ to, ...rest }) => ({ message: message({ to, ...rest, ...(rest.otp ? { text: `Kodunuz ${to.slice(-4)}` } : {}) }), owner: 'acme' })))).map((o) => created(o).id);
    const campaign = await record(numbers(20, 100).map((to) => ({ to, iysType: 'CAMPAIGN' as const })));
    const otps = await record(numbers(20, 200).map((to) => ({ to, otp: true })));
    const target = { providerId: 'fake', accountId: 'fake-campaign' };
    await store.claimUnit(campaign, 'campaign-unit');
    // Twenty OTPs from the OTP queue: more than a small call, yet theirs must not wait for their own holds.
    expect((await store.claimUnit(otps, 'otp-unit', { urgent: true })).records).toHaveLength(20);

    const order: string[] = [];
    const started = performance.now();
    let campaignAt = 0;
    const campaignMark = store.markDispatching(campaign, target, 'campaign-unit').then(() => {
      campaignAt = performance.now();
      order.push('campaign');
    });
    await store.markDispatching(otps, { providerId: 'fake', accountId: 'fake-notification' }, 'otp-unit').then(() => order.push('otp'));
    const finishedAt = performance.now();
    await store.finishMany(otps.map((id) => ({ id, result: { status: 'failed' as const, reason: 'test', attempts: [] } })));
    await campaignMark;
    // The OTP's own call went ahead; the CAMPAIGN's started only once the OTPs were finished, or after the 50 ms a
    // large call waits at most (then it may finish before a slow OTP call does: which came first is no test).
    expect(order.sort()).toEqual(['campaign', 'otp']);
    expect(campaignAt - started).toBeGreaterThanOrEqual(Math.min(finishedAt - started, 49));
  });

  it('records two gateways taking the same keys at once in opposite orders, each key once', async () => {
    // 400 calls at once on two pools of 10: on a loaded machine a call may wait past the default 5 s for a connection.
    const a = await start('gateway', { store: { connectTimeoutMs: 30_000 } });
    const b = await start('gateway', { store: { connectTimeoutMs: 30_000 } });
    const keys = Array.from({ length: 200 }, (_, i) => `k-${i}`);
    const submit = (process: Process, key: string) =>
      process.ledger.submit([{ message: message({ to: `+90532${key.slice(2).padStart(7, '0')}`, idempotencyKey: key }), owner: 'acme' }], 'queue');
    const outcomes = (await Promise.all([...keys.map((key) => submit(a, key)), ...[...keys].reverse().map((key) => submit(b, key))])).map(([outcome]) => outcome!.kind);
    expect(outcomes.filter((kind) => kind === 'created')).toHaveLength(200);
    expect(outcomes.filter((kind) => kind === 'existing')).toHaveLength(200);
    expect(await query(`select count(*)::int as n from "${schema}".messages`)).toEqual([{ n: 200 }]);
  }, 30_000);

  it('answers the calls already made before a store closes', async () => {
    const store = await openLedgerStore(postgresTestConfig(schema), { hashKey: HASH_KEY, name: 'closing', queue: { unitTimeoutSeconds: 300, maintenanceSeconds: 1 } });
    const first = Promise.all(numbers(3).map((to) => store.recordMessages([{ message: message({ to }), owner: 'acme' }])));
    await new Promise((resolve) => setImmediate(resolve));
    // Made while the first merged call runs: they wait for the next one, which the close must not cut off.
    const later = Promise.all(numbers(3, 10).map((to) => store.recordMessages([{ message: message({ to }), owner: 'acme' }])));
    await store.close();
    expect((await first).map(([outcome]) => outcome!.kind)).toEqual(['created', 'created', 'created']);
    expect((await later).map(([outcome]) => outcome!.kind)).toEqual(['created', 'created', 'created']);
  });

  it('asks the queues in priority order: OTPs, an OTP bulk, NOTIFICATION (units, then single messages), CAMPAIGN (single messages, then units)', async () => {
    const gateway = await start('gateway');
    const { ledger, store } = gateway;
    const bulkId = (outcome: unknown) => (outcome as { bulkId: string }).bulkId;
    const campaignBulk = bulkId(await ledger.submitBulk({ template: bulkTemplate(), recipients: numbers(10), owner: 'acme' }));
    const campaignSingles: string[] = [];
    for (const to of numbers(3, 100)) campaignSingles.push(...(await ledger.submit([{ message: message({ to, iysType: 'CAMPAIGN' }), owner: 'acme' }], 'queue')).map((o) => created(o).id));
    const notificationSingles: string[] = [];
    for (const to of numbers(3, 200)) notificationSingles.push(...(await ledger.submit([{ message: message({ to }), owner: 'acme' }], 'queue')).map((o) => created(o).id));
    const notificationUnit = (await ledger.submit(numbers(2, 300).map((to) => ({ message: message({ to }), owner: 'acme' })), 'queue')).map((o) => created(o).id);
    const otpBulk = bulkId(await ledger.submitBulk({ template: bulkTemplate({ iysType: 'NOTIFICATION', text: 'Kodunuz 454545', otp: true }), recipients: numbers(2, 400), owner: 'acme' }));
    const [otp] = (await ledger.submit([{ message: message({ to: '+905329999999', text: 'Kodunuz 121212', otp: true }), owner: 'acme' }], 'queue')).map(created);

    const source = new QueueSource(store, store.queue!);
    const units: string[][] = [];
    for (let unit = await source.next({ otpOnly: false }); unit; unit = await source.next({ otpOnly: false })) {
      units.push(unit.records.map((record) => record.bulkId ?? record.id).sort());
      await unit.settle();
    }
    expect(units).toEqual([[otp!.id], [otpBulk, otpBulk], [...notificationUnit].sort(), [...notificationSingles, ...campaignSingles].sort(), Array<string>(10).fill(campaignBulk)]);
  });

  it('never takes a unit of single messages past UNIT_SIZE records', async () => {
    const gateway = await start('gateway');
    const recipients = numbers(UNIT_SIZE + 1);
    for (let i = 0; i < recipients.length; i += 20) {
      await Promise.all(recipients.slice(i, i + 20).map((to) => gateway.ledger.submit([{ message: message({ to }), owner: 'acme' }], 'queue')));
    }
    const source = new QueueSource(gateway.store, gateway.store.queue!);
    const sizes: number[] = [];
    for (let unit = await source.next({ otpOnly: false }); unit; unit = await source.next({ otpOnly: false })) {
      sizes.push(unit.records.length);
      await unit.settle();
    }
    expect(sizes).toEqual([UNIT_SIZE, 1]);
  }, 60_000);

  it('still sends single messages an earlier version queued one a job in the shared queue', async () => {
    const gateway = await start('gateway');
    const outcomes: MessageRecord[] = [];
    for (const to of numbers(5)) outcomes.push(...(await gateway.ledger.submit([{ message: message({ to }), owner: 'acme' }], 'queue')).map(created));
    await query(`update "${schema}_queue".job set name = $1 where name = $2`, [QUEUE_NAMES.messages, QUEUE_NAMES.singles]);
    const worker = await start('worker');
    for (const outcome of outcomes) expect(await until(finalState(gateway.store, outcome.id), 'the message sent')).toMatchObject({ state: 'accepted' });
    for (const to of numbers(5)) expect(worker.provider.acceptedTimes(to)).toBe(1);
    expect(await query(`select state from "${schema}_queue".job where state <> 'completed'`)).toEqual([]);
  });

  it("queues an OTP bulk's chunks in the shared queue ahead of everything else, and sends them with their text", async () => {
    const gateway = await start('gateway');
    const campaign = await gateway.ledger.submitBulk({ template: bulkTemplate(), recipients: numbers(10), owner: 'acme' });
    const otp = await gateway.ledger.submitBulk({ template: bulkTemplate({ iysType: 'NOTIFICATION', text: 'Kodunuz 454545', otp: true }), recipients: numbers(5, 100), owner: 'acme' });
    const jobs = await query<{ name: string; ids: number }>(`select name, jsonb_array_length(data->'ids')::int as ids from "${schema}_queue".job order by priority desc`);
    expect(jobs.map((job) => [job.name, job.ids])).toEqual([
      [QUEUE_NAMES.messages, 5],
      [QUEUE_NAMES.campaign, 10],
    ]);
    const worker = await start('worker');
    for (const outcome of [campaign, otp]) {
      const bulkId = (outcome as { bulkId: string }).bulkId;
      await until(async () => ((await gateway.store.bulkProgress(bulkId))?.byState.accepted === (outcome === otp ? 5 : 10) ? true : undefined), 'every record accepted');
    }
    for (const to of numbers(5, 100)) expect(worker.provider.acceptedTimes(to, 'Kodunuz 454545')).toBe(1);
  });

  it('never takes a unit of the OTP queue past UNIT_SIZE records: a larger job waiting there is handed back and sent on its own', async () => {
    const gateway = await start('gateway');
    const [single] = (await gateway.ledger.submit([{ message: message({ to: '+905321234567', text: 'Kodunuz 111111', otp: true }), owner: 'acme' }], 'queue')).map(created);
    const recipients = numbers(UNIT_SIZE, 1_000);
    const bulk = await gateway.ledger.submitBulk({ template: bulkTemplate({ iysType: 'NOTIFICATION', text: 'Kodunuz 222222', otp: true }), recipients, owner: 'acme' });
    // As an earlier version queued an OTP bulk's chunk: in the OTP queue, behind the single OTP.
    await query(`update "${schema}_queue".job set name = $1 where name = $2`, [QUEUE_NAMES.otp, QUEUE_NAMES.messages]);
    const worker = await start('worker');
    expect(await until(finalState(gateway.store, single!.id), 'the single OTP sent')).toMatchObject({ state: 'accepted' });
    const bulkId = (bulk as { bulkId: string }).bulkId;
    await until(async () => ((await gateway.store.bulkProgress(bulkId))?.byState.accepted === UNIT_SIZE ? true : undefined), 'the bulk sent', 15_000);
    // Two units: the single OTP's, then the chunk's (after its retry delay).
    const tokens = await query<{ bulk: boolean; claim_token: string }>(`select distinct bulk_id is not null as bulk, claim_token from "${schema}".messages`);
    expect(tokens).toHaveLength(2);
    expect(new Set(tokens.map((token) => token.bulk))).toEqual(new Set([true, false]));
    expect(worker.provider.acceptedTimes('+905321234567', 'Kodunuz 111111')).toBe(1);
    for (const to of recipients) expect(worker.provider.acceptedTimes(to, 'Kodunuz 222222')).toBe(1);
  }, 30_000);

  it('takes over a unit whose worker was lost: what reached a provider is unknown, the rest is sent, the lost worker can change nothing', async () => {
    const gateway = await start('gateway');
    const [reached, waiting] = (await gateway.ledger.submit([0, 1].map((i) => ({ message: message({ to: `+90532123450${i}` }), owner: 'acme' })), 'queue')).map(created);
    // A worker that dies mid-unit: it fetched the job, claimed the records and named a provider for one of them.
    const queue = gateway.store.queue!;
    const [job] = await queue.fetch(QUEUE_NAMES.messages, 1);
    const lost = await gateway.store.claimUnit(job!.data.ids, 'lost-worker');
    expect(lost.records).toHaveLength(2);
    expect(await gateway.store.markDispatching([reached!.id], { providerId: 'fake', accountId: 'fake-notification' }, 'lost-worker')).toBe(1);
    // Its job fails (as pg-boss does when the unit's time runs out): another worker gets the unit.
    await queue.fail(job!, 'worker lost');
    const worker = await start('worker');
    expect(await until(finalState(gateway.store, reached!.id), 'the reached one settled')).toMatchObject({ state: 'unknown', reason: 'interrupted' });
    expect(await until(finalState(gateway.store, waiting!.id), 'the other one sent')).toMatchObject({ state: 'accepted' });
    expect(worker.provider.calls.flatMap((call) => call.recipients)).toEqual([waiting!.to]);
    // The lost worker wakes up: its token no longer holds anything.
    expect(await gateway.store.markDispatching([waiting!.id], { providerId: 'fake', accountId: 'fake-notification' }, 'lost-worker')).toBe(0);
    expect(await gateway.store.finish(waiting!.id, { status: 'failed', to: waiting!.to, reason: 'late', attempts: [] }, { token: 'lost-worker' })).toBe(false);
    expect(await gateway.store.get(waiting!.id)).toMatchObject({ state: 'accepted' });
  });

  it('hands a unit whose worker went silent to another worker when its time runs out', async () => {
    const gateway = await start('gateway', { unitTimeoutSeconds: 5 });
    const [outcome] = await gateway.ledger.submit([{ message: message({ to: '+905321234567' }), owner: 'acme' }], 'queue');
    const [job] = await gateway.store.queue!.fetch(QUEUE_NAMES.singles, 1); // fetched, then never finished: a hung worker
    expect(job).toBeDefined();
    const worker = await start('worker', { unitTimeoutSeconds: 5 });
    expect(await until(finalState(gateway.store, created(outcome).id), 'sent after the unit expired', 20_000)).toMatchObject({ state: 'accepted' });
    expect(worker.provider.acceptedCount).toBe(1);
  }, 30_000);

  it("keeps a live worker's unit however long it takes: no other worker takes it for dead", async () => {
    const gateway = await start('gateway', { unitTimeoutSeconds: 5 });
    const slow = createFakeProvider({
      id: 'fake',
      accounts: [{ accountId: 'fake-notification', iysType: 'NOTIFICATION', senders: ['ROTA'] }],
      script: [{ type: 'accept', delayMs: 9_000 }], // the provider answers after almost two unit timeouts
    });
    const first = await start('worker', { unitTimeoutSeconds: 5, provider: slow });
    const [outcome] = await gateway.ledger.submit([{ message: message({ to: '+905321234567' }), owner: 'acme' }], 'queue');
    await until(async () => (slow.callCount === 1 ? true : undefined), 'the first worker sends', 10_000);
    const second = await start('worker', { unitTimeoutSeconds: 5 });
    expect(await until(finalState(gateway.store, created(outcome).id), 'the slow send answered', 20_000)).toMatchObject({ state: 'accepted' });
    expect(second.provider.callCount).toBe(0);
    expect((await gateway.store.timeline(created(outcome).id))!.map((step) => step.state)).not.toContain('unknown');
  }, 40_000);

  it("renews only this worker's hold on a job: not one that expired and went to another worker under the same id", async () => {
    const gateway = await start('gateway', { unitTimeoutSeconds: 5 });
    for (const to of numbers(2, 800)) await gateway.ledger.submit([{ message: message({ to }), owner: 'acme' }], 'queue');
    const queue = gateway.store.queue!;
    const [mine, lost] = await queue.fetch(QUEUE_NAMES.singles, 2);
    // `lost` expired and another worker fetched it again (pg-boss keeps the id and counts the fetch), long ago.
    await query(`update "${schema}_queue".job set retry_count = retry_count + 1 where id = $1`, [lost!.jobId]);
    // Both started ten minutes ago; a long expiry keeps pg-boss's maintenance from expiring them during the test.
    await query(`update "${schema}_queue".job set started_on = now() - interval '10 minutes', expire_in = interval '1 hour' where id = any($1::uuid[])`, [[mine!.jobId, lost!.jobId]]);
    const stop = queue.keepActive([mine!, lost!]);
    const startedAgo = async (id: string) =>
      (await query<{ ago: number }>(`select extract(epoch from now() - started_on)::int as ago from "${schema}_queue".job where id = $1`, [id]))[0]!.ago;
    try {
      expect(mine!.expireInSeconds).toBe(5);
      await until(async () => ((await startedAgo(mine!.jobId)) < 60 ? true : undefined), 'its own job renewed (every third of its 5 s)', 10_000);
      expect(await startedAgo(lost!.jobId)).toBeGreaterThanOrEqual(600);
    } finally {
      stop();
    }
  }, 30_000);

  it('makes one record of two gateways racing one idempotency key, every time', async () => {
    const a = await start('gateway');
    const b = await start('gateway');
    for (let i = 0; i < 200; i++) {
      const entry = { message: message({ to: '+905321234567', idempotencyKey: `race-${i}` }), owner: 'acme' };
      const [[first], [second]] = await Promise.all([a.store.recordMessages([entry]), b.store.recordMessages([entry])]);
      const kinds = [first!.kind, second!.kind].sort();
      expect(kinds).toEqual(['created', 'existing']);
    }
    const [{ count }] = (await query<{ count: number }>(`select count(*)::int as count from "${schema}".messages`)) as [{ count: number }];
    expect(count).toBe(200);
    const [{ jobs }] = (await query<{ jobs: number }>(`select count(*)::int as jobs from "${schema}_queue".job where name = $1`, [QUEUE_NAMES.singles])) as [{ jobs: number }];
    expect(jobs).toBe(200); // nothing recorded without its job, no job without its record
  }, 60_000);

  it('holds an account limit for all workers together', async () => {
    const a = await start('worker');
    const b = await start('worker');
    const limiterA = sharedLimiterFor(a.store.postgres!)('fake/fake-notification', 10);
    const limiterB = sharedLimiterFor(b.store.postgres!)('fake/fake-notification', 10);
    await limiterA.consume('fake/fake-notification', 10);
    const refusal = await limiterB.consume('fake/fake-notification', 1).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RateLimiterRes);
    expect((refusal as RateLimiterRes).msBeforeNext).toBeGreaterThan(0);
  });

  it('gives each due webhook and status read to one claimer at a time', async () => {
    const a = await start('gateway');
    const b = await start('gateway');
    const records = (
      await a.store.recordMessages(numbers(40).map((to) => ({ message: message({ to }), owner: 'acme', callbackUrl: 'https://hooks.example/rota' })))
    ).map(created);
    await a.store.finishMany(
      records.map((record, i) => ({ id: record.id, result: { status: 'accepted', to: record.to, providerId: 'fake', accountId: 'fake-notification', providerMessageId: `p-${i}`, encoding: 'GSM7', segments: 1, simulated: false, attempts: [] } })),
      { firstReportAfterMs: 0 },
    );
    const now = new Date(Date.now() + 1_000);
    const [hooksA, hooksB] = await Promise.all([a.store.claimWebhooks({ now, limit: 30, leaseMs: 60_000 }), b.store.claimWebhooks({ now, limit: 30, leaseMs: 60_000 })]);
    const hookIds = [...hooksA, ...hooksB].map((hook) => hook.id);
    expect(hookIds).toHaveLength(40);
    expect(new Set(hookIds).size).toBe(40);
    const [readsA, readsB] = await Promise.all([a.store.claimReportsDue({ now, limit: 30, leaseMs: 60_000 }), b.store.claimReportsDue({ now, limit: 30, leaseMs: 60_000 })]);
    const readIds = [...readsA, ...readsB].map((due) => due.id);
    expect(readIds).toHaveLength(40);
    expect(new Set(readIds).size).toBe(40);
  });

  it('refuses to run a gateway or a worker on a store that is not shared', async () => {
    const store = await openLedgerStore({ kind: 'memory' }, { hashKey: HASH_KEY });
    const router = createRouter({ providers: [{ provider: createFakeProvider({ id: 'fake', accounts: [{ accountId: 'a', iysType: 'NOTIFICATION', senders: ['ROTA'] }] }), rank: 1 }] });
    expect(() => new Ledger({ store, router, role: 'worker' })).toThrow('a worker shares its work through a PostgreSQL store');
    await router.close();
    await store.close();
  });
});
