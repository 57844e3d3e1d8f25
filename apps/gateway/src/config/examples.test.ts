import { fileURLToPath } from 'node:url';
import { loadConfigFile } from './load-config.js';
import { PROVIDER_TYPES } from './provider-registry.js';

const repoFile = (path: string): string => fileURLToPath(new URL(`../../../../${path}`, import.meta.url));

/** Every variable rota.example.yaml uses without a default, with a plausible value. */
const EXAMPLE_ENV = {
  MESSAGE_CENTER_KEY: 'mc-key',
  MESSAGE_CENTER_HASH: 'mc-secret',
  MESSAGE_CENTER_PUSH_TOKEN: 'mc-push-token-0123456789abcdef',
  MOBILDEV_COMPANY_CODE: '00123',
  MOBILDEV_USERNAME: 'acme',
  MOBILDEV_PASSWORD: 'md-secret',
  FIGENSOFT_NOTIFY_USERNAME: 'acme-notify',
  FIGENSOFT_NOTIFY_PASSWORD: 'fs-notify-secret',
  FIGENSOFT_CAMPAIGN_USERNAME: 'acme-campaign',
  FIGENSOFT_CAMPAIGN_PASSWORD: 'fs-campaign-secret',
  INFOBIP_API_KEY: 'ib-secret',
  INFOBIP_PUSH_TOKEN: 'ib-push-token-0123456789abcdef',
  TWILIO_ACCOUNT_SID: `AC${'0123456789abcdef'.repeat(2)}`,
  TWILIO_AUTH_TOKEN: 'tw-secret',
  ROTA_API_KEY: 'example-send-key-0123456789',
  ROTA_ADMIN_TOKEN: 'example-admin-token-0123456789',
};

/** The sender IDs in providers' settings, whatever each provider calls the field. */
const SENDER_FIELDS = new Set(['sender', 'senderList', 'from', 'fromAddresses']);
function sendersIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(sendersIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([field, inner]) => (SENDER_FIELDS.has(field) ? [inner].flat().map(String) : sendersIn(inner)));
}

describe('config/rota.example.yaml', () => {
  it('validates with its variables set, and lists all five providers', async () => {
    const result = await loadConfigFile(repoFile('config/rota.example.yaml'), EXAMPLE_ENV);
    if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2));
    expect(result.config.providers.map((p) => p.type).sort()).toEqual([...PROVIDER_TYPES].sort());
    const figensoft = result.config.providers.find((p) => p.type === 'figensoft')!;
    expect(figensoft.settings).toMatchObject({
      accounts: [
        { smsIysMessageType: 'NOTIFICATION', password: 'fs-notify-secret' },
        { smsIysMessageType: 'CAMPAIGN', password: 'fs-campaign-secret' },
      ],
    });
    expect(result.config.gateway.apiKeys[0]!.key).toBe(EXAMPLE_ENV.ROTA_API_KEY);
    // Leading zeros survive because the example quotes the company code.
    expect(result.config.providers.find((p) => p.type === 'mobildev')!.settings).toMatchObject({ accounts: [{ companyCode: '00123' }] });
  });

  it('lets its API key send: every sender the key is allowed is one an account in the file sends as', async () => {
    const result = await loadConfigFile(repoFile('config/rota.example.yaml'), EXAMPLE_ENV);
    if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2));
    const accountSenders = new Set(sendersIn(result.config.providers));
    expect(accountSenders.size).toBeGreaterThan(0);
    for (const key of result.config.gateway.apiKeys) {
      for (const sender of key.allowed?.senders ?? []) expect({ key: key.name, sender, sentByAnAccount: accountSenders.has(sender) }).toEqual({ key: key.name, sender, sentByAnAccount: true });
    }
  });

  it('keeps every secret out of the file: without the environment, each secret is reported as a missing variable', async () => {
    const result = await loadConfigFile(repoFile('config/rota.example.yaml'), {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const missing = result.issues.map((issue) => /environment variable (\w+)/.exec(issue.reason)?.[1]);
    expect(missing.sort()).toEqual(Object.keys(EXAMPLE_ENV).sort());
  });
});

describe('config/postgres.example.yaml', () => {
  const env = {
    ROTA_DATABASE_URL: 'postgres://rota:db-secret-0123@db.internal:5432/rota',
    ROTA_HASH_KEY: 'a-hash-key-of-at-least-32-characters',
    FIGENSOFT_NOTIFY_USERNAME: 'acme-notify',
    FIGENSOFT_NOTIFY_PASSWORD: 'fs-notify-secret',
    FIGENSOFT_CAMPAIGN_USERNAME: 'acme-campaign',
    FIGENSOFT_CAMPAIGN_PASSWORD: 'fs-campaign-secret',
    ROTA_API_KEY: 'example-send-key-0123456789',
    ROTA_ADMIN_TOKEN: 'example-admin-token-0123456789',
  };

  it('validates with its variables set: a PostgreSQL store with a shared hash key, limits for both FigenSoft accounts', async () => {
    const result = await loadConfigFile(repoFile('config/postgres.example.yaml'), env);
    if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2));
    expect(result.config.store).toEqual({ kind: 'postgres', url: env.ROTA_DATABASE_URL, schema: 'rota', poolSize: 10, connectTimeoutMs: 5000, statementTimeoutMs: 30000, hashKey: env.ROTA_HASH_KEY });
    expect(result.config.dispatch.unitTimeoutSeconds).toBe(300);
    expect(result.config.providers[0]!.limits).toEqual({ 'figensoft-notification': { maxPerSecond: 100 }, 'figensoft-campaign': { maxPerSecond: 50 } });
  });

  it('refuses a PostgreSQL store without a hash key, naming the field', async () => {
    const { ROTA_HASH_KEY: _unset, ...rest } = env;
    const result = await loadConfigFile(repoFile('config/postgres.example.yaml'), { ...rest, ROTA_HASH_KEY: 'short' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toContainEqual({ path: 'store.hashKey', reason: 'must be at least 32 characters' });
  });
});

