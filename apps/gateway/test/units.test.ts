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

/** One distinctive value per provider credential field, to search every output for. */
const PROVIDER_SECRETS = {
  messageCenterKey: 'mc-KEY-0a1b2c3d4e',
  messageCenterHash: 'mc-HASH-5f6a7b8c9d0e1f',
  messageCenterKey2: 'mc-KEY-second-9z8y7x',
  messageCenterSecret: 'mc-SECRET-1q2w3e4r5t',
  messageCenterPushToken: 'mc-PUSH-token-0123456789abcdef',
  mobildevPassword: 'mobildev-PASS-6y7u8i9o',
  infobipApiKey: 'infobip-APIKEY-3e4d5c6b7a',
  twilioAuthToken: 'twilio-AUTH-8h9j0k1l2m',
} as const;

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
    // A key being rotated out is a credential too.
    const rotating = { ...config, gateway: { ...config.gateway, apiKeys: [{ ...config.gateway.apiKeys[0]!, previousKey: 'old-send-KEY-0123456789ab' }] } };
    expect(secretsOf(rotating)).toContain('old-send-KEY-0123456789ab');
  });

  it("finds every provider's credential fields (Message Center's hash too), and none of their names", () => {
    // Before: Message Center's `hash` matched no credential key, so a provider's error quoting it went out whole.
    const all = RotaConfigSchema.parse({
      ...config,
      providers: [
        ...config.providers,
        {
          type: 'message-center',
          settings: {
            accounts: [
              { key: PROVIDER_SECRETS.messageCenterKey, hash: PROVIDER_SECRETS.messageCenterHash, sender: 'ROTA', iysTypes: ['NOTIFICATION'] },
              { key: PROVIDER_SECRETS.messageCenterKey2, secret: PROVIDER_SECRETS.messageCenterSecret, sender: 'ROTAX', iysTypes: ['CAMPAIGN'] },
            ],
            pushToken: PROVIDER_SECRETS.messageCenterPushToken,
          },
        },
        { type: 'mobildev', settings: { accounts: [{ username: 'mobildev-user', password: PROVIDER_SECRETS.mobildevPassword, senderList: ['ROTA'], smsIysMessageType: 'NOTIFICATION' }] } },
        { type: 'infobip', settings: { accounts: [{ apiKey: PROVIDER_SECRETS.infobipApiKey, from: 'ROTA', baseUrl: 'https://xxxxx.api.infobip.com' }] } },
        { type: 'twilio', settings: { accountSid: `AC${'0'.repeat(32)}`, authToken: PROVIDER_SECRETS.twilioAuthToken, fromAddresses: ['ROTA'] } },
      ],
    });
    const secrets = secretsOf(all);
    expect([...secrets].sort()).toEqual([SECRETS.adminToken, 'figensoft-PASS-abc123', SECRETS.apiKey, ...Object.values(PROVIDER_SECRETS)].sort());
    expect(blankSecretsIn(`Message Center said: bad hash ${PROVIDER_SECRETS.messageCenterHash} for mobildev-user`, secrets)).toBe('Message Center said: bad hash [redacted] for mobildev-user');
  });

  it('blanks a credential as a service echoes it escaped: percent-encoded in a URL, JSON with escaped slashes', () => {
    const token = 'Zk3+q/8xY2pL0vR7sT9wA1bC4dE6fG==';
    const withToken = RotaConfigSchema.parse({
      ...config,
      providers: [...config.providers, { type: 'infobip', settings: { accounts: [{ apiKey: PROVIDER_SECRETS.infobipApiKey, from: 'ROTA', baseUrl: 'https://xxxxx.api.infobip.com' }], deliveryReportUrl: 'https://rota.example/v1/providers/infobip/reports', pushToken: token } }],
    });
    const secrets = secretsOf(withToken);
    for (const text of [`Invalid notify URL https://rota.example/reports?token=${encodeURIComponent(token)}`, `{"pushToken":"${token.replaceAll('/', '\\/')}"}`]) {
      const out = blankSecretsIn(text, secrets);
      expect(out).toContain('[redacted]');
      expect(out).not.toMatch(/Zk3|8xY2pL0vR7sT9wA1bC4dE6fG/);
    }
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

  it("pino redacts every provider's credential fields, down to an account in a provider's settings", () => {
    // Before: Message Center's `key` and `hash`, and every `pushToken`, were logged as they were.
    const logs = captureLogs();
    const messageCenter = { key: PROVIDER_SECRETS.messageCenterKey, hash: PROVIDER_SECRETS.messageCenterHash, sender: 'ROTA' };
    logs.logger.warn(
      {
        account: messageCenter,
        provider: { type: 'message-center', settings: { pushToken: PROVIDER_SECRETS.messageCenterPushToken } },
        settings: {
          accounts: [
            { key: PROVIDER_SECRETS.messageCenterKey2, secret: PROVIDER_SECRETS.messageCenterSecret, sender: 'ROTAX' },
            { username: 'mobildev-user', password: PROVIDER_SECRETS.mobildevPassword },
            { apiKey: PROVIDER_SECRETS.infobipApiKey, from: 'ROTA' },
          ],
        },
        twilio: { accountSid: 'AC-public', authToken: PROVIDER_SECRETS.twilioAuthToken },
        hash: PROVIDER_SECRETS.messageCenterHash,
      },
      'careless provider line',
    );
    const text = logs.text();
    for (const secret of Object.values(PROVIDER_SECRETS)) expect(text).not.toContain(secret);
    // Only the credentials: the names around them still say which account it was.
    for (const name of ['ROTAX', 'mobildev-user', 'AC-public', 'message-center']) expect(text).toContain(name);
  });
});
