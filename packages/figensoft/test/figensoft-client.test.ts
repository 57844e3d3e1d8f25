import { inspect } from 'node:util';
import { startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { transportCode, WireTransportError } from '@rota/provider/http';
import {
  createFigenSoftClient,
  FigenSoftCredentials,
  FigenSoftTransportError,
  MAX_MESSAGE_IDS_PER_STATUS_REQUEST,
  MAX_RECEIVERS_PER_REQUEST,
  type FigenSoftClient,
} from '../src/index.js';
import { CAMPAIGN, closedPortUrl, mobileNumbers, NOTIFY, NOTIFY_PASSWORD, rejectionOf, waitFor } from './fixtures.js';

let sandbox: Sandbox;
let client: FigenSoftClient;
const credentials = new FigenSoftCredentials(NOTIFY.username, NOTIFY.password);

beforeAll(async () => {
  sandbox = await startSandbox({ accounts: [NOTIFY, CAMPAIGN], deliveryDelayMs: 0 });
  client = createFigenSoftClient({ baseUrl: sandbox.url });
});

afterAll(async () => {
  await client.close();
  await sandbox.close();
});

afterEach(() => {
  sandbox.clearFaults();
  sandbox.clearRecords();
});

async function transportFailureOf(promise: Promise<unknown>): Promise<FigenSoftTransportError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(FigenSoftTransportError);
  return error as FigenSoftTransportError;
}

describe('Send_1_N', () => {
  it('sends numbers as 90XXXXXXXXXX, the text, the originator, dates in Turkey time and the channel', async () => {
    const sendDate = new Date('2030-06-01T09:15:42Z');
    const expireDate = new Date('2030-06-02T09:15:00Z');
    const outcome = await client.send1N({
      credentials,
      message: 'Sipariş kodunuz: 4821 — teşekkürler',
      receivers: ['+905321112233', '905421112244'],
      originator: 'ROTAOTP',
      sendDate,
      expireDate,
      channel: 'OTP',
    });
    expect(outcome).toMatchObject({ statusCode: 200, acceptedReceivers: 2, requests: 1 });
    expect(outcome.result.map((r) => r.Receiver)).toEqual(['905321112233', '905421112244']);
    const records = sandbox.records();
    expect(records.map((r) => r.receiver)).toEqual(['905321112233', '905421112244']);
    expect(records.map((r) => r.messageId)).toEqual(outcome.result.map((r) => r.MessageId));
    expect(records[0]).toMatchObject({
      username: NOTIFY.username,
      text: 'Sipariş kodunuz: 4821 — teşekkürler',
      originator: 'ROTAOTP',
      channel: 'OTP',
      sendAt: Date.parse('2030-06-01T09:15:00Z'),
      expireAt: expireDate.getTime(),
    });
  });

  it('sends a foreign number as country code + national number without +', async () => {
    await client.send1N({ credentials, message: 'hi', receivers: ['+4915112345678'] });
    expect(sandbox.records()[0]!.receiver).toBe('4915112345678');
  });

  it(`splits 2,000 receivers into requests of ${MAX_RECEIVERS_PER_REQUEST}, 800 and 400 and keeps the order`, async () => {
    const receivers = mobileNumbers(2_000);
    const before = sandbox.requestCount();
    const outcome = await client.send1N({ credentials, message: 'bulk', receivers });
    expect(sandbox.requestCount() - before).toBe(3);
    expect(outcome).toMatchObject({ statusCode: 200, acceptedReceivers: 2_000, requests: 3 });
    expect(outcome.result).toHaveLength(2_000);
    expect(outcome.result.map((r) => `+${r.Receiver}`)).toEqual(receivers);
    const records = sandbox.records();
    expect(records.map((r) => `+${r.receiver}`)).toEqual(receivers);
    expect(new Set(outcome.result.map((r) => r.MessageId)).size).toBe(2_000);
  });

  it('puts the part boundaries at 800 and 1,600', async () => {
    // Credit for exactly two full parts: the third (400) is refused, the first two went through whole.
    sandbox.setCredit(NOTIFY.username, 1_600);
    try {
      const outcome = await client.send1N({ credentials, message: 'bulk', receivers: mobileNumbers(2_000) });
      expect(outcome).toMatchObject({ statusCode: 1030, acceptedReceivers: 1_600, requests: 3 });
      expect(sandbox.credit(NOTIFY.username)).toBe(0);
    } finally {
      sandbox.setCredit(NOTIFY.username, 1_000_000);
    }
  });

  it('stops at the first refused part and says how many receivers were accepted', async () => {
    sandbox.setCredit(NOTIFY.username, 1_000);
    try {
      const before = sandbox.requestCount();
      const outcome = await client.send1N({ credentials, message: 'bulk', receivers: mobileNumbers(2_000) });
      expect(outcome).toMatchObject({ statusCode: 1030, acceptedReceivers: 800, requests: 2 });
      expect(outcome.result).toHaveLength(800);
      expect(sandbox.requestCount() - before).toBe(2);
      expect(sandbox.records()).toHaveLength(800);
    } finally {
      sandbox.setCredit(NOTIFY.username, 1_000_000);
    }
  });

  it('reports a transport failure of a later part with the receivers accepted before it', async () => {
    // The first part is handled on arrival and answered late; the reset is armed before the second part arrives.
    sandbox.injectFault({ kind: 'latency', ms: 150 });
    const before = sandbox.requestCount();
    const sending = client.send1N({ credentials, message: 'bulk', receivers: mobileNumbers(1_000) });
    await waitFor(() => sandbox.requestCount() > before);
    sandbox.injectFault({ kind: 'reset' });
    const error = await transportFailureOf(sending);
    expect(error).toMatchObject({ failure: 'reset-after-write', acceptedReceivers: 800 });
    expect(sandbox.records()).toHaveLength(800);
  });

  it('answers a bad login with StatusCode 500 rather than throwing', async () => {
    const outcome = await client.send1N({ credentials: new FigenSoftCredentials(NOTIFY.username, 'wrong'), message: 'x', receivers: ['+905321112233'] });
    expect(outcome).toMatchObject({ statusCode: 500, acceptedReceivers: 0, result: [] });
    expect(sandbox.records()).toHaveLength(0);
  });

  it('passes the service refusals through: empty receivers 1060, empty text 1050, unknown originator 1040', async () => {
    expect((await client.send1N({ credentials, message: 'x', receivers: [] })).statusCode).toBe(1060);
    expect((await client.send1N({ credentials, message: '', receivers: ['+905321112233'] })).statusCode).toBe(1050);
    expect((await client.send1N({ credentials, message: 'x', receivers: ['+905321112233'], originator: 'NOTMINE' })).statusCode).toBe(1040);
  });
});