describe('config/sandbox.yaml', () => {
  it('validates with no environment at all (every variable has a sandbox default), and ranks all five as in production', async () => {
    const result = await loadConfigFile(repoFile('config/sandbox.yaml'), {});
    if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2));
    const { config } = result;
    expect(config.providers.map((p) => [p.type, p.rank, p.enabled])).toEqual([
      ['message-center', 1, true],
      ['mobildev', 2, true],
      ['figensoft', 3, true],
      ['infobip', 4, true],
      ['twilio', 5, true],
    ]);
    expect(config.providers.find((p) => p.type === 'figensoft')!.settings).toMatchObject({
      accounts: [
        { username: 'rota-notify', password: 'sandbox-notify-secret', smsIysMessageType: 'NOTIFICATION', senderList: ['ROTA', 'ROTAOTP'], customApiActive: true, customApiUrl: 'http://127.0.0.1:8090/api_json' },
        { username: 'rota-campaign', password: 'sandbox-campaign-secret', smsIysMessageType: 'CAMPAIGN', senderList: ['ROTA'], customApiActive: true, customApiUrl: 'http://127.0.0.1:8090/api_json' },
      ],
    });
    for (const [type, path] of [['message-center', '/message-center'], ['mobildev', '/mobildev'], ['twilio', '/twilio']] as const) {
      expect(config.providers.find((p) => p.type === type)!.settings).toMatchObject({ baseUrl: `http://127.0.0.1:8090${path}` });
    }
    expect(config.providers.find((p) => p.type === 'infobip')!.settings).toMatchObject({ accounts: [{ baseUrl: 'http://127.0.0.1:8090/infobip' }] });
    expect(config.gateway).toMatchObject({
      listen: { host: '127.0.0.1', port: 8080 },
      apiKeys: [{ key: 'dev-send-key-0123456789' }],
      adminToken: 'dev-admin-token-0123456789',
    });
  });

  it("matches the sandbox's built-in accounts on every wire", async () => {
    const { DEFAULT_SANDBOX_ACCOUNTS, DEFAULT_SANDBOX_WIRES } = await import('@rota/figensoft-sandbox');
    const result = await loadConfigFile(repoFile('config/sandbox.yaml'), {});
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const settings = (type: string) => result.config.providers.find((p) => p.type === type)!.settings as Record<string, any>;
    const figensoft = settings('figensoft').accounts as Array<{ username: string; password: string; smsIysMessageType: string; senderList: string[] }>;
    expect(figensoft.map((a) => ({ username: a.username, password: a.password, iysType: a.smsIysMessageType, senders: a.senderList }))).toEqual(
      DEFAULT_SANDBOX_ACCOUNTS.map((a) => ({ username: a.username, password: a.password, iysType: a.iysType, senders: a.senders })),
    );
    const mc = DEFAULT_SANDBOX_WIRES.messageCenter.accounts[0]!;
    expect(settings('message-center').accounts[0]).toMatchObject({ key: mc.key, hash: mc.hash, sender: mc.senders[0] });
    expect(settings('mobildev').accounts.map((a: { username: string; companyCode: string; password: string }) => [`${a.username}-${a.companyCode}`, a.password])).toEqual(
      DEFAULT_SANDBOX_WIRES.mobildev.accounts.map((a) => [a.username, a.password]),
    );
    expect(settings('infobip').accounts[0]).toMatchObject({ apiKey: DEFAULT_SANDBOX_WIRES.infobip.accounts[0]!.apiKey, from: 'ROTA' });
    expect(settings('twilio')).toMatchObject({ accountSid: DEFAULT_SANDBOX_WIRES.twilio.accounts[0]!.accountSid, authToken: DEFAULT_SANDBOX_WIRES.twilio.accounts[0]!.authToken });
  });

  it('takes the sandbox URLs, passwords and keys from the environment when set', async () => {
    const env = {
      ROTA_SANDBOX_URL: 'http://127.0.0.1:9999/api_json',
      ROTA_SANDBOX_ORIGIN: 'http://127.0.0.1:9999',
      FIGENSOFT_NOTIFY_PASSWORD: 'other-notify',
      FIGENSOFT_CAMPAIGN_PASSWORD: 'other-campaign',
      MESSAGE_CENTER_HASH: 'other-hash',
      ROTA_API_KEY: 'another-send-key-0123456789',
      ROTA_ADMIN_TOKEN: 'another-admin-token-0123456789',
    };
    const result = await loadConfigFile(repoFile('config/sandbox.yaml'), env);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.config.providers.find((p) => p.type === 'figensoft')!.settings).toMatchObject({
      accounts: [
        { password: 'other-notify', customApiUrl: env.ROTA_SANDBOX_URL },
        { password: 'other-campaign', customApiUrl: env.ROTA_SANDBOX_URL },
      ],
    });
    expect(result.config.providers.find((p) => p.type === 'message-center')!.settings).toMatchObject({ baseUrl: 'http://127.0.0.1:9999/message-center', accounts: [{ hash: 'other-hash' }] });
    expect(result.config.gateway.apiKeys[0]!.key).toBe(env.ROTA_API_KEY);
    expect(result.config.gateway.adminToken).toBe(env.ROTA_ADMIN_TOKEN);
  });
});
