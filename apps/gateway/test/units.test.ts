import { RotaConfigSchema } from '../src/config/rota-config.js';
import { authorize, bearerToken, roleOf } from '../src/http/auth.js';
import { blankSecretsIn, maskNumbersIn, secretsOf } from '../src/logging/redaction.js';
import { captureLogs, SECRETS } from './support/harness.js';

const config = RotaConfigSchema.parse({
  providers: [
    {
      type: 'figensoft',
      settings: {
        accounts: [{ username: 'rota-notify', password: 'figensoft-PASS-abc123', smsIysMessageType: 'NOTIFICATION', senderList: ['ROTA'] }],
      },
    },
  ],
  gateway: { apiKeys: [{ name: 'svc', key: SECRETS.apiKey }], adminToken: SECRETS.adminToken },
});

describe('bearer authentication', () => {
  it('reads only well-formed bearer headers', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it('tells send keys from the admin token, and neither from a near miss', () => {
    expect(roleOf(SECRETS.apiKey, config.gateway)).toEqual({ role: 'send', client: 'svc' });
    expect(roleOf(SECRETS.adminToken, config.gateway)).toEqual({ role: 'admin', client: 'admin' });
    expect(roleOf(SECRETS.apiKey.slice(0, -1), config.gateway)).toBeUndefined();
    expect(roleOf(`${SECRETS.adminToken}0`, config.gateway)).toBeUndefined();
  });

  it.each([
    ['send', SECRETS.apiKey, true],
    ['send', SECRETS.adminToken, 403],
    ['read', SECRETS.apiKey, true],
    ['read', SECRETS.adminToken, true],
    ['admin', SECRETS.apiKey, 403],
    ['admin', SECRETS.adminToken, true],
    ['admin', 'nope', 401],
  ] as const)('%s with %s → %s', (access, token, expected) => {
    const decision = authorize(`Bearer ${token}`, access, config.gateway);
    if (expected === true) expect(decision.ok).toBe(true);
    else expect(decision).toMatchObject({ ok: false, status: expected });
  });
});

describe('redaction', () => {
  it('masks every number-like run of 9–15 digits, leaving short numbers alone', () => {
    expect(maskNumbersIn('receiver 905321234567 refused; +905551112233 too; code 429, 12 segments')).toBe(
      'receiver 90532*****67 refused; +90555*****33 too; code 429, 12 segments',
    );
  });

  it('finds every credential in a configuration, and no names', () => {
    const secrets = secretsOf(config);
    expect([...secrets].sort()).toEqual([SECRETS.adminToken, 'figensoft-PASS-abc123', SECRETS.apiKey].sort());
    expect(blankSecretsIn(`login failed for figensoft-PASS-abc123 with ${SECRETS.apiKey}`, secrets)).toBe('login failed for [redacted] with [redacted]');
  });

  it('finds the database password and the hash key of a PostgreSQL store', () => {
    const url = 'postgres://rota:db%40PASS-0123@db.internal:5432/rota';
    const hashKey = 'hash-KEY-0123456789-0123456789-0123';
    const shared = RotaConfigSchema.parse({ ...config, store: { kind: 'postgres', url, hashKey } });
    const secrets = secretsOf(shared);
    for (const secret of [url, 'db%40PASS-0123', 'db@PASS-0123', hashKey]) expect(secrets).toContain(secret);
    // pg's errors name the user and host, never the password; a parser's may quote the URL whole.
    expect(blankSecretsIn(`password authentication failed (db@PASS-0123) at ${url}`, secrets)).toBe('password authentication failed ([redacted]) at [redacted]');
  });

  it('pino redacts credential paths whatever a caller passes', () => {
    const logs = captureLogs();
    logs.logger.info(
      {
        req: { headers: { authorization: `Bearer ${SECRETS.apiKey}` } },
        account: { password: 'pw-123456789' },
        gateway: { adminToken: SECRETS.adminToken, apiKeys: [{ name: 'x', key: SECRETS.apiKey }] },
        body: { to: '+905321234567' },
        apiKey: SECRETS.otherApiKey,
      },
      'careless line',
    );
    const text = logs.text();
    for (const secret of [SECRETS.apiKey, SECRETS.adminToken, SECRETS.otherApiKey, 'pw-123456789', '+905321234567']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });
});
