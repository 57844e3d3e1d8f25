import type { DeliveryReport, PushedReports, PushOrigin, ReceivedReports } from '@rota/provider';
import { HeldReportsFull, type Ledger } from '@rota/ledger';
import { createRouter, type Router } from '@rota/core';
import type { FastifyInstance } from 'fastify';
import http from 'node:http';
import { buildGateway } from '../src/http/build-gateway.js';
import { PUSH_BODY_LIMIT, PUSH_BYTES_IN_FLIGHT, PUSH_MIN_BYTES } from '../src/http/report-routes.js';
import { ReportsReceivedSchema } from '@rota/api';
import { buildOpenApiDocument } from '../src/http/openapi.js';
import { captureLogs } from './support/harness.js';
import { createGatewayMetrics } from '../src/metrics/gateway-metrics.js';
import { until } from '@rota/testkit';

// POST /v1/providers/{id}/reports answers what docs/gateway.md and the
// OpenAPI document say it answers: the provider's package judges the push (its
// proof, its format) from the raw bytes, whatever the Content-Type; the ledger
// matches the reports. The real providers' proofs are in provider-pushes.e2e.

const REPORT: DeliveryReport = { providerMessageId: 'wire-1', state: 'delivered', final: true, providerCode: '1', at: new Date(0) };

