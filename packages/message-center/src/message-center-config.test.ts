import { MessageCenterConfigSchema } from './message-center-config.js';

const account = { username: 'acme', password: 'mc-secret-1', sender: 'ACME' };

function issues(input: unknown): string[] {
  const result = MessageCenterConfigSchema.safeParse(input);
  if (result.success) throw new Error('expected the configuration to be refused');
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('MessageCenterConfigSchema', () => {
  it('accepts the connector fields and lets one account serve both IYS types by default', () => {
    expect(MessageCenterConfigSchema.parse({ accounts: [account] })).toEqual({
      accounts: [{ ...account, iysTypes: ['NOTIFICATION', 'CAMPAIGN'] }],
    });
  });

  it('accepts accounts kept to one IYS type, and a simulate block with defaults', () => {
    const parsed = MessageCenterConfigSchema.parse({
      accounts: [
        { ...account, iysTypes: ['NOTIFICATION'] },
        { ...account, username: 'acme-ads', iysTypes: ['CAMPAIGN'] },
      ],
      simulate: {},
    });
    expect(parsed.accounts.map((a) => a.iysTypes)).toEqual([['NOTIFICATION'], ['CAMPAIGN']]);
    expect(parsed.simulate).toEqual({ latencyMs: 20, failRate: 0, failKind: 'provider-unavailable' });
  });

  it.each([
    ['no accounts', { accounts: [] }, 'accounts: must list at least one Message Center account'],
    ['accounts missing', {}, 'accounts: is required (a list of Message Center accounts)'],
    ['password missing', { accounts: [{ username: 'acme', sender: 'ACME' }] }, 'accounts.0.password: is required (a string)'],
    ['empty username', { accounts: [{ ...account, username: '' }] }, 'accounts.0.username: must not be empty'],
    ['sender too long', { accounts: [{ ...account, sender: 'ACMEACMEACME' }] }, 'accounts.0.sender: must be at most 11 characters'],
    ['Turkish letters in the sender', { accounts: [{ ...account, sender: 'ŞİRKET' }] }, 'accounts.0.sender: must not contain Turkish letters'],
    ['a sender list instead of one sender', { accounts: [{ ...account, sender: ['ACME'] }] }, 'accounts.0.sender: Invalid input: expected string'],
    ['no IYS types', { accounts: [{ ...account, iysTypes: [] }] }, 'accounts.0.iysTypes: must list at least one IYS type'],
    ['an unknown IYS type', { accounts: [{ ...account, iysTypes: ['PROMO'] }] }, 'accounts.0.iysTypes.0: Invalid option'],
    ['an unknown field', { accounts: [{ ...account, senderList: ['ACME'] }] }, 'accounts.0: Unrecognized key: "senderList"'],
    [
      'two accounts for the same sender and IYS type',
      { accounts: [account, { ...account, username: 'other', iysTypes: ['CAMPAIGN'] }] },
      'accounts.1.iysTypes: sender "ACME" already serves CAMPAIGN in accounts.0',
    ],
    ['simulate out of range', { accounts: [account], simulate: { failRate: 2 } }, 'simulate.failRate: must be between 0 and 1'],
  ])('refuses %s, naming the field', (_what, input, expected) => {
    expect(issues(input)).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });

  it('never repeats a secret in its issues', () => {
    const result = MessageCenterConfigSchema.safeParse({ accounts: [{ ...account, sender: 'x', iysTypes: 'all' }] });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error)).not.toContain(account.password);
  });
});
