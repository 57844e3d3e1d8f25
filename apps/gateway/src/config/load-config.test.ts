import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, parseConfigText } from './load-config.js';
import { baseConfig, SECRETS, secretsIn } from './test-fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rota-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const validYaml = [
  'providers:',
  '  - type: figensoft',
  '    settings:',
  '      accounts:',
  '        - username: rota-notify',
  `          password: ${SECRETS.notifyPassword}`,
  '          smsIysMessageType: NOTIFICATION',
  '          senderList: [ROTA]',
  'gateway:',
  '  apiKeys: [{ name: svc, key: "${ROTA_API_KEY}" }]',
  `  adminToken: ${SECRETS.adminToken}`,
  '',
].join('\n');

describe('parseConfigText', () => {
  it('reads YAML and JSON alike', () => {
    const fromYaml = parseConfigText(validYaml, 'yaml', { ROTA_API_KEY: SECRETS.apiKey });
    const fromJson = parseConfigText(JSON.stringify(baseConfig()), 'json', {});
    expect(fromYaml.ok).toBe(true);
    expect(fromJson.ok).toBe(true);
  });

  it('gives the line and column of a YAML syntax error, without quoting the file', () => {
    const broken = validYaml.replace(`  adminToken: ${SECRETS.adminToken}`, `  adminToken: "${SECRETS.adminToken}`);
    const result = parseConfigText(broken, 'yaml', {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    // The quote opens on line 11; the parser notices at the end of the file.
    expect(result.issues[0]).toMatchObject({ line: expect.any(Number), column: expect.any(Number), reason: expect.stringContaining('invalid YAML') });
    expect(result.issues[0]!.line).toBeGreaterThanOrEqual(11);
    expect(result.issues[0]!.path).toMatch(/^line \d+, column \d+$/);
    expect(secretsIn(JSON.stringify(result.issues))).toEqual([]);
  });

  it.each([
    ['an alias', '*'],
    ['an anchor (which takes the first word and keeps the rest)', '&'],
    ['a literal block header', '|'],
    ['a folded block header', '>'],
    ['a tag (which takes the first word and keeps the rest)', '!'],
    ['a reserved character', '@'],
  ])('refuses an unquoted secret that begins with %s, naming its line and saying to quote it, never repeating it', (_what, indicator) => {
    const secret = 'Xk9pQ2vLm8ZsecretPW';
    const broken = validYaml.replace(`  adminToken: ${SECRETS.adminToken}`, `  adminToken: ${indicator}${secret} tail`);
    const result = parseConfigText(broken, 'yaml', { ROTA_API_KEY: SECRETS.apiKey });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues[0]).toMatchObject({ line: 11, reason: expect.stringContaining('must be quoted') });
    expect(JSON.stringify(result.issues)).not.toContain(secret);
  });

  it('refuses a key written twice in YAML (the second would silently win)', () => {
    const result = parseConfigText(`${validYaml}gateway: {}\n`, 'yaml', { ROTA_API_KEY: SECRETS.apiKey });
    expect(result).toEqual({ ok: false, issues: [expect.objectContaining({ line: 12, column: 1, reason: expect.stringContaining('unique') })] });
  });

  it('refuses several YAML documents in one file, in words about the file (not the library\'s parseAllDocuments())', () => {
    const result = parseConfigText(`${validYaml}---\nlogging: {}\n`, 'yaml', { ROTA_API_KEY: SECRETS.apiKey });
    expect(result).toEqual({ ok: false, issues: [expect.objectContaining({ line: 12, reason: 'invalid YAML: a second document begins here (---); a configuration is one document' })] });
  });

  it('refuses a key written twice in JSON, naming it (JSON.parse kept the last without a word)', () => {
    const text = JSON.stringify({ gateway: { adminToken: 'a' } }).replace('"adminToken":"a"', `"adminToken":"${SECRETS.adminToken}","adminToken":"b"`);
    expect(parseConfigText(text, 'json', {})).toEqual({ ok: false, issues: [{ path: 'gateway.adminToken', reason: 'is written twice in one object; a key may appear once' }] });
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i += 1) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const result = parseConfigText(lines.join('\n'), 'yaml', {});
    expect(result).toEqual({ ok: false, issues: [expect.objectContaining({ reason: expect.stringContaining('invalid YAML') })] });
  });

  it('says an empty file is empty', () => {
    expect(parseConfigText('# only a comment\n', 'yaml', {})).toEqual({ ok: false, issues: [{ path: '(root)', reason: 'the configuration is empty' }] });
  });

  it.each([
    ['a trailing comma', `{\n  "gateway": {\n    "adminToken": "${SECRETS.adminToken}",\n  }\n}`, 4, 3],
    ['an unquoted value', `{\n  "gateway": {\n    "adminToken": ${SECRETS.adminToken}\n  }\n}`, 3, 19],
    ['an unterminated string', `{\n  "gateway": {\n    "adminToken": "${SECRETS.adminToken}\n  }\n}`, 3, 49],
  ])('gives the line and column of a JSON syntax error (%s), without quoting the file', (_name, text, line, column) => {
    const result = parseConfigText(text, 'json', {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([{ path: `line ${line}, column ${column}`, line, column, reason: expect.stringContaining('invalid JSON') }]);
    expect(secretsIn(JSON.stringify(result.issues))).toEqual([]);
  });

  it('says a truncated JSON file ends too early', () => {
    expect(parseConfigText('{"gateway": ', 'json', {})).toEqual({ ok: false, issues: [expect.objectContaining({ reason: 'invalid JSON: the file ends too early' })] });
  });

  it('says an empty JSON file is empty', () => {
    expect(parseConfigText(' \n', 'json', {})).toEqual({ ok: false, issues: [{ path: '(root)', reason: 'the configuration is empty' }] });
  });
});

describe('loadConfigFile', () => {
  it('picks the format from the extension', async () => {
    await writeFile(join(dir, 'rota.yml'), validYaml);
    await writeFile(join(dir, 'rota.json'), JSON.stringify({ $schema: '../docs/config.schema.json', ...baseConfig() }));
    expect((await loadConfigFile(join(dir, 'rota.yml'), { ROTA_API_KEY: SECRETS.apiKey })).ok).toBe(true);
    expect((await loadConfigFile(join(dir, 'rota.json'), {})).ok).toBe(true);
  });

  it('reads a .json file as JSON, not YAML', async () => {
    await writeFile(join(dir, 'yaml-in-disguise.json'), validYaml);
    const result = await loadConfigFile(join(dir, 'yaml-in-disguise.json'), { ROTA_API_KEY: SECRETS.apiKey });
    expect(result).toEqual({ ok: false, issues: [expect.objectContaining({ line: 1, column: 1, reason: expect.stringContaining('invalid JSON') })] });
  });

  it('names the path of a missing file', async () => {
    const missing = join(dir, 'nope.yaml');
    expect(await loadConfigFile(missing, {})).toEqual({ ok: false, issues: [{ path: '(file)', reason: `${missing}: no such file` }] });
  });

  it('refuses an extension it cannot read', async () => {
    const result = await loadConfigFile(join(dir, 'rota.toml'), {});
    expect(result).toEqual({ ok: false, issues: [{ path: '(file)', reason: expect.stringContaining('use .yaml, .yml or .json') }] });
  });

  it('reports a directory given as the file', async () => {
    await mkdir(join(dir, 'folder.yaml'));
    const result = await loadConfigFile(join(dir, 'folder.yaml'), {});
    expect(result).toEqual({ ok: false, issues: [{ path: '(file)', reason: expect.stringContaining('is a directory') }] });
  });
});
