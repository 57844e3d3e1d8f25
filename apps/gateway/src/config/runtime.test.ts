import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { ProviderError, type Provider, type SendRequest } from '@rota/provider';
import { startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { ConfigRefusedError } from './config-issues.js';
import { RotaConfigSchema, type RotaConfig, type RotaConfigInput } from './rota-config.js';
import { createRuntime } from './runtime.js';
import type { GatewayRuntime } from './runtime-types.js';
import { loadConfigFile } from './load-config.js';
import { baseConfig, figensoftSettings, recordingLogger, SECRETS, secretsIn } from './test-fixtures.js';

const MC_PASSWORD = 'message-center-PASSWORD-s3cr3t';
const IB_API_KEY = 'infobip-APIKEY-s3cr3t';

/** Two simulated stubs (no network at all) and FigenSoft pointed at a port nothing listens on, never asked. */
function configInput(overrides: { mcRank?: number; ibRank?: number; ibFrom?: string; latencyMs?: number } = {}): RotaConfigInput {
  const simulate = { latencyMs: overrides.latencyMs ?? 0 };
  return {
    ...baseConfig(),
    providers: [
      { type: 'figensoft', rank: 9, settings: figensoftSettings() },
      {
        type: 'message-center',
        rank: overrides.mcRank ?? 1,
        settings: { accounts: [{ key: 'mc-key', hash: MC_PASSWORD, sender: 'ROTA' }], simulate },
      },
      {
        type: 'infobip',
        rank: overrides.ibRank ?? 4,
        settings: { accounts: [{ apiKey: IB_API_KEY, from: overrides.ibFrom ?? 'ROTA', baseUrl: 'https://example.api.infobip.com' }], simulate },
      },
    ],
  };
}

const config = (input: RotaConfigInput): RotaConfig => RotaConfigSchema.parse(input);
const message = { to: '+905321234567', text: 'Kodunuz 123456', iysType: 'NOTIFICATION' as const };
const dummyRequest: SendRequest = {
  accountId: 'message-center-ROTA',
  sender: 'ROTA',
  text: 'x',
  analysis: { encoding: 'GSM7', segments: 1, characters: 1, units: 1 } as unknown as SendRequest['analysis'],
  iysType: 'NOTIFICATION',
  recipientType: 'BIREYSEL',
  recipients: ['+905321234567'],
  otp: false,
};

let runtimes: GatewayRuntime[] = [];
function start(input: RotaConfigInput, options: Partial<Parameters<typeof createRuntime>[1]> = {}): GatewayRuntime {
  const runtime = createRuntime(config(input), { logger: recordingLogger(), development: true, ...options });
  runtimes.push(runtime);
  return runtime;
}
afterEach(async () => {
  await Promise.all(runtimes.map((runtime) => runtime.close()));
  runtimes = [];
});

/** Resolves when the stub instance refuses to send because it was closed. */
async function isClosed(provider: Provider): Promise<boolean> {
  try {
    await provider.send(dummyRequest);
    return false;
  } catch (error) {
    return error instanceof ProviderError && error.code === 'closed';
  }
}

describe('createRuntime', () => {
  it('builds every provider and a router that lists them in rank order', () => {
    const runtime = start(configInput({ mcRank: 2, ibRank: 1 }));
    expect(runtime.router.status().map((s) => [s.providerId, s.rank, s.enabled])).toEqual([
      ['infobip', 1, true],
      ['message-center', 2, true],
      ['figensoft', 9, true],
    ]);
    expect([...runtime.providers().keys()].sort()).toEqual(['figensoft', 'infobip', 'message-center']);
    expect(runtime.router.status().find((s) => s.providerId === 'figensoft')!.accounts.map((a) => a.accountId)).toEqual([
      'figensoft-notification',
      'figensoft-campaign',
    ]);
  });

  it('routes a message to the lowest-ranked provider that can take it', async () => {
    const runtime = start(configInput());
    const result = await runtime.router.send(message);
    expect(result).toMatchObject({ status: 'accepted', providerId: 'message-center', simulated: true });
  });

  it('gives a disabled provider to the router switched off', () => {
    const input = configInput();
    input.providers[1] = { ...input.providers[1]!, enabled: false };
    const runtime = start(input);
    expect(runtime.router.status().find((s) => s.providerId === 'message-center')!.enabled).toBe(false);
  });

  it('refuses a simulate block unless started in development mode, naming the provider path, and the account checks with it', () => {
    const input = configInput();
    (input.providers as Array<{ limits?: object }>)[1]!.limits = { 'infobip-no-such': { maxPerSecond: 5 } };
    let thrown: unknown;
    const logger = recordingLogger();
    try {
      createRuntime(config(input), { logger, development: false });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigRefusedError);
    expect((thrown as ConfigRefusedError).issues).toEqual([
      { path: 'providers.1.settings.simulate', reason: expect.stringContaining('development') },
      { path: 'providers.2.settings.simulate', reason: expect.stringContaining('development') },
      { path: 'providers.1.limits.infobip-no-such', reason: expect.stringContaining('has no account "infobip-no-such"') },
    ]);
    expect((thrown as Error).message).toContain('providers.1.settings.simulate');
    // Built to check their accounts, never run: nothing may read as if a simulated transport were on.
    expect(logger.lines().join('\n')).not.toContain('SIMULATED');
  });

  it('refuses a retry minDelayMs above maxDelayMs, the file\'s or the default, naming where it was written', () => {
    // Found by an operator trial: minDelayMs 5000 under the default maxDelayMs 2000 reloaded without a word, and the first retry came after 3.4 s.
    const refusal = (input: ReturnType<typeof configInput>) => {
      try {
        createRuntime(config(input), { logger: recordingLogger(), development: true });
      } catch (error) {
        return error instanceof ConfigRefusedError ? error.issues : error;
      }
      return undefined;
    };
    const routingWide = configInput();
    routingWide.routing = { retry: { minDelayMs: 5_000 } };
    expect(refusal(routingWide)).toEqual([{ path: 'routing.retry.minDelayMs', reason: 'must be at most maxDelayMs (2000): the backoff never waits longer than maxDelayMs' }]);
    const ownOverBase = configInput();
    ownOverBase.routing = { retry: { maxDelayMs: 1_000 } };
    (ownOverBase.providers as Array<{ retry?: object }>)[0]!.retry = { minDelayMs: 5_000 };
    expect(refusal(ownOverBase)).toEqual([{ path: 'providers.0.retry.minDelayMs', reason: expect.stringContaining('must be at most maxDelayMs (1000)') }]);
    // The other way round: the routing-wide minDelayMs is sound on its own; the provider's maxDelayMs under it is what to mend.
    const ownUnderBase = configInput();
    ownUnderBase.routing = { retry: { minDelayMs: 500 } };
    (ownUnderBase.providers as Array<{ retry?: object }>)[0]!.retry = { maxDelayMs: 100 };
    expect(refusal(ownUnderBase)).toEqual([{ path: 'providers.0.retry.maxDelayMs', reason: 'must be at least minDelayMs (500): the backoff never waits longer than maxDelayMs' }]);
  });

  it('applies the routing defaults: the unknown-outcome policy decides whether an unknown outcome fails over', async () => {
    const input = configInput();
    const providers = input.providers as Array<{ type: string; settings: { simulate?: object } }>;
    providers[1]!.settings.simulate = { latencyMs: 0, failRate: 1, failKind: 'outcome-unknown' };
    input.routing = { unknownOutcome: 'stop' };
    const runtime = start(input);
    expect(await runtime.router.send(message)).toMatchObject({ status: 'unknown', providerId: 'message-center' });

    input.routing = { unknownOutcome: { NOTIFICATION: 'failover' } };
    expect(runtime.apply(config(input))).toEqual({ ok: true, changed: [] });
    const result = await runtime.router.send(message);
    expect(result).toMatchObject({ status: 'accepted', providerId: 'infobip' });
    expect(result.attempts.map((a) => [a.providerId, a.outcome])).toEqual([
      ['message-center', 'unknown'],
      ['infobip', 'accepted'],
    ]);
  });
});

describe('GatewayRuntime.apply', () => {
  it('keeps the provider instance and its forced breaker when only the rank changes, and the new rank routes the next message', async () => {
    const runtime = start(configInput());
    const figensoft = runtime.providers().get('figensoft');
    const infobip = runtime.providers().get('infobip');
    runtime.router.forceBreaker('figensoft', 'figensoft-notification', 'open');
    expect(await runtime.router.send(message)).toMatchObject({ status: 'accepted', providerId: 'message-center' });

    const result = runtime.apply(config(configInput({ ibRank: 0 })));

    expect(result).toEqual({ ok: true, changed: ['infobip'] });
    expect(runtime.providers().get('figensoft')).toBe(figensoft);
    expect(runtime.providers().get('infobip')).toBe(infobip);
    const figensoftStatus = runtime.router.status().find((s) => s.providerId === 'figensoft')!;
    expect(figensoftStatus.accounts.find((a) => a.accountId === 'figensoft-notification')).toEqual({
      accountId: 'figensoft-notification',
      breaker: 'open',
      override: 'open',
    });
    expect(runtime.router.status().map((s) => s.providerId)).toEqual(['infobip', 'message-center', 'figensoft']);
    expect(await runtime.router.send(message)).toMatchObject({ status: 'accepted', providerId: 'infobip' });
    expect(runtime.config().providers.find((p) => p.type === 'infobip')!.rank).toBe(0);
  });

  it('replaces a provider whose settings changed and closes the old instance', async () => {
    const runtime = start(configInput());
    const before = runtime.providers().get('infobip')!;
    const untouched = runtime.providers().get('message-center')!;

    const result = runtime.apply(config(configInput({ ibFrom: 'ROTA2' })));

    expect(result).toEqual({ ok: true, changed: ['infobip'] });
    const after = runtime.providers().get('infobip')!;
    expect(after).not.toBe(before);
    expect(after.accountIds).toEqual(['infobip-ROTA2-notification']);
    expect(runtime.providers().get('message-center')).toBe(untouched);
    expect(await isClosed(before)).toBe(true);
    expect(await isClosed(untouched)).toBe(false);
    expect(await runtime.router.send({ ...message, sender: 'ROTA2' })).toMatchObject({ status: 'accepted', providerId: 'infobip' });
  });

  it('lets a message in flight finish on the instance it started with, and closes that instance afterwards', async () => {
    const runtime = start(configInput({ latencyMs: 300 }));
    const before = runtime.providers().get('message-center')!;
    const close = jest.spyOn(before, 'close' as never);
    const inFlight = runtime.router.send(message);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const result = runtime.apply(config(configInput({ latencyMs: 0 })));
    expect(result).toEqual({ ok: true, changed: ['infobip', 'message-center'] });
    expect(runtime.providers().get('message-center')).not.toBe(before);

    // Not closed while the message walks through it…
    expect(close).not.toHaveBeenCalled();
    expect(await inFlight).toMatchObject({ status: 'accepted', providerId: 'message-center' });
    // …and closed as soon as it is done.
    expect(close).toHaveBeenCalledTimes(1);
    expect(await isClosed(before)).toBe(true);
  });

  it('keeps a rank set at run time (admin API) across a reload that did not change that rank; a changed rank in the file wins', () => {
    const runtime = start(configInput());
    runtime.router.setRank('figensoft', 0);
    runtime.router.setEnabled('infobip', false);

    const withNewKey = configInput();
    withNewKey.gateway = { ...withNewKey.gateway, apiKeys: [{ name: 'rotated', key: 'rotated-send-key-0123456789' }] };
    expect(runtime.apply(config(withNewKey))).toEqual({ ok: true, changed: [] });
    expect(runtime.router.status().map((s) => [s.providerId, s.rank, s.enabled])).toEqual([
      ['figensoft', 0, true],
      ['message-center', 1, true],
      ['infobip', 4, false],
    ]);
    expect(runtime.config().gateway.apiKeys[0]!.name).toBe('rotated');

    const withNewRank = configInput({ mcRank: 1 });
    (withNewRank.providers[0] as { rank: number }).rank = 7;
    expect(runtime.apply(config(withNewRank))).toEqual({ ok: true, changed: ['figensoft'] });
    expect(runtime.router.status().find((s) => s.providerId === 'figensoft')!.rank).toBe(7);
  });

  it('says which settings read at start a reload changed: they wait for a restart, the rest is applied', () => {
    const logger = recordingLogger();
    const runtime = start(configInput(), { logger });
    const input = configInput({ ibRank: 0 });
    const edited = { ...input, gateway: { ...input.gateway!, listen: { host: '127.0.0.1', port: 9999 }, webhooks: { allowHttp: true } } };

    expect(runtime.apply(config(edited))).toEqual({ ok: true, changed: ['infobip'] });
    const warned = logger.calls.filter((call) => call.level === 'warn' && !call.message.includes('SIMULATED'));
    expect(warned).toEqual([expect.objectContaining({ fields: { settings: ['gateway.listen', 'gateway.webhooks'] }, message: expect.stringContaining('takes effect on restart') })]);
    // Applied where it is read per request: the router has the new rank.
    expect(runtime.router.status()[0]!.providerId).toBe('infobip');
    // What runs is what every reader sees: the webhook client of the start, not the file's plain-http switch.
    expect(runtime.config().gateway.webhooks.allowHttp).toBe(false);
    expect(runtime.config().gateway.listen.port).not.toBe(9999);
    expect(runtime.configState().waitingForRestart).toEqual(['gateway.listen', 'gateway.webhooks']);
    // Unchanged, nothing to say.
    logger.calls.length = 0;
    expect(runtime.apply(config(edited)).ok).toBe(true);
    expect(logger.calls.filter((call) => call.level === 'warn' && !call.message.includes('SIMULATED'))).toEqual([]);
    // Put back as they were at start: nothing waits, and nothing is said to (the file before is not what runs).
    expect(runtime.apply(config(input)).ok).toBe(true);
    expect(logger.calls.filter((call) => call.level === 'warn' && !call.message.includes('SIMULATED'))).toEqual([]);
    expect(runtime.configState().waitingForRestart).toEqual([]);
  });

  it('refuses a reload that turns on allowHttp and names a plain-http receiver: the webhook client is the start\'s', () => {
    const runtime = start(configInput());
    const input = configInput();
    const [first, ...others] = input.gateway!.apiKeys!;
    const edited = {
      ...input,
      gateway: { ...input.gateway!, webhooks: { allowHttp: true }, apiKeys: [{ ...first!, webhook: { url: 'http://127.0.0.1:9/hook', secret: 'w'.repeat(32) } }, ...others] },
    };
    const result = runtime.apply(config(edited));
    expect(result).toEqual({ ok: false, issues: [{ path: 'gateway.apiKeys.0.webhook.url', reason: expect.stringContaining('read at start: restart') }] });
    expect(runtime.config().gateway.apiKeys[0]!.webhook).toBeUndefined();
  });

  it('adds and removes providers', async () => {
    const runtime = start(configInput());
    const infobip = runtime.providers().get('infobip')!;
    const fewer = configInput();
    fewer.providers = fewer.providers.slice(0, 2);
    fewer.providers.push({ type: 'twilio', settings: { accountSid: `AC${'ab'.repeat(16)}`, authToken: 'tw', fromAddresses: [] } });

    expect(runtime.apply(config(fewer))).toEqual({ ok: true, changed: ['infobip', 'twilio'] });
    expect(runtime.router.status().map((s) => s.providerId)).toEqual(['message-center', 'twilio', 'figensoft']);
    expect(await isClosed(infobip)).toBe(true);
  });

  it('refuses a configuration it cannot run (simulate outside development) and keeps the running one', async () => {
    const runtime = start(baseConfig(), { development: false });
    const running = runtime.config();
    const figensoft = runtime.providers().get('figensoft');

    const result = runtime.apply(config(configInput()));

    expect(result).toEqual({
      ok: false,
      issues: [
        { path: 'providers.1.settings.simulate', reason: expect.stringContaining('development') },
        { path: 'providers.2.settings.simulate', reason: expect.stringContaining('development') },
      ],
    });
    expect(runtime.config()).toBe(running);
    expect(runtime.providers().get('figensoft')).toBe(figensoft);
    expect(runtime.router.status().map((s) => s.providerId)).toEqual(['figensoft']);
  });

  it('validates a configuration built in code before applying it', () => {
    const runtime = start(configInput());
    const running = runtime.config();
    const broken = { ...running, providers: running.providers.map((p) => ({ ...p, rank: -1 })) };
    const result = runtime.apply(broken);
    expect(result).toEqual({
      ok: false,
      issues: [
        { path: 'providers.0.rank', reason: 'must be 0 or more' },
        { path: 'providers.1.rank', reason: 'must be 0 or more' },
        { path: 'providers.2.rank', reason: 'must be 0 or more' },
      ],
    });
    expect(runtime.config()).toBe(running);
  });

  it('refuses to apply after close', async () => {
    const runtime = start(configInput());
    await runtime.close();
    expect(runtime.apply(config(configInput()))).toEqual({ ok: false, issues: [{ path: '(runtime)', reason: 'the runtime is closed' }] });
  });

  it('hands out a router whose batchConcurrency follows a reload (the dispatcher reads it for each unit)', () => {
    const runtime = start(configInput());
    expect(runtime.router.batchConcurrency).toBe(4);
    const input = configInput();
    expect(runtime.apply(config({ ...input, routing: { ...input.routing, batchConcurrency: 9 } })).ok).toBe(true);
    expect(runtime.router.batchConcurrency).toBe(9);
  });

  it('hands out a router without reconfigure or close (the runtime owns the provider instances)', () => {
    const runtime = start(configInput());
    // @ts-expect-error reconfigure is the runtime's, through apply()
    expect(runtime.router.reconfigure).toBeUndefined();
    // @ts-expect-error close is the runtime's, through close()
    expect(runtime.router.close).toBeUndefined();
  });
});

describe('GatewayRuntime.reload', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rota-runtime-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const yamlFor = (adminToken: string, rank: number, extra = ''): string =>
    [
      'providers:',
      '  - type: figensoft',
      `    rank: ${rank}`,
      '    settings:',
      '      accounts:',
      '        - username: rota-notify',
      '          password: ${FIGENSOFT_PASSWORD}',
      '          smsIysMessageType: NOTIFICATION',
      '          senderList: [ROTA]',
      'gateway:',
      '  apiKeys:',
      `    - { name: svc, key: ${SECRETS.apiKey} }`,
      `  adminToken: ${adminToken}`,
      extra,
    ].join('\n');
  const env = { FIGENSOFT_PASSWORD: SECRETS.notifyPassword };

  it('applies a valid edit of the file', async () => {
    const path = join(dir, 'valid.yaml');
    await writeFile(path, yamlFor(SECRETS.adminToken, 3));
    const logger = recordingLogger();
    const loaded = await loadConfigFile(path, env);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const runtime = createRuntime(loaded.config, { configPath: path, env, logger, development: false });
    runtimes.push(runtime);
    expect(runtime.router.status()[0]!.rank).toBe(3);

    await writeFile(path, yamlFor(SECRETS.adminToken, 5));
    expect(await runtime.reload()).toEqual({ ok: true, changed: ['figensoft'] });
    expect(runtime.router.status()[0]!.rank).toBe(5);
    expect(logger.calls.filter((c) => c.level === 'error')).toEqual([]);
  });

  it('keeps the running configuration on an invalid edit, logs every problem, and never a secret', async () => {
    const path = join(dir, 'invalid.yaml');
    await writeFile(path, yamlFor(SECRETS.adminToken, 3));
    const logger = recordingLogger();
    const runtime = start(baseConfig(), { configPath: path, env, logger, development: false });
    const running = runtime.config();
    const figensoft = runtime.providers().get('figensoft');

    // Three problems at once: a too-short admin token (itself a secret), a bad rank, an unknown key.
    const shortSecret = 'sh0rt-s3cr3t';
    await writeFile(path, yamlFor(shortSecret, -1, 'colour: blue'));
    const result = await runtime.reload();

    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues.map((i) => i.path).sort()).toEqual(['colour', 'gateway.adminToken', 'providers.0.rank']);
    expect(runtime.config()).toBe(running);
    expect(runtime.providers().get('figensoft')).toBe(figensoft);

    const errors = logger.calls.filter((c) => c.level === 'error');
    for (const path of ['colour', 'gateway.adminToken', 'providers.0.rank']) {
      expect(errors).toContainEqual(expect.objectContaining({ fields: expect.objectContaining({ path, reason: expect.any(String) }) }));
    }
    expect(errors.some((c) => /keeping the running configuration/.test(c.message))).toBe(true);
    const logged = logger.lines().join('\n');
    expect(secretsIn(logged)).toEqual([]);
    expect(logged).not.toContain(shortSecret);
  });

  it('keeps the running configuration when the file disappears or a variable is unset', async () => {
    const path = join(dir, 'vanishing.yaml');
    await writeFile(path, yamlFor(SECRETS.adminToken, 3));
    const logger = recordingLogger();
    const runtime = start(baseConfig(), { configPath: path, env: {}, logger, development: false });
    const running = runtime.config();

    const unset = await runtime.reload();
    expect(unset).toEqual({ ok: false, issues: [{ path: 'providers.0.settings.accounts.0.password', reason: expect.stringContaining('FIGENSOFT_PASSWORD') }] });
    await rm(path);
    const missing = await runtime.reload();
    expect(missing).toEqual({ ok: false, issues: [{ path: '(file)', reason: `${path}: no such file` }] });
    expect(runtime.config()).toBe(running);
    expect(logger.calls.filter((c) => c.level === 'error' && c.fields.path !== undefined).map((c) => c.fields.path)).toEqual([
      'providers.0.settings.accounts.0.password',
      '(file)',
    ]);
  });

  it('says so when the runtime has no file to reload', async () => {
    const runtime = start(configInput());
    expect(await runtime.reload()).toEqual({ ok: false, issues: [{ path: '(runtime)', reason: expect.stringContaining('not started from a configuration file') }] });
  });
});

