import { createRouter } from '@rota/core';
import { ResultsNotWrittenError, type Ledger } from '@rota/ledger';
import { buildGateway } from '../src/http/build-gateway.js';
import { createGatewayMetrics } from '../src/metrics/gateway-metrics.js';
import { captureLogs, GatewayClient, SECRETS, testConfig, type HttpAnswer } from './support/harness.js';

/** Sends one message to a gateway whose ledger's submit throws `thrown`: its answer, and the gateway's log. */
async function sendThrough(thrown: Error, message: { to: string; text: string; iysType: string }) {
  const inner = createRouter({ providers: [] });
  const broken = {
    submit: async () => {
      throw thrown;
    },
  } as unknown as Ledger;
  const logs = captureLogs();
  const config = testConfig('http://127.0.0.1:9/api_json');
  const app = buildGateway({ runtime: { router: inner, config: () => config }, ledger: broken, logger: logs.logger, metrics: createGatewayMetrics() });
  // Over loopback: app.inject needs light-my-request, whose ESM-only `cookie` dependency jest's ESM mode cannot load.
  await app.listen({ host: '127.0.0.1', port: 0 });
  const client = new GatewayClient(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`);
  try {
    return { answer: await client.send(message), logs };
  } finally {
    await client.close();
    await app.close();
    await inner.close();
  }
}

describe('a real internal error', () => {
  it('answers 500 with fixed words and logs the route and stack, never the body or a raw number', async () => {
    const { answer, logs } = await sendThrough(new Error('bug while handling +905321234567'), { to: '+905551112233', text: 'BODY-TEXT-must-not-be-logged', iysType: 'NOTIFICATION' });
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ error: 'internal-error', message: 'internal error; the gateway log has the details' });

    const errors = logs.lines().filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ method: 'POST', route: '/v1/messages' });
    const text = logs.text();
    expect(text).toContain('bug while handling +90532*****67');
    for (const leak of ['BODY-TEXT-must-not-be-logged', '+905551112233', '+905321234567', SECRETS.apiKey]) expect(text).not.toContain(leak);
  });
});

describe('a send whose outcome the store could not record', () => {
  it('answers 503 result-not-recorded with the ids, never "nothing was accepted" nor a Retry-After', async () => {
    const id = 'msg_4f7c2a9e1b3d5f6a8c0e2b4d6f8a0c2e';
    const thrown = new ResultsNotWrittenError([id], Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' }));
    const { answer, logs } = await sendThrough(thrown, { to: '+905551112233', text: 'Siparisiniz yolda', iysType: 'NOTIFICATION' });
    // A store error alone would be store-unavailable ("retry"): this one says the messages may be out already.
    expect(answer).toMatchObject({ status: 503, body: { error: 'result-not-recorded', ids: [id], message: expect.stringContaining('do not send them again') } });
    expect(answer.headers?.['retry-after']).toBeUndefined();
    expect(logs.lines().filter((l) => l.level === 'error')).toHaveLength(1);
  });
});

describe('a store that does not answer in time', () => {
  it('answers 503 store-unavailable: a send is told to keep its idempotency key, an erasure (which has none) to retry', async () => {
    // PostgreSQL's statement timeout (57014), as an erasure met while each deleted message read the whole outbox.
    const timeout = () => Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
    const slow = { submit: async () => Promise.reject(timeout()), eraseNumber: async () => Promise.reject(timeout()) } as unknown as Ledger;
    const inner = createRouter({ providers: [] });
    const config = testConfig('http://127.0.0.1:9/api_json');
    const app = buildGateway({ runtime: { router: inner, config: () => config }, ledger: slow, logger: captureLogs().logger, metrics: createGatewayMetrics() });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const client = new GatewayClient(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`);
    let sent: HttpAnswer;
    let batch: HttpAnswer;
    let erased: HttpAnswer;
    try {
      sent = await client.send({ to: '+905551112233', text: 'Siparisiniz yolda', iysType: 'NOTIFICATION' });
      batch = await client.call('POST', '/v1/messages/batch', { json: { messages: [{ to: '+905551112233', text: 'Siparisiniz yolda', iysType: 'NOTIFICATION', idempotencyKey: 'b-1' }] } });
      erased = await client.call('DELETE', '/v1/numbers/%2B905551112233/messages', { key: SECRETS.adminToken });
    } finally {
      await client.close();
      await app.close();
      await inner.close();
    }
    expect(sent).toMatchObject({ status: 503, body: { error: 'store-unavailable', message: expect.stringContaining('same idempotency key') } });
    expect(batch).toMatchObject({ status: 503, body: { error: 'store-unavailable', message: expect.stringContaining('same idempotency key') } });
    expect(erased).toMatchObject({ status: 503, body: { error: 'store-unavailable', message: 'the message store cannot be reached or did not answer in time; retry later' } });
    expect(erased.headers?.['retry-after']).toBe('1');
  });
});
