import { MobildevConfigSchema } from './mobildev-config.js';

const notify = {
  companyCode: '01234',
  username: 'acme-otp',
  password: 'md-secret-1',
  senderList: ['ACME', 'ACMEOTP'],
  smsIysMessageType: 'NOTIFICATION',
} as const;
const campaign = { ...notify, username: 'acme-ads', password: 'md-secret-2', senderList: ['ACME'], encoding: 'GSM7', smsIysMessageType: 'CAMPAIGN' } as const;

function issues(input: unknown): string[] {
  const result = MobildevConfigSchema.safeParse(input);
  if (result.success) throw new Error('expected the configuration to be refused');
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('MobildevConfigSchema', () => {
  it('accepts one account per IYS type with the connector fields; encoding defaults to UTF-8', () => {
    expect(MobildevConfigSchema.parse({ accounts: [notify, campaign] })).toEqual({
      accounts: [{ ...notify, encoding: 'UTF-8' }, campaign],
    });
  });

  it('accepts a simulate block', () => {
    expect(MobildevConfigSchema.parse({ accounts: [notify], simulate: { failRate: 0.5 } }).simulate).toEqual({
      latencyMs: 20,
      failRate: 0.5,
      failKind: 'provider-unavailable',
    });
  });

  it.each([
    ['no accounts', { accounts: [] }, 'accounts: must list at least one Mobildev account'],
    ['companyCode as a number', { accounts: [{ ...notify, companyCode: 1234 }] }, 'accounts.0.companyCode: must be a string (quote it'],
    ['companyCode missing', { accounts: [{ ...notify, companyCode: undefined }] }, 'accounts.0.companyCode: is required'],
    ['blank companyCode', { accounts: [{ ...notify, companyCode: '  ' }] }, 'accounts.0.companyCode: must not be empty'],
    ['password missing', { accounts: [{ ...notify, password: undefined }] }, 'accounts.0.password: is required (a string)'],
    ['an empty senderList', { accounts: [{ ...notify, senderList: [] }] }, 'accounts.0.senderList: must list at least one sender ID'],
    ['an invalid sender', { accounts: [{ ...notify, senderList: ['ACME', 'AB'] }] }, 'accounts.0.senderList.1: must be at least 3 characters'],
    ['an unknown encoding', { accounts: [{ ...notify, encoding: 'latin1' }] }, 'accounts.0.encoding: must be "UTF-8" or "GSM7"'],
    ['no IYS type', { accounts: [{ ...notify, smsIysMessageType: undefined }] }, 'accounts.0.smsIysMessageType:'],
    ['two accounts for one IYS type', { accounts: [notify, { ...campaign, smsIysMessageType: 'NOTIFICATION' }] }, 'accounts.1.smsIysMessageType: IYS type NOTIFICATION is already served by accounts.0'],
    ['an unknown field', { accounts: [{ ...notify, sender: 'ACME' }] }, 'accounts.0: Unrecognized key: "sender"'],
    ['an unknown simulate field', { accounts: [notify], simulate: { latency: 5 } }, 'simulate: Unrecognized key: "latency"'],
  ])('refuses %s, naming the field', (_what, input, expected) => {
    expect(issues(input)).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });

  it('never repeats a secret in its issues', () => {
    const result = MobildevConfigSchema.safeParse({ accounts: [{ ...notify, companyCode: 5, senderList: 'ACME' }] });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error)).not.toContain(notify.password);
  });
});