describe('GatewayRuntime with FigenSoft through the sandbox', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    const { DEFAULT_SANDBOX_ACCOUNTS } = await import('@rota/figensoft-sandbox');
    sandbox = await startSandbox({ accounts: DEFAULT_SANDBOX_ACCOUNTS.map((a) => (a.username === 'rota-notify' ? { ...a, password: SECRETS.notifyPassword } : { ...a, password: SECRETS.campaignPassword })), deliveryDelayMs: 0 });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('sends through the configured account, and a reload that changes only the rank keeps the connection pool', async () => {
    const runtime = start(baseConfig(sandbox.url), { development: false });
    const provider = runtime.providers().get('figensoft');
    expect(await runtime.router.send(message)).toMatchObject({ status: 'accepted', providerId: 'figensoft', accountId: 'figensoft-notification' });
    expect(sandbox.records()).toHaveLength(1);

    const reranked = baseConfig(sandbox.url);
    reranked.providers[0] = { ...reranked.providers[0]!, rank: 1 };
    expect(runtime.apply(config(reranked))).toEqual({ ok: true, changed: ['figensoft'] });
    expect(runtime.providers().get('figensoft')).toBe(provider);
    expect(await runtime.router.send({ ...message, text: 'ikinci' })).toMatchObject({ status: 'accepted', providerId: 'figensoft' });
    expect(sandbox.records()).toHaveLength(2);
  });

  it('runs two FigenSoft contracts side by side under their own ids, in routing and in the status', async () => {
    const two = baseConfig(sandbox.url);
    two.providers = [
      { ...two.providers[0]!, id: 'figensoft-main', rank: 1, enabled: false },
      { ...two.providers[0]!, id: 'figensoft-backup', rank: 2 },
    ];
    const runtime = start(two, { development: false });
    expect(runtime.router.status().map((s) => s.providerId)).toEqual(['figensoft-main', 'figensoft-backup']);
    expect(await runtime.router.send(message)).toMatchObject({ status: 'accepted', providerId: 'figensoft-backup', accountId: 'figensoft-notification' });
    runtime.router.setEnabled('figensoft-main', true);
    expect(await runtime.router.send(message)).toMatchObject({ status: 'accepted', providerId: 'figensoft-main' });
  });

  it('closes a replaced provider only once the health check running through it has ended (one retirement path)', async () => {
    sandbox.injectFault({ kind: 'latency', ms: 400, endpoint: 'CreditBalance' });
    try {
      const runtime = start(baseConfig(sandbox.url), { development: false });
      const old = runtime.providers().get('figensoft')!;
      const checking = runtime.router.health('figensoft');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const rotated = baseConfig(sandbox.url);
      rotated.providers[0] = { ...rotated.providers[0]!, settings: { ...figensoftSettings(sandbox.url), connections: 4 } };
      expect(runtime.apply(config(rotated))).toMatchObject({ ok: true });
      expect(runtime.providers().get('figensoft')).not.toBe(old);
      // Before: the reload closed the old pool under the check, which then failed.
      const health = await checking;
      expect(health).toMatchObject({ healthy: true });
      const after = await old.health!();
      expect(after.healthy).toBe(false);
      expect(after.accounts.every((account) => account.detail.endsWith('provider closed'))).toBe(true); // closed once the check was done
    } finally {
      sandbox.clearFaults();
    }
  });
});
