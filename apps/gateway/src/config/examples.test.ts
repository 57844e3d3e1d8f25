import { fileURLToPath } from 'node:url';
import { loadConfigFile } from './load-config.js';
import { PROVIDER_TYPES } from './provider-registry.js';

const repoFile = (path: string): string => fileURLToPath(new URL(`../../../../${path}`, import.meta.url));

/** Every variable rota.example.yaml uses without a default, with a plausible value. */
const EXAMPLE_ENV = {
  MESSAGE_CENTER_USERNAME: 'acme',
  MESSAGE_CENTER_PASSWORD: 'mc-secret',
  MOBILDEV_COMPANY_CODE: '00123',
  MOBILDEV_USERNAME: 'acme',
  MOBILDEV_PASSWORD: 'md-secret',
  FIGENSOFT_NOTIFY_USERNAME: 'acme-notify',
  FIGENSOFT_NOTIFY_PASSWORD: 'fs-notify-secret',
  FIGENSOFT_CAMPAIGN_USERNAME: 'acme-campaign',
  FIGENSOFT_CAMPAIGN_PASSWORD: 'fs-campaign-secret',
  INFOBIP_API_KEY: 'ib-secret',
  TWILIO_ACCOUNT_SID: `AC${'0123456789abcdef'.repeat(2)}`,
  TWILIO_AUTH_TOKEN: 'tw-secret',
  ROTA_API_KEY: 'example-send-key-0123456789',
  ROTA_ADMIN_TOKEN: 'example-admin-token-0123456789',
};

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
  it('validates with no environment at all (every variable has a sandbox default)', async () => {
    const result = await loadConfigFile(repoFile('config/sandbox.yaml'), {});
    if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2));
    const { config } = result;
    expect(config.providers).toHaveLength(1);
    expect(config.providers[0]).toMatchObject({
      type: 'figensoft',
      rank: 3,
      enabled: true,
      settings: {
        accounts: [
          {
            username: 'rota-notify',
            password: 'sandbox-notify-secret',
            smsIysMessageType: 'NOTIFICATION',
            senderList: ['ROTA', 'ROTAOTP'],
            customApiActive: true,
            customApiUrl: 'http://127.0.0.1:8090/api_json',
          },
          {
            username: 'rota-campaign',
            password: 'sandbox-campaign-secret',
            smsIysMessageType: 'CAMPAIGN',
            senderList: ['ROTA'],
            customApiActive: true,
            customApiUrl: 'http://127.0.0.1:8090/api_json',
          },
        ],
      },
    });
    expect(config.gateway).toMatchObject({
      listen: { host: '127.0.0.1', port: 8080 },
      apiKeys: [{ key: 'dev-send-key-0123456789' }],
      adminToken: 'dev-admin-token-0123456789',
    });
  });

  it('matches the sandbox\'s built-in accounts', async () => {
    const { DEFAULT_SANDBOX_ACCOUNTS } = await import('@rota/figensoft-sandbox');
    const result = await loadConfigFile(repoFile('config/sandbox.yaml'), {});
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const accounts = (result.config.providers[0]!.settings as { accounts: Array<{ username: string; password: string; smsIysMessageType: string; senderList: string[] }> }).accounts;
    expect(accounts.map((a) => ({ username: a.username, password: a.password, iysType: a.smsIysMessageType, senders: a.senderList }))).toEqual(
      DEFAULT_SANDBOX_ACCOUNTS.map((a) => ({ username: a.username, password: a.password, iysType: a.iysType, senders: a.senders })),
    );
  });

  it('takes the sandbox URL, passwords and keys from the environment when set', async () => {
    const env = {
      ROTA_SANDBOX_URL: 'http://127.0.0.1:9999/api_json',
      FIGENSOFT_NOTIFY_PASSWORD: 'other-notify',
      FIGENSOFT_CAMPAIGN_PASSWORD: 'other-campaign',
      ROTA_API_KEY: 'another-send-key-0123456789',
      ROTA_ADMIN_TOKEN: 'another-admin-token-0123456789',
    };
    const result = await loadConfigFile(repoFile('config/sandbox.yaml'), env);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.config.providers[0]!.settings).toMatchObject({
      accounts: [
        { password: 'other-notify', customApiUrl: env.ROTA_SANDBOX_URL },
        { password: 'other-campaign', customApiUrl: env.ROTA_SANDBOX_URL },
      ],
    });
    expect(result.config.gateway.apiKeys[0]!.key).toBe(env.ROTA_API_KEY);
    expect(result.config.gateway.adminToken).toBe(env.ROTA_ADMIN_TOKEN);
  });
});
