import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from './load-config.js';
import { createRuntime } from './runtime.js';
import type { GatewayRuntime } from './runtime-types.js';
import { recordingLogger, SECRETS } from './test-fixtures.js';

const yamlFor = (rank: number, extra = ''): string =>
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
    `  adminToken: ${SECRETS.adminToken}`,
    extra,
  ].join('\n');
const env = { FIGENSOFT_PASSWORD: SECRETS.notifyPassword };

describe('GatewayRuntime.configState: what the operations console shows about the configuration', () => {
  let dir: string;
  const runtimes: GatewayRuntime[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rota-config-state-'));
  });
  afterAll(async () => {
    await Promise.all(runtimes.map((r) => r.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('names the file, when it was applied, and the last refused reload with its reasons; a good reload after keeps the refusal on record', async () => {
    const path = join(dir, 'rota.yaml');
    await writeFile(path, yamlFor(3));
    const loaded = await loadConfigFile(path, env);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const before = Date.now();
    const runtime = createRuntime(loaded.config, { configPath: path, env, logger: recordingLogger(), development: false });
    runtimes.push(runtime);

    const started = runtime.configState();
    expect(started).toEqual({ file: path, appliedAt: expect.any(Date), changed: [], waitingForRestart: [] });
    expect(started.appliedAt.getTime()).toBeGreaterThanOrEqual(before);

    await writeFile(path, yamlFor(-1, 'colour: blue'));
    expect((await runtime.reload()).ok).toBe(false);
    const refused = runtime.configState();
    expect(refused.appliedAt).toEqual(started.appliedAt);
    expect(refused.lastRefused).toEqual({
      at: expect.any(Date),
      source: path,
      issues: expect.arrayContaining([expect.objectContaining({ path: 'colour' }), expect.objectContaining({ path: 'providers.0.rank' })]),
    });
    // Nothing from the file but the paths and our own words: never a value.
    expect(JSON.stringify(refused)).not.toContain(SECRETS.notifyPassword);
    expect(JSON.stringify(refused)).not.toContain(SECRETS.adminToken);

    await writeFile(path, yamlFor(5));
    expect(await runtime.reload()).toEqual({ ok: true, changed: ['figensoft'] });
    const applied = runtime.configState();
    expect(applied.changed).toEqual(['figensoft']);
    expect(applied.appliedAt.getTime()).toBeGreaterThanOrEqual(refused.lastRefused!.at.getTime());
    expect(applied.lastRefused?.issues.length).toBeGreaterThan(0);

    // A copy: the caller cannot change the runtime's record.
    applied.changed.push('nope');
    expect(runtime.configState().changed).toEqual(['figensoft']);
  });

  it("names every provider changed by a reload of routing.retry or routing.breaker alone, and keeps an operator's forced breaker through it", async () => {
    const path = join(dir, 'routing.yaml');
    await writeFile(path, yamlFor(3));
    const loaded = await loadConfigFile(path, env);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const runtime = createRuntime(loaded.config, { configPath: path, env, logger: recordingLogger(), development: false });
    runtimes.push(runtime);
    const [account] = runtime.router.status()[0]!.accounts;
    runtime.router.forceBreaker('figensoft', account!.accountId, 'open');
    // Every slot is replaced (its breakers start afresh): before, this was logged as "no provider changes".
    await writeFile(path, yamlFor(3, 'routing:\n  retry: { retries: 1 }'));
    expect(await runtime.reload()).toEqual({ ok: true, changed: ['figensoft'] });
    // And the operator's force stays (it went back to auto unannounced, and the provider was sent to again).
    expect(runtime.router.status()[0]!.accounts[0]).toMatchObject({ accountId: account!.accountId, override: 'open', breaker: 'open' });
  });

  it('has no file for a runtime built in code', async () => {
    const loaded = await loadConfigFile(join(dir, 'rota.yaml'), env);
    if (!loaded.ok) throw new Error('fixture');
    const runtime = createRuntime(loaded.config, { logger: recordingLogger(), development: false });
    runtimes.push(runtime);
    expect(runtime.configState()).not.toHaveProperty('file');
  });
});
