import { jest } from '@jest/globals';
import { startSandbox, type Sandbox } from '../src/index.js';
import { APPROVED, CAMPAIGN, NOTIFY, TEST_ACCOUNTS } from './fixtures.js';
import { httpRequest, json, type HttpResponse } from './http-client.js';

let sandbox: Sandbox;

type Account = { username: string; password: string };
const send = (account: Account = NOTIFY, timeoutMs?: number): Promise<HttpResponse> =>
  httpRequest(`${sandbox.url}/v1/Sms/Send_1_N`, {
    body: { Username: account.username, Password: account.password, Message: 'fault test', Receivers: [APPROVED] },
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
const balance = (account: Account = NOTIFY): Promise<HttpResponse> =>
  httpRequest(`${sandbox.url}/v1/Sms/CreditBalance`, { body: { Username: account.username, Password: account.password } });

/** The error a request failed with (the test fails if it succeeded). */
async function failure(pending: Promise<HttpResponse>): Promise<NodeJS.ErrnoException> {
  const outcome = await pending.then(
    (response) => ({ response }),
    (error: NodeJS.ErrnoException) => ({ error }),
  );
  if ('response' in outcome) throw new Error(`expected the request to fail, got HTTP ${outcome.response.status}: ${outcome.response.text}`);
  return outcome.error;
}

const sentCount = (username = NOTIFY.username) => sandbox.records().filter((record) => record.username === username).length;

beforeEach(async () => {
  sandbox = await startSandbox({ accounts: TEST_ACCOUNTS, deliveryDelayMs: 0 });
});

afterEach(async () => {
  jest.restoreAllMocks();
  await sandbox.close();
});

describe('status-code', () => {
  it('answers HTTP 200 with that StatusCode and Result null, sending and charging nothing', async () => {
    sandbox.injectFault({ kind: 'status-code', statusCode: 1020 });
    const credit = sandbox.credit(NOTIFY.username);
    const response = await send();
    expect(response.status).toBe(200);
    expect(json(response)).toMatchObject({ StatusCode: 1020, Result: null });
    expect(sandbox.records()).toHaveLength(0);
    expect(sandbox.credit(NOTIFY.username)).toBe(credit);
  });

  it('carries Retry-After when given (a throttling code), and none otherwise', async () => {
    const id = sandbox.injectFault({ kind: 'status-code', statusCode: 1020, retryAfterSeconds: 4 });
    const throttled = await send();
    expect([throttled.status, throttled.headers['retry-after']]).toEqual([200, '4']);
    expect(json(throttled)).toMatchObject({ StatusCode: 1020, Result: null });
    sandbox.removeFault(id);
    sandbox.injectFault({ kind: 'status-code', statusCode: 1020 });
    expect((await send()).headers['retry-after']).toBeUndefined();
  });
});

describe('http-error', () => {
  it('answers 503 by default, with Retry-After when given, and sends nothing', async () => {
    sandbox.injectFault({ kind: 'http-error', retryAfterSeconds: 7 });
    const response = await send();
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('7');
    expect(sandbox.records()).toHaveLength(0);
  });

  it('answers the given status without Retry-After when none is given', async () => {
    sandbox.injectFault({ kind: 'http-error', httpStatus: 429 });
    const response = await send();
    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toBeUndefined();
  });
});

describe('latency', () => {
  it('handles the request on arrival but holds the answer: a client that gives up has still sent the message', async () => {
    sandbox.injectFault({ kind: 'latency', ms: 30_000 });
    // The client gives up after 2 s (not 200 ms: a loaded machine may not have read the request by then).
    const error = await failure(send(NOTIFY, 2_000));
    expect(error.code).toBe('CLIENT_TIMEOUT');
    expect(sentCount()).toBe(1);
  });

  it('answers normally once the delay has passed', async () => {
    sandbox.injectFault({ kind: 'latency', ms: 60 });
    const response = await send();
    expect(json(response).StatusCode).toBe(200);
    expect(sentCount()).toBe(1);
  });

  it('adds to another fault: the outcome still comes, later', async () => {
    sandbox.injectFault({ kind: 'latency', ms: 30_000 });
    sandbox.injectFault({ kind: 'http-error', httpStatus: 502 });
    expect((await failure(send(NOTIFY, 200))).code).toBe('CLIENT_TIMEOUT');
    sandbox.clearFaults();
    sandbox.injectFault({ kind: 'latency', ms: 10 });
    sandbox.injectFault({ kind: 'http-error', httpStatus: 502 });
    expect((await send()).status).toBe(502);
  });
});

describe('hang', () => {
  it('never answers and sends nothing; the client gives up, and other requests are still served', async () => {
    sandbox.injectFault({ kind: 'hang', account: NOTIFY.username });
    const error = await failure(send(NOTIFY, 200));
    expect(error.code).toBe('CLIENT_TIMEOUT');
    expect(sandbox.records()).toHaveLength(0);
    expect(json(await send(CAMPAIGN)).StatusCode).toBe(200);
  });
});

describe('reset', () => {
  it('destroys the connection before accepting: nothing recorded or charged', async () => {
    sandbox.injectFault({ kind: 'reset' });
    const credit = sandbox.credit(NOTIFY.username);
    const error = await failure(send());
    expect(error.code).toBe('ECONNRESET');
    expect(sandbox.records()).toHaveLength(0);
    expect(sandbox.credit(NOTIFY.username)).toBe(credit);
  });

  it('with afterAccept, records and charges the message, then destroys the connection', async () => {
    sandbox.injectFault({ kind: 'reset', afterAccept: true });
    const credit = sandbox.credit(NOTIFY.username);
    const error = await failure(send());
    expect(error.code).toBe('ECONNRESET');
    expect(sentCount()).toBe(1);
    expect(sandbox.credit(NOTIFY.username)).toBeLessThan(credit);
  });
});

describe('garbled', () => {
  it('records the message, then answers HTTP 200 with a body that is not JSON', async () => {
    sandbox.injectFault({ kind: 'garbled' });
    const response = await send();
    expect(response.status).toBe(200);
    expect(() => JSON.parse(response.text)).toThrow();
    expect(sentCount()).toBe(1);
  });

  it('with afterAccept false, answers the same garbage without sending anything', async () => {
    sandbox.injectFault({ kind: 'garbled', afterAccept: false });
    const response = await send();
    expect(() => JSON.parse(response.text)).toThrow();
    expect(sandbox.records()).toHaveLength(0);
  });
});

/** What a client sees, in one word, so that every fault kind fits one table. */
async function seen(pending: Promise<HttpResponse>): Promise<string> {
  try {
    const response = await pending;
    if (response.status !== 200) return `http ${response.status}`;
    try {
      return `StatusCode ${JSON.parse(response.text).StatusCode}`;
    } catch {
      return 'garbled';
    }
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'CLIENT_TIMEOUT' ? 'no answer' : `error ${(error as NodeJS.ErrnoException).code}`;
  }
}

const EVERY_KIND = [
  [{ kind: 'latency', ms: 30_000 }, 'no answer'],
  [{ kind: 'status-code', statusCode: 1025 }, 'StatusCode 1025'],
  [{ kind: 'http-error', retryAfterSeconds: 1 }, 'http 503'],
  [{ kind: 'hang' }, 'no answer'],
  [{ kind: 'reset' }, 'error ECONNRESET'],
  [{ kind: 'reset', afterAccept: true }, 'error ECONNRESET'],
  [{ kind: 'garbled' }, 'garbled'],
  [{ kind: 'garbled', afterAccept: false }, 'garbled'],
] as const;

describe.each(EVERY_KIND)('every kind: %j', (fault, effect) => {
  // Long enough for any real answer on a busy machine; short only where no answer is the point.
  const patience = effect === 'no answer' ? 300 : 10_000;

  it(`as a per-account fault shows "${effect}" to that account only`, async () => {
    sandbox.injectFault({ ...fault, account: CAMPAIGN.username });
    expect(await seen(send(CAMPAIGN, patience))).toBe(effect);
    expect(await seen(send(NOTIFY, 10_000))).toBe('StatusCode 200');
  });

  it(`as a global fault shows "${effect}" to every account`, async () => {
    sandbox.injectFault(fault);
    expect(await seen(send(CAMPAIGN, patience))).toBe(effect);
    expect(await seen(send(NOTIFY, patience))).toBe(effect);
  });

  it('with fraction 0 is never applied', async () => {
    sandbox.injectFault({ ...fault, fraction: 0 });
    for (let i = 0; i < 5; i++) expect(await seen(send(NOTIFY, 10_000))).toBe('StatusCode 200');
    expect(sentCount()).toBe(5);
  });
});

describe('matching', () => {
  it('applies a per-account fault to that account only', async () => {
    sandbox.injectFault({ kind: 'status-code', statusCode: 1021, account: CAMPAIGN.username });
    expect(json(await send(CAMPAIGN)).StatusCode).toBe(1021);
    expect(json(await send(NOTIFY)).StatusCode).toBe(200);
    expect(sandbox.records().map((record) => record.username)).toEqual([NOTIFY.username]);
  });

  it('applies a global fault to every account', async () => {
    sandbox.injectFault({ kind: 'http-error' });
    expect((await send(CAMPAIGN)).status).toBe(503);
    expect((await send(NOTIFY)).status).toBe(503);
  });

  it('applies a per-endpoint fault to that endpoint only', async () => {
    sandbox.injectFault({ kind: 'http-error', endpoint: 'CreditBalance' });
    expect((await balance()).status).toBe(503);
    expect(json(await send()).StatusCode).toBe(200);
  });

  it('never applies a fault with fraction 0', async () => {
    for (const kind of ['hang', 'reset', 'garbled', 'http-error'] as const) sandbox.injectFault({ kind, fraction: 0 });
    sandbox.injectFault({ kind: 'status-code', statusCode: 1022, fraction: 0 });
    for (let i = 0; i < 20; i++) expect(json(await send()).StatusCode).toBe(200);
    expect(sentCount()).toBe(20);
  });

  it('applies a fraction by drawing Math.random per request', async () => {
    sandbox.injectFault({ kind: 'status-code', statusCode: 1023, fraction: 0.5 });
    const random = jest.spyOn(Math, 'random');
    random.mockReturnValue(0.49);
    expect(json(await send()).StatusCode).toBe(1023);
    random.mockReturnValue(0.5);
    expect(json(await send()).StatusCode).toBe(200);
  });

  it('lets the first matching fault decide when several match', async () => {
    sandbox.injectFault({ kind: 'status-code', statusCode: 1024 });
    sandbox.injectFault({ kind: 'http-error' });
    expect(json(await send()).StatusCode).toBe(1024);
  });

  it('stops applying faults once cleared or removed', async () => {
    const id = sandbox.injectFault({ kind: 'http-error' });
    expect(sandbox.faults().map((fault) => fault.id)).toEqual([id]);
    expect(sandbox.removeFault(id)).toBe(true);
    expect(sandbox.removeFault(id)).toBe(false);
    expect((await send()).status).toBe(200);
    sandbox.injectFault({ kind: 'http-error' });
    sandbox.clearFaults();
    expect(sandbox.faults()).toEqual([]);
    expect((await send()).status).toBe(200);
  });

  it('refuses an invalid fault with an error naming the field', () => {
    expect(() => sandbox.injectFault({ kind: 'latency', ms: -5 })).toThrow(/ms: must not be negative/);
    expect(() => sandbox.injectFault({ kind: 'status-code', statusCode: 1020, fraction: 2 })).toThrow(/fraction: must be between 0 and 1/);
    expect(() => sandbox.injectFault({ kind: 'http-error', httpStatus: 200 })).toThrow(/httpStatus/);
    expect(() => sandbox.injectFault({ kind: 'nonsense' } as never)).toThrow(/kind/);
  });
});
