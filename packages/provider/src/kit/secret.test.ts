import { inspect } from 'node:util';
import { hasPushToken, redactSecrets, revealSecret, sameSecret, Secret } from './secret.js';

const VALUE = 'S3cret-Value-4711';

describe('Secret', () => {
  it('never shows its value to anything that serialises or inspects it', () => {
    const secret = new Secret(VALUE);
    const holder = { secret, nested: { secret } };
    const text = [JSON.stringify(holder), inspect(holder, { depth: 5, showHidden: true }), String(secret), `${secret}`, Object.values(secret).join()].join('\n');
    expect(text).not.toContain(VALUE);
    expect(revealSecret(secret)).toBe(VALUE);
  });

  it('refuses to be empty', () => {
    expect(() => new Secret('')).toThrow('non-empty');
  });

  it('redacts its value from provider text', () => {
    expect(redactSecrets(`bad key ${VALUE} (${VALUE})`, [new Secret(VALUE)])).toBe('bad key [redacted] ([redacted])');
  });

  it('compares in constant time and finds a push token in the URL', () => {
    const token = new Secret('push-token-0123456789abcdef');
    expect(sameSecret('push-token-0123456789abcdef', token)).toBe(true);
    expect(sameSecret('push-token-0123456789abcdeX', token)).toBe(false);
    expect(hasPushToken('https://rota.example/v1/providers/x/reports?token=push-token-0123456789abcdef', token)).toBe(true);
    expect(hasPushToken('/v1/providers/x/reports?token=push-token-0123456789abcdef&a=1', token)).toBe(true);
    expect(hasPushToken('/v1/providers/x/reports?secret=push-token-0123456789abcdef', token)).toBe(false);
    expect(hasPushToken('/v1/providers/x/reports', token)).toBe(false);
  });
});