describe('Status', () => {
  it('reads the status of known ids and answers an unknown id with an empty SmsStatus', async () => {
    const sent = await client.send1N({ credentials, message: 'x', receivers: ['+905321112233'] });
    const id = sent.result[0]!.MessageId;
    const outcome = await client.status({ credentials, messageIds: [id, 'no-such-id'] });
    expect(outcome.statusCode).toBe(200);
    expect(outcome.result).toEqual([
      expect.objectContaining({ MessageId: id, Receiver: '905321112233', SmsStatus: '400', IsFinalStatus: '1' }),
      expect.objectContaining({ MessageId: 'no-such-id', SmsStatus: '' }),
    ]);
  });

  it(`asks for at most ${MAX_MESSAGE_IDS_PER_STATUS_REQUEST} ids per request`, async () => {
    const ids = Array.from({ length: 1_200 }, (_, i) => `id-${i}`);
    const before = sandbox.requestCount();
    const outcome = await client.status({ credentials, messageIds: ids });
    expect(sandbox.requestCount() - before).toBe(3);
    expect(outcome.result.map((r) => r.MessageId)).toEqual(ids);
  });

  it('answers a bad login with 500', async () => {
    expect((await client.status({ credentials: new FigenSoftCredentials('nobody', 'x'), messageIds: ['a'] })).statusCode).toBe(500);
  });
});

describe('CreditBalance', () => {
  it('reads the balance', async () => {
    sandbox.setCredit(NOTIFY.username, 4_321);
    try {
      expect(await client.creditBalance({ credentials })).toEqual({ statusCode: 200, statusDescription: 'Success', balance: 4_321 });
    } finally {
      sandbox.setCredit(NOTIFY.username, 1_000_000);
    }
  });

  it('answers a bad login with 500 and no balance', async () => {
    expect(await client.creditBalance({ credentials: new FigenSoftCredentials(NOTIFY.username, 'wrong') })).toMatchObject({ statusCode: 500, balance: undefined });
  });
});

