import { validateConfigTree } from './load-config.js';
import { retentionMs, RotaConfigSchema } from './rota-config.js';
import { baseConfig, SECRETS, secretsIn } from './test-fixtures.js';

type Tree = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function issuesAfter(mutate: (config: Tree) => void) {
  const config = baseConfig() as Tree;
  mutate(config);
  const result = validateConfigTree(config, {});
  if (result.ok) throw new Error('expected the configuration to be refused');
  return result.issues;
}

describe('RotaConfigSchema', () => {
  it('accepts the minimal configuration and fills every default', () => {
    const result = validateConfigTree(baseConfig(), {});
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const { config } = result;
    expect(config.providers[0]).toMatchObject({ type: 'figensoft', enabled: true, rank: 3 });
    expect(config.providers[0]!.breaker).toBeUndefined();
    expect(config.routing).toEqual({ unknownOutcome: 'stop' });
    expect(config.gateway).toMatchObject({ listen: { host: '127.0.0.1', port: 8080 }, bodyLimitBytes: 5 * 1024 * 1024, maxBatchSize: 10_000 });
    expect(config.gateway.webhooks).toMatchObject({ concurrency: 16, perEndpoint: 4 });
    expect(config.logging).toEqual({ level: 'info' });
  });

  it('keeps breaker and retry overrides to what the file says (no defaults filled in, so routing defaults still apply)', () => {
    const parsed = RotaConfigSchema.parse({
      ...baseConfig(),
      providers: [{ type: 'figensoft', breaker: { resetTimeoutMs: 1_000 }, retry: { retries: 0 }, settings: baseConfig().providers[0]!.settings }],
      routing: { breaker: { volumeThreshold: 3 }, unknownOutcome: { CAMPAIGN: 'failover' } },
    });
    expect(parsed.providers[0]!.breaker).toEqual({ resetTimeoutMs: 1_000 });
    expect(parsed.providers[0]!.retry).toEqual({ retries: 0 });
    expect(parsed.routing.breaker).toEqual({ volumeThreshold: 3 });
    expect(parsed.routing.unknownOutcome).toEqual({ CAMPAIGN: 'failover' });
  });

  it('takes a SQLite store block without a path (data/rota.db), and says a block without a kind must name it', () => {
    const config = baseConfig() as Tree;
    config.store = { kind: 'sqlite', synchronous: 'full' };
    const result = validateConfigTree(config, {});
    expect(result.ok && result.config.store).toEqual({ kind: 'sqlite', path: 'data/rota.db', synchronous: 'full' });
    const issues = issuesAfter((tree) => (tree.store = { synchronous: 'full' }));
    expect(issues).toEqual([{ path: 'store.kind', reason: expect.stringContaining('a store block names its kind (leave the block out for SQLite at data/rota.db)') }]);
  });

  it('accepts the port as a string of digits (what ${PORT} interpolation yields)', () => {
    const config = baseConfig() as Tree;
    config.gateway.listen = { port: '${PORT:-9090}' };
    const result = validateConfigTree(config, { PORT: '8181' });
    expect(result.ok && result.config.gateway.listen.port).toBe(8181);
  });

  const cases: Array<[string, (config: Tree) => void, string, RegExp]> = [
    ['an unknown top-level key', (c) => (c.provider = []), 'provider', /is not a known field/],
    ['an unknown key in a provider entry', (c) => (c.providers[0].rnak = 1), 'providers.0.rnak', /is not a known field/],
    ['an unknown key in the gateway', (c) => (c.gateway.apiKey = 'x'), 'gateway.apiKey', /is not a known field/],
    ['an unknown key in a breaker override', (c) => (c.providers[0].breaker = { timeout: 5 }), 'providers.0.breaker.timeout', /is not a known field/],
    ['an unknown provider type', (c) => (c.providers[0].type = 'netgsm'), 'providers.0.type', /must be one of: .*figensoft/],
    [
      'a provider type listed twice without ids',
      (c) => c.providers.push({ ...c.providers[0], rank: 9 }),
      'providers.1.type',
      /the id "figensoft" is already used at providers\.0; give each entry of one type its own id/,
    ],
    [
      'two entries with one id',
      (c) => c.providers.push({ ...c.providers[0], type: 'figensoft', id: 'figensoft', rank: 9 }),
      'providers.1.id',
      /the id "figensoft" is already used at providers\.0/,
    ],
    ['an id that is not kebab-case', (c) => (c.providers[0].id = 'FigenSoft 2'), 'providers.0.id', /must be kebab-case/],
    ['a negative rank', (c) => (c.providers[0].rank = -1), 'providers.0.rank', /must be 0 or more/],
    ['a fractional rank', (c) => (c.providers[0].rank = 1.5), 'providers.0.rank', /whole number/],
    ['a rank that is not a number', (c) => (c.providers[0].rank = 'first'), 'providers.0.rank', /must be a number/],
    ['a breaker reset timeout past a day (Node\'s timer overflows past 24.8 days)', (c) => (c.providers[0].breaker = { resetTimeoutMs: 3_000_000_000 }), 'providers.0.breaker.resetTimeoutMs', /must be at most 86400000/],
    ['enabled that is not a boolean', (c) => (c.providers[0].enabled = 'yes'), 'providers.0.enabled', /true or false/],
    [
      'a plain-http customApiUrl off loopback',
      (c) => (c.providers[0].settings.accounts[0].customApiUrl = 'http://api.example.com/api_json'),
      'providers.0.settings.accounts.0.customApiUrl',
      /https/,
    ],
    [
      'a customApiUrl that is not a URL',
      (c) => (c.providers[0].settings.accounts[1].customApiUrl = 'not a url'),
      'providers.0.settings.accounts.1.customApiUrl',
      /valid absolute URL/,
    ],
    ['a sender ID with Turkish letters', (c) => (c.providers[0].settings.accounts[0].senderList = ['ŞİRKET']), 'providers.0.settings.accounts.0.senderList.0', /Turkish letters/],
    ['no providers at all', (c) => (c.providers = []), 'providers', /at least one provider/],
    ['a retry override out of range', (c) => (c.routing = { retry: { retries: 11 } }), 'routing.retry.retries', /10/],
    [
      'an unknown-outcome policy that does not exist',
      (c) => (c.routing = { unknownOutcome: { CAMPAIGN: 'maybe' } }),
      'routing.unknownOutcome.CAMPAIGN',
      /stop|failover/,
    ],
    ['an attempt timeout below 100 ms', (c) => (c.routing = { attemptTimeoutMs: 5 }), 'routing.attemptTimeoutMs', /at least 100/],
    ['a port out of range', (c) => (c.gateway.listen = { port: 70_000 }), 'gateway.listen.port', /0 to 65535/],
    ['no API key', (c) => (c.gateway.apiKeys = []), 'gateway.apiKeys', /at least one API key/],
    ['a short API key', (c) => (c.gateway.apiKeys[0].key = 'short-k3y'), 'gateway.apiKeys.0.key', /at least 16 characters/],
    ['an API key with a space', (c) => (c.gateway.apiKeys[0].key = 'has a space in it 0123'), 'gateway.apiKeys.0.key', /whitespace/],
    ['an API key named as the admin token goes (its refreshes and audit lines would pass for the admin\'s)', (c) => (c.gateway.apiKeys[0].name = 'admin'), 'gateway.apiKeys.0.name', /admin and metrics tokens go by/],
    ['an API key named as the metrics token goes', (c) => (c.gateway.apiKeys[0].name = 'metrics'), 'gateway.apiKeys.0.name', /choose another/],
    ['an API key named as the admin token goes, in another case', (c) => (c.gateway.apiKeys[0].name = 'Admin'), 'gateway.apiKeys.0.name', /in any case/],
    [
      'two API keys whose names differ only in case',
      (c) => c.gateway.apiKeys.push({ name: 'Campaign-Service', key: 'another-key-0123456789' }),
      'gateway.apiKeys.1.name',
      /told apart in any case/,
    ],
    [
      'two API keys with one name',
      (c) => c.gateway.apiKeys.push({ name: 'campaign-service', key: 'another-key-0123456789' }),
      'gateway.apiKeys.1.name',
      /distinct/,
    ],
    [
      'a previous key that is another client\'s key',
      (c) => c.gateway.apiKeys.push({ name: 'billing', key: 'billing-key-0123456789', previousKey: c.gateway.apiKeys[0].key }),
      'gateway.apiKeys.1.previousKey',
      /is the same key as apiKeys\.0\.key; keys must be distinct/,
    ],
    [
      'an admin token equal to a previous key',
      (c) => (c.gateway.apiKeys[0].previousKey = c.gateway.adminToken),
      'gateway.adminToken',
      /it equals apiKeys\.0\.previousKey/,
    ],
    ['a short admin token', (c) => (c.gateway.adminToken = 'tiny-s3cr3t'), 'gateway.adminToken', /must be at least 16 characters/],
    ['an admin token equal to an API key', (c) => (c.gateway.adminToken = SECRETS.apiKey), 'gateway.adminToken', /must differ from every API key/],
    ['a metrics token equal to an API key', (c) => (c.gateway.metricsToken = SECRETS.apiKey), 'gateway.metricsToken', /must differ from every API key and the admin token \(it equals apiKeys\.0\.key\)/],
    ['a metrics token equal to the admin token', (c) => (c.gateway.metricsToken = c.gateway.adminToken), 'gateway.metricsToken', /it equals adminToken/],
    ['a short metrics token', (c) => (c.gateway.metricsToken = 'tiny-s3cr3t'), 'gateway.metricsToken', /must be at least 16 characters/],
    ['a missing gateway section', (c) => delete c.gateway, 'gateway', /^is required \(an object\)$/],
    ['an unknown log level', (c) => (c.logging = { level: 'verbose' }), 'logging.level', /must be one of fatal, error, warn, info, debug, trace/],
    ['a body limit below 1 KiB', (c) => (c.gateway.bodyLimitBytes = 10), 'gateway.bodyLimitBytes', /at least 1024/],
    ['a batch size above 10000', (c) => (c.gateway.maxBatchSize = 20_000), 'gateway.maxBatchSize', /at most 10000/],
    [
      'a plain-http webhook receiver without allowHttp',
      (c) => (c.gateway.apiKeys[0].webhook = { url: 'http://hooks.example/rota', secret: 'w'.repeat(32) }),
      'gateway.apiKeys.0.webhook.url',
      /https URL: plain http needs gateway\.webhooks\.allowHttp/,
    ],
    [
      'a plain-http allowed callback URL without allowHttp',
      (c) => (c.gateway.apiKeys[0].webhook = { secret: 'w'.repeat(32), allowedUrls: ['https://a.example/', 'http://b.example/'] }),
      'gateway.apiKeys.0.webhook.allowedUrls.1',
      /allowHttp/,
    ],
    [
      'an allowed callback URL with a query, which the match would ignore',
      (c) => (c.gateway.apiKeys[0].webhook = { secret: 'w'.repeat(32), allowedUrls: ['https://hooks.example/rota', 'https://hooks.example/hook?tenant=1'] }),
      'gateway.apiKeys.0.webhook.allowedUrls.1',
      /must not carry a query or fragment: an allowed URL is matched by origin and path only/,
    ],
    [
      'an allowed callback URL with a fragment',
      (c) => (c.gateway.apiKeys[0].webhook = { secret: 'w'.repeat(32), allowedUrls: ['https://hooks.example/hook#a'] }),
      'gateway.apiKeys.0.webhook.allowedUrls.0',
      /must not carry a query or fragment/,
    ],
    [
      'an allowed callback URL ending in a bare ?',
      (c) => (c.gateway.apiKeys[0].webhook = { secret: 'w'.repeat(32), allowedUrls: ['https://hooks.example/hook?'] }),
      'gateway.apiKeys.0.webhook.allowedUrls.0',
      /must not carry a query or fragment/,
    ],
    [
      'an allowed callback URL with a ; in its path',
      (c) => (c.gateway.apiKeys[0].webhook = { secret: 'w'.repeat(32), allowedUrls: ['https://hooks.example/a;b/'] }),
      'gateway.apiKeys.0.webhook.allowedUrls.0',
      /no callback could match it/,
    ],
    [
      'an allowed callback URL no callback could match (an encoded slash)',
      (c) => (c.gateway.apiKeys[0].webhook = { secret: 'w'.repeat(32), allowedUrls: ['https://hooks.example/a%2Fb/'] }),
      'gateway.apiKeys.0.webhook.allowedUrls.0',
      /must not carry an encoded slash.*no callback could match it/,
    ],
    [
      'idempotency keys kept longer than their records',
      (c) => (c.retention = { messagesDays: 1, idempotencyHours: 72 }),
      'retention.idempotencyHours',
      /at most messagesDays × 24/,
    ],
    ['webhooks to one receiver at 0 at once', (c) => (c.gateway.webhooks = { perEndpoint: 0 }), 'gateway.webhooks.perEndpoint', /at least 1/],
    [
      'a Twilio accountSid that is not AC + 32 hex characters',
      (c) => c.providers.push({ type: 'twilio', settings: { accountSid: 'AC123', authToken: 'tw-token', fromAddresses: [] } }),
      'providers.1.settings.accountSid',
      /"AC" followed by 32 hexadecimal characters/,
    ],
    [
      'an Infobip baseUrl over plain http',
      (c) => c.providers.push({ type: 'infobip', settings: { accounts: [{ apiKey: 'k', from: 'ROTA', baseUrl: 'http://x.api.infobip.com' }] } }),
      'providers.1.settings.accounts.0.baseUrl',
      /https/,
    ],
    [
      'a Mobildev companyCode written as a number',
      (c) =>
        c.providers.push({
          type: 'mobildev',
          settings: { accounts: [{ companyCode: 123, username: 'u', password: 'p', senderList: ['ROTA'], smsIysMessageType: 'NOTIFICATION' }] },
        }),
      'providers.1.settings.accounts.0.companyCode',
      /quote it/,
    ],
    [
      'an unknown key in a stub\'s settings',
      (c) => c.providers.push({ type: 'message-center', settings: { accounts: [{ key: 'u', hash: 'p', sender: 'ROTA' }], region: 'eu' } }),
      'providers.1.settings.region',
      /is not a known field/,
    ],
    [
      'a simulate failRate above 1',
      (c) =>
        c.providers.push({
          type: 'message-center',
          settings: { accounts: [{ key: 'u', hash: 'p', sender: 'ROTA' }], simulate: { failRate: 2 } },
        }),
      'providers.1.settings.simulate.failRate',
      /between 0 and 1/,
    ],
    ['settings missing', (c) => delete c.providers[0].settings, 'providers.0.settings', /^is required \(an object\)$/],
  ];

  it('takes a plain-http receiver when gateway.webhooks.allowHttp says so', () => {
    const config = baseConfig() as Tree;
    config.gateway.webhooks = { allowHttp: true };
    config.gateway.apiKeys[0].webhook = { url: 'http://127.0.0.1:9999/hook', secret: 'w'.repeat(32), allowedUrls: ['http://127.0.0.1:9999/'] };
    expect(validateConfigTree(config, {}).ok).toBe(true);
  });

  it('keeps keys as long as their records when only messagesDays is written, shorter than the 48 h default', () => {
    const config = baseConfig() as Tree;
    config.retention = { messagesDays: 1 };
    const result = validateConfigTree(config, {});
    expect(result.ok && retentionMs(result.config.retention)).toEqual({ messagesMs: 24 * 3_600_000, idempotencyMs: 24 * 3_600_000 });
    expect(retentionMs(RotaConfigSchema.parse(baseConfig()).retention).idempotencyMs).toBe(48 * 3_600_000);
  });

  it.each(cases)('refuses %s, naming the path', (_name, mutate, path, reason) => {
    const issues = issuesAfter(mutate);
    expect(issues).toContainEqual({ path, reason: expect.stringMatching(reason) });
  });

  it('says a number too large once, as too large: not also "not a whole number" (1e20), nor "not a number" (1e309, read as Infinity)', () => {
    expect(issuesAfter((c) => (c.providers[0].rank = 1e20))).toEqual([{ path: 'providers.0.rank', reason: 'must be at most 1000000' }]);
    expect(issuesAfter((c) => (c.providers[0].rank = Number.POSITIVE_INFINITY))).toEqual([{ path: 'providers.0.rank', reason: 'must be a finite number (this one is too large to hold)' }]);
  });

  it('says a short webhook secret is short once, and bounds a receiver URL as a message\'s callbackUrl is', () => {
    const issues = issuesAfter((c) => (c.gateway.apiKeys[0].webhook = { url: `https://hooks.example/${'a'.repeat(2_100)}`, secret: 'short-s3cr3t' }));
    expect(issues.filter((issue) => issue.path === 'gateway.apiKeys.0.webhook.secret')).toEqual([{ path: 'gateway.apiKeys.0.webhook.secret', reason: 'must be at least 32 characters' }]);
    expect(issues).toContainEqual({ path: 'gateway.apiKeys.0.webhook.url', reason: expect.stringContaining('at most 2048 characters') });
  });

  it('refuses a previousSecret that is short or the same as the secret, naming it and echoing neither', () => {
    const current = 'whsec-current-0123456789abcdefghijkl';
    const short = issuesAfter((c) => (c.gateway.apiKeys[0].webhook = { url: 'https://hooks.example/rota', secret: current, previousSecret: 'old-s3cr3t' }));
    expect(short).toEqual([{ path: 'gateway.apiKeys.0.webhook.previousSecret', reason: 'must be at least 32 characters' }]);
    const same = issuesAfter((c) => (c.gateway.apiKeys[0].webhook = { url: 'https://hooks.example/rota', secret: current, previousSecret: current }));
    expect(same).toEqual([{ path: 'gateway.apiKeys.0.webhook.previousSecret', reason: expect.stringContaining('same as secret') }]);
    // Named beside the block's other issues, not only once they are mended.
    const withOthers = issuesAfter((c) => (c.gateway.apiKeys[0].webhook = { url: 'ftp://hooks.example/rota', secret: current, previousSecret: current }));
    expect(withOthers.map((issue) => issue.path).sort()).toEqual(['gateway.apiKeys.0.webhook.previousSecret', 'gateway.apiKeys.0.webhook.url']);
    for (const text of [JSON.stringify(short), JSON.stringify(same)]) {
      expect(text).not.toContain(current);
      expect(text).not.toContain('old-s3cr3t');
    }
  });

  it('never echoes a secret or a rejected value in an issue', () => {
    const rejected = ['tiny-s3cr3t', 'short-k3y', 'has a space in it 0123'];
    for (const [, mutate] of cases) {
      const text = JSON.stringify(issuesAfter(mutate));
      expect(secretsIn(text)).toEqual([]);
      for (const value of rejected) expect(text).not.toContain(value);
    }
  });

  it('does not echo a secret given with the wrong type or as an enum value', () => {
    const issues = issuesAfter((c) => {
      c.gateway.adminToken = 123456789012345678;
      c.logging = { level: SECRETS.adminToken };
      c.providers[0].settings.accounts[0].smsIysMessageType = SECRETS.notifyPassword;
    });
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['gateway.adminToken', 'logging.level', 'providers.0.settings.accounts.0.smsIysMessageType']),
    );
    const text = JSON.stringify(issues);
    expect(text).not.toContain('123456789012345678');
    expect(secretsIn(text)).toEqual([]);
  });

  it('reports every problem at once, each with its path', () => {
    const issues = issuesAfter((c) => {
      c.extra = true;
      c.providers[0].rank = -5;
      c.providers.push({ type: 'figensoft', settings: c.providers[0].settings });
      c.gateway.adminToken = 'short';
      c.gateway.listen = { port: 'eighty' };
      c.logging = { level: 'loud' };
      c.routing = { batchConcurrency: 0 };
    });
    expect(issues.map((i) => i.path).sort()).toEqual(
      ['extra', 'gateway.adminToken', 'gateway.listen.port', 'logging.level', 'providers.0.rank', 'providers.1.type', 'routing.batchConcurrency'].sort(),
    );
  });
});

