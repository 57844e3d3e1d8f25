import { interpolateEnv, interpolateString } from './interpolate.js';
import { parseConfigText } from './load-config.js';

describe('interpolateString', () => {
  it('replaces ${VAR} with the variable', () => {
    expect(interpolateString('key-${KEY}-end', { KEY: 'abc' })).toEqual({ ok: true, value: 'key-abc-end' });
  });

  it('uses the default when the variable is unset or empty, as sh does', () => {
    expect(interpolateString('${HOST:-127.0.0.1}:${PORT:-8080}', { PORT: '' })).toEqual({ ok: true, value: '127.0.0.1:8080' });
    expect(interpolateString('${HOST:-127.0.0.1}', { HOST: '10.0.0.1' })).toEqual({ ok: true, value: '10.0.0.1' });
    expect(interpolateString('${EMPTY_OK:-}', {})).toEqual({ ok: true, value: '' });
  });

  it('keeps a set-but-empty variable without a default as the empty string', () => {
    expect(interpolateString('${EMPTY}', { EMPTY: '' })).toEqual({ ok: true, value: '' });
  });

  it('treats $${ as a literal ${', () => {
    expect(interpolateString('pa$${NOT_A_VAR}ss', {})).toEqual({ ok: true, value: 'pa${NOT_A_VAR}ss' });
  });

  it('leaves a lone $ and text without references alone', () => {
    expect(interpolateString('price $5 {x}', {})).toEqual({ ok: true, value: 'price $5 {x}' });
  });

  it('names a missing variable', () => {
    const result = interpolateString('${A}-${MISSING_ONE}', { A: 'a' });
    expect(result).toEqual({ ok: false, problems: [expect.stringContaining('MISSING_ONE, which is not set')] });
  });

  it('refuses an unterminated reference and a reference that is not a variable name, without echoing the text', () => {
    expect(interpolateString('abc${UNCLOSED', {})).toEqual({ ok: false, problems: [expect.stringContaining('without a closing')] });
    const invalid = interpolateString('x${s3cr3t-part}y', {});
    expect(invalid.ok).toBe(false);
    expect(JSON.stringify(invalid)).not.toContain('s3cr3t-part');
  });

  it('does not re-interpolate a value that itself contains ${…}', () => {
    expect(interpolateString('${A}', { A: '${B}', B: 'nope' })).toEqual({ ok: true, value: '${B}' });
  });
});

describe('interpolateEnv', () => {
  it('rewrites string values only, anywhere in the tree, and leaves keys, numbers and booleans alone', () => {
    const tree = { '${KEY}': 1, list: ['${A}', 2, true, null], nested: { deep: 'x${A}' } };
    const result = interpolateEnv(tree, { A: 'alpha', KEY: 'never' });
    expect(result.unresolved).toEqual([]);
    expect(result.value).toEqual({ '${KEY}': 1, list: ['alpha', 2, true, null], nested: { deep: 'xalpha' } });
  });

  it('names the variable and the path of every value it could not resolve', () => {
    const result = interpolateEnv({ gateway: { adminToken: '${ADMIN}' }, providers: [{ settings: { password: '${PW}' } }] }, {});
    expect(result.unresolved).toEqual([
      { keys: ['gateway', 'adminToken'], problems: [expect.stringContaining('ADMIN')] },
      { keys: ['providers', 0, 'settings', 'password'], problems: [expect.stringContaining('PW')] },
    ]);
  });

  it('cannot inject structure: a value with YAML syntax stays one string', () => {
    const text = 'gateway:\n  adminToken: ${INJECT}\n';
    const injected = 'x\nextra: true\nproviders: []';
    const result = parseConfigText(text, 'yaml', { INJECT: injected });
    // The schema sees one string (with line breaks) at gateway.adminToken — never a new key.
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.path)).not.toContain('extra');
    expect(result.issues).toContainEqual({ path: 'gateway.adminToken', reason: 'must not contain whitespace' });
    expect(JSON.stringify(result.issues)).not.toContain('extra: true');
  });
});

describe('interpolation in a configuration file', () => {
  const file = [
    'providers:',
    '  - type: figensoft',
    '    settings:',
    '      accounts:',
    '        - username: rota-notify',
    '          password: ${FIGENSOFT_PASSWORD}',
    '          smsIysMessageType: NOTIFICATION',
    '          senderList: [ROTA]',
    'gateway:',
    '  listen: { port: "${PORT:-8081}" }',
    '  apiKeys:',
    '    - { name: svc, key: "${ROTA_API_KEY}" }',
    '  adminToken: $${literal-admin-token-0123}',
    '',
  ].join('\n');

  it('resolves variables, defaults and escapes', () => {
    const result = parseConfigText(file, 'yaml', { FIGENSOFT_PASSWORD: 'pw-from-env', ROTA_API_KEY: 'key-from-env-0123456789' });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.config.providers[0]!.settings).toMatchObject({ accounts: [{ password: 'pw-from-env' }] });
    expect(result.config.gateway.listen.port).toBe(8081);
    expect(result.config.gateway.apiKeys[0]!.key).toBe('key-from-env-0123456789');
    expect(result.config.gateway.adminToken).toBe('${literal-admin-token-0123}');
  });

  it('reports each missing variable with its path, and no other issue for that value', () => {
    const result = parseConfigText(file, 'yaml', {});
    expect(result).toEqual({
      ok: false,
      issues: [
        { path: 'providers.0.settings.accounts.0.password', reason: expect.stringContaining('FIGENSOFT_PASSWORD') },
        { path: 'gateway.apiKeys.0.key', reason: expect.stringContaining('ROTA_API_KEY') },
      ],
    });
  });

  it('reports missing variables together with schema problems elsewhere', () => {
    const result = parseConfigText(file.replace('NOTIFICATION', 'PROMO'), 'yaml', { ROTA_API_KEY: 'key-from-env-0123456789' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.path)).toEqual(['providers.0.settings.accounts.0.password', 'providers.0.settings.accounts.0.smsIysMessageType']);
  });
});
