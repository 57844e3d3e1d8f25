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

  it('redacts it as a service echoes it escaped: percent-encoded in a URL, JSON with escaped slashes', () => {
    const token = 'Zk3+q/8xY2pL0vR7sT9wA1bC4dE6fG==';
    const echoed = [
      `Invalid notify URL https://rota.example/reports?token=${encodeURIComponent(token)}`,
      `Invalid notify URL https://rota.example/reports?token=${encodeURIComponent(token).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase())}`,
      `{"hash":"${token.replaceAll('/', '\\/')}"}`,
    ];
    for (const text of echoed) {
      const out = redactSecrets(text, [new Secret(token)]);
      expect(out).toContain('[redacted]');
      expect(out).not.toMatch(/Zk3|8xY2pL0vR7sT9wA1bC4dE6fG/);
    }
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
