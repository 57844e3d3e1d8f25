import { InfobipConfigSchema } from './infobip-config.js';

const account = { apiKey: 'ib-secret-key-1', from: 'ACME', baseUrl: 'https://abc123.api.infobip.com' };

function issues(input: unknown): string[] {
  const result = InfobipConfigSchema.safeParse(input);
  if (result.success) throw new Error('expected the configuration to be refused');
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('InfobipConfigSchema', () => {
  it('accepts the connector fields; an account serves NOTIFICATION unless told otherwise', () => {
    expect(InfobipConfigSchema.parse({ accounts: [account] })).toEqual({ accounts: [{ ...account, iysTypes: ['NOTIFICATION'] }] });
  });

  it('drops trailing slashes from baseUrl and allows plain http on loopback only', () => {
    const parsed = InfobipConfigSchema.parse({
      accounts: [
        { ...account, baseUrl: 'https://abc123.api.infobip.com/' },
        { ...account, from: 'LOCAL', baseUrl: 'http://127.0.0.1:4010/', iysTypes: ['NOTIFICATION', 'CAMPAIGN'] },
        { ...account, from: 'LOCAL6', baseUrl: 'http://[::1]:4010' },
        { ...account, from: 'LOCALHOST', baseUrl: 'http://localhost:4010' },
      ],
    });
    expect(parsed.accounts.map((a) => a.baseUrl)).toEqual([
      'https://abc123.api.infobip.com',
      'http://127.0.0.1:4010',
      'http://[::1]:4010',
      'http://localhost:4010',
    ]);
  });

  it.each([
    ['no accounts', { accounts: [] }, 'accounts: must list at least one Infobip account'],
    ['apiKey missing', { accounts: [{ from: 'ACME', baseUrl: account.baseUrl }] }, 'accounts.0.apiKey: is required (a string)'],
    ['an empty apiKey', { accounts: [{ ...account, apiKey: '' }] }, 'accounts.0.apiKey: must not be empty'],
    ['an invalid from', { accounts: [{ ...account, from: 'AB' }] }, 'accounts.0.from: must be at least 3 characters'],
    ['baseUrl missing', { accounts: [{ ...account, baseUrl: undefined }] }, 'accounts.0.baseUrl: is required'],
    ['a relative baseUrl', { accounts: [{ ...account, baseUrl: 'abc123.api.infobip.com' }] }, 'accounts.0.baseUrl: must be a valid absolute URL'],
    ['plain http off loopback', { accounts: [{ ...account, baseUrl: 'http://abc123.api.infobip.com' }] }, 'accounts.0.baseUrl: must use https'],
    ['another scheme', { accounts: [{ ...account, baseUrl: 'ftp://abc123.api.infobip.com' }] }, 'accounts.0.baseUrl: must be an https URL'],
    ['credentials in baseUrl', { accounts: [{ ...account, baseUrl: 'https://u:p@abc123.api.infobip.com' }] }, 'accounts.0.baseUrl: must not contain credentials'],
    ['a query in baseUrl', { accounts: [{ ...account, baseUrl: 'https://abc123.api.infobip.com?x=1' }] }, 'accounts.0.baseUrl: must not have a query or fragment'],
    ['an IYS type twice', { accounts: [{ ...account, iysTypes: ['CAMPAIGN', 'CAMPAIGN'] }] }, 'accounts.0.iysTypes: must not list an IYS type twice'],
    [
      'two accounts for the same sender and IYS type',
      { accounts: [account, { ...account, apiKey: 'ib-secret-key-2' }] },
      'accounts.1.iysTypes: sender "ACME" already serves NOTIFICATION in accounts.0',
    ],
    ['an unknown field', { accounts: [{ ...account, to: 'x' }] }, 'accounts.0: Unrecognized key: "to"'],
    ['a negative simulated latency', { accounts: [account], simulate: { latencyMs: -5 } }, 'simulate.latencyMs: must not be negative'],
  ])('refuses %s, naming the field', (_what, input, expected) => {
    expect(issues(input)).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });

  it('never repeats a secret or a URL with credentials in its issues', () => {
    const result = InfobipConfigSchema.safeParse({ accounts: [{ ...account, from: 'x', baseUrl: 'http://user:ib-url-secret@example.com' }] });
    expect(result.success).toBe(false);
    const text = JSON.stringify(result.error);
    expect(text).not.toContain(account.apiKey);
    expect(text).not.toContain('ib-url-secret');
  });
});
