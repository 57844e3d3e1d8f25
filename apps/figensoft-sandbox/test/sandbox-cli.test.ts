import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SANDBOX_ACCOUNTS, DEFAULT_SANDBOX_CONSENT } from '../src/index.js';
import { CLI_USAGE, exposureWarning, loadAccountsFile, parseCliArgs, runCli } from '../src/sandbox-cli.js';
import { httpRequest, json } from './http-client.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'figensoft-sandbox-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('parseCliArgs', () => {
  it('defaults to 127.0.0.1:8090 with the embedded accounts', () => {
    expect(parseCliArgs([])).toEqual({ help: false, port: 8090, host: '127.0.0.1', accountsFile: undefined, deliveryDelayMs: undefined });
  });

  it('reads every flag', () => {
    expect(parseCliArgs(['--port', '9000', '--host', '0.0.0.0', '--accounts', 'a.json', '--delivery-delay-ms', '50'])).toEqual({
      help: false,
      port: 9000,
      host: '0.0.0.0',
      accountsFile: 'a.json',
      deliveryDelayMs: 50,
    });
  });

  it('refuses a port that is not a number and an unknown flag', () => {
    expect(() => parseCliArgs(['--port', 'eighty'])).toThrow(/--port must be a whole number/);
    expect(() => parseCliArgs(['--delivery-delay-ms', 'soon'])).toThrow(/--delivery-delay-ms must be a whole number/);
    expect(() => parseCliArgs(['--verbose'])).toThrow(/verbose/);
  });
});

describe('runCli', () => {
  it('prints the usage for --help (or -h) and starts nothing', async () => {
    for (const flag of ['--help', '-h']) {
      const lines: string[] = [];
      expect(await runCli([flag], (line) => lines.push(line))).toBeUndefined();
      expect(lines).toEqual([CLI_USAGE]);
    }
  });

  it('warns of a --host other machines may reach: the admin API has no authentication', () => {
    expect(exposureWarning('0.0.0.0')).toMatch(/^warning: listening on 0\.0\.0\.0: the sandbox's admin API/);
    expect(exposureWarning('10.1.2.3')).toBeDefined();
    for (const loopback of ['127.0.0.1', '127.0.0.2', 'localhost', '::1']) expect(exposureWarning(loopback)).toBeUndefined();
  });

  it('prints exactly one line with the URL and serves the default accounts and consent', async () => {
    const lines: string[] = [];
    const sandbox = (await runCli(['--port', '0', '--delivery-delay-ms', '0'], (line) => lines.push(line)))!;
    try {
      expect(lines).toEqual([`FigenSoft sandbox listening on ${sandbox.url}`]);
      expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api_json$/);

      const campaign = DEFAULT_SANDBOX_ACCOUNTS.find((account) => account.iysType === 'CAMPAIGN')!;
      const login = { Username: campaign.username, Password: campaign.password };
      const receivers = [...DEFAULT_SANDBOX_CONSENT.approved, ...DEFAULT_SANDBOX_CONSENT.optedOut];
      const sent = json(await httpRequest(`${sandbox.url}/v1/Sms/Send_1_N`, { body: { ...login, Message: 'Kampanya', Receivers: receivers } }));
      const ids = sent.Result.map((entry: { MessageId: string }) => entry.MessageId);
      const status = json(await httpRequest(`${sandbox.url}/v1/Sms/Status`, { body: { ...login, MessageIds: ids } }));
      expect(status.Result.map((entry: { SmsStatus: string }) => entry.SmsStatus)).toEqual(['400', '400', '-241']);
      expect(sandbox.accounts().map((account) => [account.username, account.iysType, account.senders])).toEqual([
        ['rota-notify', 'NOTIFICATION', ['ROTA', 'ROTAOTP']],
        ['rota-campaign', 'CAMPAIGN', ['ROTA']],
      ]);
    } finally {
      await sandbox.close();
    }
  });

  it('uses the accounts (and consent) of an accounts file instead of the defaults', async () => {
    const file = join(dir, 'accounts.json');
    await writeFile(
      file,
      JSON.stringify({
        accounts: [{ username: 'acme', password: 'acme-pw', iysType: 'NOTIFICATION', senders: ['ACME'], credit: 10 }],
        consent: { approved: ['905000000001'] },
      }),
    );
    const sandbox = (await runCli(['--port', '0', '--accounts', file], () => undefined))!;
    try {
      expect(sandbox.accounts()).toEqual([{ username: 'acme', iysType: 'NOTIFICATION', senders: ['ACME'], credit: 10 }]);
      expect(sandbox.consent()).toEqual({ approved: ['905000000001'], optedOut: [] });
    } finally {
      await sandbox.close();
    }
  });
});

describe('loadAccountsFile', () => {
  it('accepts a bare list of accounts', async () => {
    const file = join(dir, 'list.json');
    await writeFile(file, JSON.stringify([{ username: 'a', password: 'p', iysType: 'CAMPAIGN', senders: ['A'] }]));
    expect(await loadAccountsFile(file)).toEqual({ accounts: [{ username: 'a', password: 'p', iysType: 'CAMPAIGN', senders: ['A'], credit: 1_000_000 }] });
  });

  it('names the file and the field of an invalid account, without its password', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify([{ username: 'a', password: 'very-secret', iysType: 'CAMPAIGN', senders: [] }]));
    const error = await loadAccountsFile(file).catch((caught: Error) => caught);
    expect((error as Error).message).toMatch(/bad\.json .*0\.senders: must list at least one sender/);
    expect((error as Error).message).not.toContain('very-secret');
  });

  it('names the bad field in either form of the file (before: "(root): Invalid input")', async () => {
    const account = { username: 'a', password: 'p', iysType: 'X', senders: ['ROTA'] };
    const list = join(dir, 'list-bad.json');
    await writeFile(list, JSON.stringify([account]));
    await expect(loadAccountsFile(list)).rejects.toThrow(/0\.iysType: /);
    const object = join(dir, 'object-bad.json');
    await writeFile(object, JSON.stringify({ accounts: [account] }));
    await expect(loadAccountsFile(object)).rejects.toThrow(/accounts\.0\.iysType: /);
  });

  it('refuses a file that is not JSON, and YAML files', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, '{ accounts: ');
    await expect(loadAccountsFile(file)).rejects.toThrow(/cannot read .*broken\.json as JSON/);
    await expect(loadAccountsFile(join(dir, 'accounts.yaml'))).rejects.toThrow(/not a \.json file/);
  });
});
