import { signWebhook, verifyWebhook } from '../src/index.js';

const secret = 'whsec_test_0123456789abcdef0123456789abcdef';
const body = '{"id":"evt_1","type":"message.delivered"}';
const now = 1_900_000_000;

describe('Rota-Signature', () => {
  it('is t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">', () => {
    expect(signWebhook(body, secret, now)).toMatch(/^t=1900000000,v1=[0-9a-f]{64}$/);
  });

  it('passes a valid signature', () => {
    expect(verifyWebhook(body, signWebhook(body, secret, now), secret, 300, now)).toEqual({ ok: true, timestamp: now });
    expect(verifyWebhook(Buffer.from(body), signWebhook(body, secret, now), secret, 300, now + 299)).toMatchObject({ ok: true });
  });

  it.each([
    ['a changed body', body.replace('delivered', 'expired'), signWebhook(body, secret, now), secret, now, 'bad-signature'],
    ['a wrong secret', body, signWebhook(body, 'another-secret-0123456789abcdef01234567', now), secret, now, 'bad-signature'],
    ['an old timestamp (a replay)', body, signWebhook(body, secret, now - 301), secret, now, 'too-old'],
    ['a timestamp far in the future', body, signWebhook(body, secret, now + 301), secret, now, 'too-new'],
    ['a timestamp changed without re-signing', body, signWebhook(body, secret, now - 1_000).replace(`t=${now - 1_000}`, `t=${now}`), secret, now, 'bad-signature'],
    ['no header', body, undefined, secret, now, 'malformed-header'],
    ['a header without v1', body, `t=${now}`, secret, now, 'malformed-header'],
    ['a v1 that is not hex', body, `t=${now},v1=${'z'.repeat(64)}`, secret, now, 'malformed-header'],
  ])('refuses %s', (_what, received, header, key, at, reason) => {
    expect(verifyWebhook(received, header, key, 300, at)).toEqual({ ok: false, reason });
  });

  it('signs with each secret given while one is rotated, and a receiver holding either takes it', () => {
    const previous = 'old-secret-0123456789abcdef0123456789ab';
    const header = signWebhook(body, [secret, previous], now);
    expect(header).toBe(`${signWebhook(body, secret, now)},${signWebhook(body, previous, now).split(',')[1]}`);
    expect(verifyWebhook(body, header, secret, 300, now)).toMatchObject({ ok: true });
    expect(verifyWebhook(body, header, previous, 300, now)).toMatchObject({ ok: true });
    expect(verifyWebhook(body, header, 'a-third-secret-0123456789abcdef01234567', 300, now)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(() => signWebhook(body, [], now)).toThrow('at least one secret');
  });
});