describe('POST /v1/providers/{id}/reports', () => {
  const pushes: PushedReports[] = [];
  const handedToLedger: { providerId: string; reports: readonly DeliveryReport[] }[] = [];
  let storeDown = false;
  let heldFull = false;
  let router: Router;
  let app: FastifyInstance;
  let base: string;
  // The requests the server has parsed the headers of, and those it has seen end: what the tests wait on,
  // not a timer (a loaded machine parsed 431 of 512 pushes by the time their 300 ms ran out).
  let seen = 0;
  let ended = 0;

  beforeAll(async () => {
    const pushing = {
      id: 'pusher',
      capabilities: { maxRecipientsPerRequest: 1 },
      accountIds: ['main'],
      select: () => ({ ok: true, accountId: 'main' }),
      send: async () => {
        throw new Error('not sent in this test');
      },
      // Its proof is in the URL: checked before the body too.
      checkPushOrigin: (origin: PushOrigin) => (new URL(origin.url).searchParams.get('token') === 'right' ? { ok: true } : { ok: false, status: 401, reason: 'the push does not carry the token' }),
      receiveReports(push: PushedReports): ReceivedReports {
        pushes.push(push);
        if (new URL(push.url).searchParams.get('token') !== 'right') return { ok: false, status: 401, reason: 'the push does not carry the token' };
        if (push.body.toString('utf8') === 'garbled') return { ok: false, status: 400, reason: 'the body is not a report list' };
        return { ok: true, reports: [REPORT, { ...REPORT, providerMessageId: 'wire-2' }] };
      },
    };
    const polledOnly = { ...pushing, id: 'poller', receiveReports: undefined, checkPushOrigin: undefined };
    // Its proof is a signature over the body (as Twilio's): nothing to check before the body is in.
    const signing = { ...pushing, id: 'signer', checkPushOrigin: undefined };
    router = createRouter({ providers: [{ provider: pushing, rank: 1 }, { provider: polledOnly, rank: 2 }, { provider: signing, rank: 3 }] as never });
    const ledger = {
      async receivePushed(providerId: string, reports: readonly DeliveryReport[]) {
        if (storeDown) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        handedToLedger.push({ providerId, reports });
        if (heldFull) throw new HeldReportsFull(providerId, 1, 1);
        return { matched: 1, held: 1, dropped: 0 };
      },
    } as unknown as Ledger;
    // bodyLimitBytes is small on purpose: a push has its own limit.
    app = buildGateway({ runtime: { router, config: () => ({ gateway: { bodyLimitBytes: 1_000 } }) as never }, ledger, logger: captureLogs().logger, metrics: createGatewayMetrics() });
    app.server.on('request', (_request, response: http.ServerResponse) => {
      seen += 1;
      response.once('close', () => (ended += 1));
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await app.close();
    await router.close();
  });

  const post = async (path: string, body?: string, contentType?: string) => {
    const response = await fetch(`${base}${path}`, { method: 'POST', headers: contentType ? { 'content-type': contentType } : {}, ...(body === undefined ? {} : { body }) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('hands the raw bytes to the provider whatever the Content-Type, and answers how many reports were received and matched', async () => {
    for (const contentType of ['application/x-www-form-urlencoded', 'application/json', 'text/plain', undefined]) {
      pushes.length = 0;
      handedToLedger.length = 0;
      const answer = await post('/v1/providers/pusher/reports?token=right', '{"not": json at all', contentType);
      expect({ contentType, ...answer }).toEqual({ contentType, status: 200, body: { received: 2, matched: 1, held: 1, dropped: 0 } });
      expect(ReportsReceivedSchema.strict().parse(answer.body)).toEqual({ received: 2, matched: 1, held: 1, dropped: 0 });
      expect(pushes[0]!.body.toString('utf8')).toBe('{"not": json at all');
      expect(handedToLedger).toEqual([{ providerId: 'pusher', reports: [REPORT, { ...REPORT, providerMessageId: 'wire-2' }] }]);
    }
  });

  it('takes a push larger than gateway.bodyLimitBytes, up to its own 1 MiB, and answers 413 above it', async () => {
    expect((await post('/v1/providers/pusher/reports?token=right', 'x'.repeat(100_000), 'text/plain')).status).toBe(200);
    handedToLedger.length = 0;
    expect(await post('/v1/providers/pusher/reports?token=right', 'x'.repeat(PUSH_BODY_LIMIT + 1), 'text/plain')).toMatchObject({ status: 413, body: { error: 'payload-too-large' } });
    expect(handedToLedger).toEqual([]);
  });

  type PushAnswer = { status: number; retryAfter: string | undefined; body: Record<string, unknown> } | 'waiting for the body';
  /**
   * A push whose headers promise `length` bytes and whose body has not come yet: what it is answered without its
   * body, or 'waiting for the body' when no answer came by `decided` (a wait in ms, or a moment the caller picks).
   */
  const opened: http.ClientRequest[] = [];
  const pushWithoutBody = (path: string, length = PUSH_BODY_LIMIT, decided: number | Promise<void> = 300) =>
    new Promise<PushAnswer>((resolve, reject) => {
      // Once answered or decided, the test hangs the push up itself: that is no error.
      let settled = false;
      const settle = (answer: PushAnswer) => {
        settled = true;
        resolve(answer);
      };
      const request = http.request(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'text/plain', 'content-length': String(length) } }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () => settle({ status: response.statusCode!, retryAfter: response.headers['retry-after'] as string | undefined, body: JSON.parse(text) as Record<string, unknown> }));
      });
      request.on('error', (error) => (settled ? undefined : reject(error)));
      request.write('x'.repeat(10));
      opened.push(request);
      const waiting = () => settle('waiting for the body');
      if (typeof decided !== 'number') return void decided.then(waiting);
      const timer = setTimeout(waiting, decided);
      request.once('close', () => clearTimeout(timer));
    });
  const answered = (path: string, length?: number) => pushWithoutBody(path, length, 10_000);
  /**
   * `count` pushes opened side by side, judged once the server has parsed them all and had a moment to answer:
   * each has its place ('waiting for the body'), or its answer, however slowly the server came to it.
   */
  const pushesWithoutBody = async (count: number, path: string, length?: number) => {
    const before = seen;
    let decide!: () => void;
    const decided = new Promise<void>((resolve) => (decide = resolve));
    const answers = Promise.all(Array.from({ length: count }, () => pushWithoutBody(path, length, decided)));
    answers.catch(() => undefined); // a failed push fails the awaiting test, not the process
    await until(() => (seen - before >= count ? true : undefined), `the server parsing ${count} pushes`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    decide();
    return answers;
  };
  /** Hangs up every push opened, once the server has seen each end (and let its place go). */
  const hangUpAll = async () => {
    for (const request of opened.splice(0)) request.destroy();
    await until(() => (ended === seen ? true : undefined), 'the server seeing every push end');
  };

  it('answers a push to no provider, to one that takes none, or without the proof its URL must carry, before reading its body', async () => {
    expect(await answered('/v1/providers/nowhere/reports?token=right')).toMatchObject({ status: 404, body: { error: 'not-found', message: 'no provider "nowhere"' } });
    expect(await answered('/v1/providers/poller/reports?token=right')).toMatchObject({ status: 401, body: { error: 'unauthorized', message: 'poller does not push delivery reports' } });
    // Before: 32 slow bodies without any token held every place for the request timeout, and real pushes were answered 503.
    expect(await answered('/v1/providers/pusher/reports')).toMatchObject({ status: 401, body: { error: 'unauthorized', message: 'the push does not carry the token' } });
    expect(await answered('/v1/providers/pusher/reports?token=wrong')).toMatchObject({ status: 401 });
    await hangUpAll();
  });

  it(`reads at most ${PUSH_BYTES_IN_FLIGHT / PUSH_BODY_LIMIT} MiB of one provider's pushes at once, by their Content-Length (${PUSH_MIN_BYTES / 1024} KiB at least): one more is answered 503 overloaded, with Retry-After, before its body; another provider's are read`, async () => {
    // Many small pushes (Message Center posts one a message) are read side by side.
    const small = await pushesWithoutBody(PUSH_BYTES_IN_FLIGHT / PUSH_MIN_BYTES, '/v1/providers/signer/reports', 1_000);
    expect(small.every((answer) => answer === 'waiting for the body')).toBe(true);
    // However small it says it is, a push is counted at its least (a review: Content-Length 1 held no place at all).
    expect(await answered('/v1/providers/signer/reports', 1)).toMatchObject({ status: 503 });
    await hangUpAll();
    const held = await pushesWithoutBody(PUSH_BYTES_IN_FLIGHT / PUSH_BODY_LIMIT, '/v1/providers/signer/reports');
    expect(held.every((answer) => answer === 'waiting for the body')).toBe(true);
    expect(await answered('/v1/providers/signer/reports')).toMatchObject({ status: 503, retryAfter: '1', body: { error: 'overloaded' } });
    // Slow bodies to one provider's route hold no other provider's pushes back.
    expect(await pushesWithoutBody(1, '/v1/providers/pusher/reports?token=right')).toEqual(['waiting for the body']);
    // The held pushes end (their providers hung up): pushes are read again.
    await hangUpAll();
    handedToLedger.length = 0;
    expect(await post('/v1/providers/pusher/reports?token=right', '[]')).toEqual({ status: 200, body: { received: 2, matched: 1, held: 1, dropped: 0 } });
  });

  it('answers 401 without the proof, 401 for a provider that takes no pushes, 400 for a body the provider cannot read, 404 for no such provider', async () => {
    handedToLedger.length = 0;
    expect(await post('/v1/providers/pusher/reports?token=wrong', '[]')).toEqual({ status: 401, body: { error: 'unauthorized', message: 'the push does not carry the token' } });
    expect(await post('/v1/providers/poller/reports?token=right', '[]')).toEqual({ status: 401, body: { error: 'unauthorized', message: 'poller does not push delivery reports' } });
    expect(await post('/v1/providers/pusher/reports?token=right', 'garbled')).toEqual({ status: 400, body: { error: 'invalid-request', message: 'the body is not a report list' } });
    expect(await post('/v1/providers/nowhere/reports?token=right', '[]')).toEqual({ status: 404, body: { error: 'not-found', message: 'no provider "nowhere"' } });
    expect(handedToLedger).toEqual([]);
  });

  it("hands the provider the URL it called: behind a proxy that ends TLS, X-Forwarded-Proto's scheme (Twilio signs the https URL)", async () => {
    pushes.length = 0;
    // node:http, not fetch: fetch sends its own Host.
    const push = (headers: Record<string, string>) =>
      new Promise<void>((resolve, reject) => {
        const request = http.request(`${base}/v1/providers/pusher/reports?token=right`, { method: 'POST', headers }, (response) => response.resume().on('end', resolve));
        request.on('error', reject);
        request.end('[]');
      });
    await push({ 'x-forwarded-proto': 'https', host: 'rota.example' });
    await push({ 'x-forwarded-proto': 'gopher' });
    expect(pushes.map((push) => push.url)).toEqual(['https://rota.example/v1/providers/pusher/reports?token=right', `${base}/v1/providers/pusher/reports?token=right`]);
  });

  it('answers 503 store-unavailable when the ledger cannot be reached', async () => {
    storeDown = true;
    try {
      expect(await post('/v1/providers/pusher/reports?token=right', '[]')).toMatchObject({ status: 503, body: { error: 'store-unavailable' } });
    } finally {
      storeDown = false;
    }
  });

  it("answers 503 reports-held-full, with Retry-After, when the provider's held reports have no room for the push's unmatched ones: the provider pushes it again", async () => {
    heldFull = true;
    try {
      const response = await fetch(`${base}/v1/providers/pusher/reports?token=right`, { method: 'POST', body: '[]' });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('60');
      expect(await response.json()).toEqual({ error: 'reports-held-full', message: "1 report(s) of this push name no message yet, and pusher's held reports are full; push again later (its 1 other report(s) were written)" });
    } finally {
      heldFull = false;
    }
  });

  it('is documented with exactly these answers, and no API key', () => {
    const doc = buildOpenApiDocument() as { paths: Record<string, Record<string, { security: unknown[]; responses: Record<string, unknown> }>> };
    const operation = doc.paths['/v1/providers/{id}/reports']!.post!;
    expect(operation.security).toEqual([]);
    expect(Object.keys(operation.responses).sort()).toEqual(['200', '400', '401', '404', '413', '503']);
  });
});
