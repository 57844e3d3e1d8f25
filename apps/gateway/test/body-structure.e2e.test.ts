// Found by a user trial: under the 5 MiB body limit, a body of 2.6 million nested brackets held the
// event loop 1.7 s (the parser, then the key scans), and 1.7 million empty objects 0.7 s; eight at once
// kept /healthz waiting 8 s. Such a body is refused before it is parsed, by its shape; a full-size
// batch (10,000 messages, the most a batch may carry) still reaches validation.
import { createFakeProvider, type FakeProvider } from '@rota/testkit';
import { NUMBERS, startHarness, type Harness } from './support/harness.js';

const good = { to: NUMBERS.other, text: 'Merhaba', iysType: 'NOTIFICATION' };

describe('a body shaped as no request is, under the size limit', () => {
  let h: Harness;
  let fake: FakeProvider;

  beforeAll(async () => {
    fake = createFakeProvider({ id: 'primary' });
    h = await startHarness({ extra: [{ provider: fake, rank: 1 }], gateway: { maxBatchSize: 10_000 } });
  });
  afterAll(() => h.close());

  it.each([
    ['2.6 million nested arrays as the message', () => `${'['.repeat(2_600_000)}${']'.repeat(2_600_000)}`, /nests objects and arrays more than 32 levels deep/],
    ['1.7 million empty objects as a batch', () => `{"messages":[${Array(1_700_000).fill('{}').join(',')}]}`, /holds more than 100000 objects and arrays/],
  ])('refuses %s with 400 invalid-json, before parsing it, and sends nothing', async (_name, body, reason) => {
    const raw = body();
    expect(raw.length).toBeLessThan(5 * 1024 * 1024);
    const answer = await h.client.call('POST', '/v1/messages/batch', { raw, headers: { 'content-type': 'application/json' } });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: 'invalid-json', message: expect.stringMatching(reason) });
    expect(fake.callCount).toBe(0);
  });

  it('lets a batch of 10,000 messages through to validation: its one bad message is named by index', async () => {
    const messages = Array.from({ length: 10_000 }, (_, i) => (i === 9_999 ? { ...good, to: 'call me' } : good));
    const answer = await h.client.call('POST', '/v1/messages/batch', { json: { messages } });
    expect(answer.status).toBe(400);
    expect(answer.body.issues).toEqual([{ path: 'messages.9999.to', reason: expect.any(String) }]);
    expect(fake.callCount).toBe(0);
  });
});