describe('transport failures', () => {
  const send = (c: FigenSoftClient = client, options = {}) => c.send1N({ credentials, message: 'x', receivers: ['+905321112233'] }, options);

  it('connection refused: nothing written', async () => {
    const refused = createFigenSoftClient({ baseUrl: await closedPortUrl() });
    try {
      const error = await transportFailureOf(send(refused));
      expect(error).toMatchObject({ failure: 'connection-refused', requestWritten: false, errorCode: 'ECONNREFUSED' });
    } finally {
      await refused.close();
    }
  });

  it('DNS failure: nothing written', async () => {
    const nowhere = createFigenSoftClient({ baseUrl: 'http://rota-nonexistent.invalid/api_json' });
    try {
      const error = await transportFailureOf(send(nowhere));
      expect(error).toMatchObject({ failure: 'dns-failure', requestWritten: false });
    } finally {
      await nowhere.close();
    }
  });

  it('a hang ended by the caller\'s time limit after the request was written', async () => {
    sandbox.injectFault({ kind: 'hang' });
    const error = await transportFailureOf(send(client, { signal: AbortSignal.timeout(200) }));
    expect(error).toMatchObject({ failure: 'aborted-after-write', requestWritten: true });
  });

  it('a time limit that passes while the request waited for a connection: nothing written', async () => {
    const single = createFigenSoftClient({ baseUrl: sandbox.url, connections: 1 });
    try {
      sandbox.injectFault({ kind: 'hang' });
      const before = sandbox.requestCount();
      const hanging = send(single, { signal: AbortSignal.timeout(1_500) });
      await waitFor(() => sandbox.requestCount() > before);
      const error = await transportFailureOf(send(single, { signal: AbortSignal.timeout(150) }));
      expect(error).toMatchObject({ failure: 'aborted-before-write', requestWritten: false });
      expect(sandbox.requestCount()).toBe(before + 1);
      expect((await transportFailureOf(hanging)).failure).toBe('aborted-after-write');
    } finally {
      await single.close();
    }
  });

  it('has no time limit of its own: a call without a signal waits for the answer', async () => {
    sandbox.injectFault({ kind: 'latency', ms: 1_200 });
    const outcome = await client.send1N({ credentials, message: 'x', receivers: ['+905321112233'] });
    expect(outcome.statusCode).toBe(200);
  });

  it('an abort while queued: nothing written; an abort in flight: written', async () => {
    const single = createFigenSoftClient({ baseUrl: sandbox.url, connections: 1 });
    try {
      sandbox.injectFault({ kind: 'hang' });
      const inFlight = new AbortController();
      const queued = new AbortController();
      const before = sandbox.requestCount();
      const first = send(single, { signal: inFlight.signal });
      const second = send(single, { signal: queued.signal });
      // The first is written once the sandbox has it (the hang holds its answer); the second waits for the one connection.
      while (sandbox.requestCount() === before) await new Promise((resolve) => setTimeout(resolve, 10));
      queued.abort();
      expect(await transportFailureOf(second)).toMatchObject({ failure: 'aborted-before-write', requestWritten: false });
      inFlight.abort();
      expect(await transportFailureOf(first)).toMatchObject({ failure: 'aborted-after-write', requestWritten: true });
    } finally {
      await single.close();
    }
  });

  it('many requests sharing one signal: all succeed untouched, and one abort stops them all', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const shared = new AbortController();
      const fine = await Promise.all(Array.from({ length: 20 }, () => send(client, { signal: shared.signal })));
      expect(fine.every((o) => o.statusCode === 200)).toBe(true);
      sandbox.injectFault({ kind: 'hang' });
      const hanging = Array.from({ length: 20 }, () => send(client, { signal: shared.signal }));
      await waitFor(() => sandbox.requestCount() > 0);
      setTimeout(() => shared.abort(), 100);
      const failures = await Promise.all(hanging.map((p) => transportFailureOf(p)));
      expect(failures.every((e) => e.failure === 'aborted-after-write' || e.failure === 'aborted-before-write')).toBe(true);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('an already-aborted signal sends nothing', async () => {
    const before = sandbox.requestCount();
    const error = await transportFailureOf(send(client, { signal: AbortSignal.abort() }));
    expect(error).toMatchObject({ failure: 'aborted-before-write', requestWritten: false });
    expect(sandbox.requestCount()).toBe(before);
  });

  it('a reset after the service accepted the request', async () => {
    sandbox.injectFault({ kind: 'reset', afterAccept: true });
    const error = await transportFailureOf(send());
    expect(error).toMatchObject({ failure: 'reset-after-write', requestWritten: true });
    expect(sandbox.records()).toHaveLength(1);
    expect(error.cause).toEqual({ name: expect.any(String), code: expect.any(String) });
  });

  it('a garbled 200', async () => {
    sandbox.injectFault({ kind: 'garbled' });
    const error = await transportFailureOf(send());
    expect(error).toMatchObject({ failure: 'garbled-response', requestWritten: true });
    expect(error.cause).toEqual({ name: 'SyntaxError' });
  });

  it('HTTP 429 and 503 with Retry-After, 500 without', async () => {
    sandbox.injectFault({ kind: 'http-error', httpStatus: 429, retryAfterSeconds: 7 });
    expect(await transportFailureOf(send())).toMatchObject({ failure: 'http-status', httpStatus: 429, retryAfterMs: 7_000 });
    sandbox.clearFaults();
    sandbox.injectFault({ kind: 'http-error', httpStatus: 503, retryAfterSeconds: 2 });
    expect(await transportFailureOf(send())).toMatchObject({ failure: 'http-status', httpStatus: 503, retryAfterMs: 2_000 });
    sandbox.clearFaults();
    sandbox.injectFault({ kind: 'http-error', httpStatus: 500 });
    expect(await transportFailureOf(send())).toMatchObject({ failure: 'http-status', httpStatus: 500, retryAfterMs: undefined });
  });

  it('is the shared WireTransportError, named as FigenSoft\'s, with its endpoint and nothing of the request', async () => {
    sandbox.injectFault({ kind: 'http-error', httpStatus: 503, endpoint: 'Status' });
    const error = await transportFailureOf(client.status({ credentials, messageIds: ['EZ_1'] }));
    // One table of transport failures (and one transportCode) for every provider's errors.
    expect(error).toBeInstanceOf(WireTransportError);
    expect(transportCode(error)).toBe('HTTP_503');
    expect(error).toMatchObject({ name: 'FigenSoftTransportError', endpoint: 'status', operation: 'Status', failure: 'http-status', requestWritten: true });
    expect(error.message).toBe('FigenSoft Status: HTTP error status 503');
    const shown = [inspect(error, { depth: 5 }), JSON.stringify(error), String(error.stack)].join('\n');
    expect(shown).not.toContain(NOTIFY_PASSWORD);
    expect(shown).not.toContain('EZ_1');
  });

  it('latency under the timeout is just slow', async () => {
    sandbox.injectFault({ kind: 'latency', ms: 50 });
    expect((await send()).statusCode).toBe(200);
  });

  it('a closed client refuses to send', async () => {
    const closed = createFigenSoftClient({ baseUrl: sandbox.url });
    await closed.close();
    await closed.close();
    expect(await transportFailureOf(send(closed))).toMatchObject({ requestWritten: false, errorCode: 'CLIENT_CLOSED' });
  });

  it('refuses a base URL with credentials', () => {
    expect(() => createFigenSoftClient({ baseUrl: 'https://u:p@example.com/api_json' })).toThrow('must not carry credentials');
  });
});

describe('credentials', () => {
  it('never show the password', () => {
    const text = [JSON.stringify(credentials), JSON.stringify({ credentials }), inspect(credentials), inspect({ credentials }, { depth: 5 }), String(credentials), `${credentials}`].join('\n');
    expect(text).not.toContain(NOTIFY_PASSWORD);
    expect(text).toContain(NOTIFY.username);
    expect(Object.values(credentials)).not.toContain(NOTIFY_PASSWORD);
  });

  it('refuse to exist without a password', () => {
    expect(() => new FigenSoftCredentials('u', '')).toThrow('password for "u" must not be empty');
  });
});
