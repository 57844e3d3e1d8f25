import { ProviderConfigError } from '@rota/provider';
import { inspect } from 'node:util';
import { createFigenSoftProvider, FigenSoftAccountSchema, FigenSoftConfigSchema, figensoftAccountId } from '../src/index.js';

const PASSWORD_A = 'pw-alice-Zq81!';
const PASSWORD_B = 'pw-bob-Xr42?';

const alice = { username: 'alice', password: PASSWORD_A, smsIysMessageType: 'NOTIFICATION' as const, senderList: ['ROTA', 'ROTAOTP'] };
const bob = { username: 'bob', password: PASSWORD_B, smsIysMessageType: 'CAMPAIGN' as const, senderList: ['ROTA'] };

function issuesOf(input: unknown): { path: string; message: string }[] {
  const parsed = FigenSoftConfigSchema.safeParse(input);
  if (parsed.success) throw new Error('expected the configuration to be invalid');
  return parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

function expectNoPassword(text: string): void {
  expect(text).not.toContain(PASSWORD_A);
  expect(text).not.toContain(PASSWORD_B);
}

describe('FigenSoftConfigSchema', () => {
  it('accepts one account per IYS type and fills in the defaults', () => {
    const config = FigenSoftConfigSchema.parse({ accounts: [alice, bob] });
    expect(config).toEqual({
      accounts: [
        { ...alice, senderList: ['ROTA', 'ROTAOTP'], customApiActive: false },
        { ...bob, senderList: ['ROTA'], customApiActive: false },
      ],
      connections: 16,
      otpChannel: false,
    });
  });

  it('names the account index, the field and the username when a password is missing — and nothing secret', () => {
    const { password: _ignored, ...bobWithoutPassword } = bob;
    const issues = issuesOf({ accounts: [alice, bobWithoutPassword] });
    expect(issues).toEqual([{ path: 'accounts.1.password', message: 'account "bob": is required (a string)' }]);
  });

  it('refuses an empty password and an empty username', () => {
    expect(issuesOf({ accounts: [{ ...alice, password: '' }] })).toEqual([
      { path: 'accounts.0.password', message: 'account "alice": must not be empty' },
    ]);
    expect(issuesOf({ accounts: [{ ...alice, username: '' }] })).toEqual([
      { path: 'accounts.0.username', message: 'account (no username): must not be empty' },
    ]);
  });

  it('never echoes a password of the wrong type', () => {
    const issues = issuesOf({ accounts: [{ ...alice, password: 987654321 }] });
    expect(issues).toEqual([{ path: 'accounts.0.password', message: 'account "alice": must be a string (quote it)' }]);
    expect(JSON.stringify(issues)).not.toContain('987654321');
  });

  it('refuses an empty senderList, naming account and field', () => {
    expect(issuesOf({ accounts: [alice, { ...bob, senderList: [] }] })).toEqual([
      { path: 'accounts.1.senderList', message: 'account "bob": must list at least one sender ID' },
    ]);
  });

  it('refuses an invalid sender ID at its index', () => {
    const issues = issuesOf({ accounts: [{ ...alice, senderList: ['ROTA', 'ŞİRKET'] }] });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('accounts.0.senderList.1');
    expect(issues[0]!.message).toMatch(/^account "alice": .*Turkish letters/);
  });

  it('refuses two accounts with the same IYS type, naming both and no password', () => {
    const issues = issuesOf({ accounts: [bob, { ...alice, smsIysMessageType: 'CAMPAIGN' }] });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('accounts.1.smsIysMessageType');
    expect(issues[0]!.message).toContain('account "alice"');
    expect(issues[0]!.message).toContain('account "bob" (accounts.0)');
    expect(issues[0]!.message).toContain('CAMPAIGN');
    expectNoPassword(JSON.stringify(issues));
  });

  it('refuses an unknown IYS type and unknown fields', () => {
    const issues = issuesOf({ accounts: [{ ...alice, smsIysMessageType: 'PROMO', sender: 'X' }] });
    expect(issues.map((i) => i.path).sort()).toEqual(['accounts.0', 'accounts.0.smsIysMessageType']);
    expect(issues.every((i) => i.message.startsWith('account "alice": '))).toBe(true);
  });

  it('needs at least one account', () => {
    expect(issuesOf({ accounts: [] })).toEqual([{ path: 'accounts', message: 'must list at least one FigenSoft account' }]);
    expect(issuesOf({}).map((i) => i.path)).toEqual(['accounts']);
  });

  describe('customApiUrl', () => {
    const custom = (customApiUrl: string | undefined) => ({ accounts: [{ ...alice, customApiActive: true, customApiUrl }] });

    it('is required when customApiActive is true', () => {
      expect(issuesOf(custom(undefined))).toEqual([
        { path: 'accounts.0.customApiUrl', message: 'account "alice": is required when customApiActive is true' },
      ]);
    });

    it('must be a valid URL', () => {
      expect(issuesOf(custom('not a url'))).toEqual([
        { path: 'accounts.0.customApiUrl', message: 'account "alice": must be a valid absolute URL' },
      ]);
    });

    it('must be https unless the host is loopback', () => {
      expect(issuesOf(custom('http://sms.example.com/api_json'))[0]!.message).toContain('must use https');
      for (const ok of ['https://sms.example.com/api_json', 'http://127.0.0.1:8080/api_json', 'http://127.9.8.7/api_json', 'http://localhost:1/api_json', 'http://[::1]:9/api_json']) {
        expect(FigenSoftConfigSchema.safeParse(custom(ok)).success).toBe(true);
      }
      expect(issuesOf(custom('ftp://127.0.0.1/api_json'))[0]!.message).toContain('https');
    });

    it('must not carry credentials, and the message does not echo them', () => {
      const issues = issuesOf(custom(`https://alice:${PASSWORD_A}@sms.example.com/api_json`));
      expect(issues[0]!.message).toContain('must not contain credentials');
      expectNoPassword(JSON.stringify(issues));
    });

    it('must not have a query or fragment, which the client would silently drop (the same rule as every provider URL)', () => {
      expect(issuesOf(custom('https://sms.example.com/api_json?tenant=acme'))).toEqual([
        { path: 'accounts.0.customApiUrl', message: 'account "alice": must not have a query or fragment (API paths are appended to it)' },
      ]);
      expect(issuesOf({ accounts: [alice], otpBaseUrl: 'https://otp.example.com/api_json#x' })).toEqual([
        { path: 'otpBaseUrl', message: 'must not have a query or fragment (API paths are appended to it)' },
      ]);
    });

    it('is ignored while customApiActive is false', () => {
      expect(FigenSoftConfigSchema.safeParse({ accounts: [{ ...alice, customApiUrl: 'not a url' }] }).success).toBe(true);
    });
  });

  it('checks the transport settings', () => {
    expect(issuesOf({ accounts: [alice], connections: 0 }).map((i) => i.path)).toEqual(['connections']);
    expect(issuesOf({ accounts: [alice], otpBaseUrl: 'http://otp.example.com' }).map((i) => i.path)).toEqual(['otpBaseUrl']);
    expect(FigenSoftConfigSchema.parse({ accounts: [alice], otpChannel: true, otpBaseUrl: 'https://otpsms.postaguvercini.com/api_json' })).toMatchObject({
      otpChannel: true,
      otpBaseUrl: 'https://otpsms.postaguvercini.com/api_json',
    });
  });

  it('validates a single account on its own', () => {
    expect(FigenSoftAccountSchema.safeParse(alice).success).toBe(true);
    expect(FigenSoftAccountSchema.safeParse({ ...alice, senderList: [] }).success).toBe(false);
  });
});

describe('account ids', () => {
  it('derive from the IYS type, so rotating the username keeps the id', () => {
    expect(figensoftAccountId('NOTIFICATION')).toBe('figensoft-notification');
    expect(figensoftAccountId('CAMPAIGN')).toBe('figensoft-campaign');
    const before = createFigenSoftProvider({ accounts: [alice, bob] });
    const after = createFigenSoftProvider({ accounts: [{ ...alice, username: 'alice-2024', password: 'rotated' }, bob] });
    expect(after.accountIds).toEqual(before.accountIds);
    expect(before.accountIds).toEqual(['figensoft-notification', 'figensoft-campaign']);
    return Promise.all([before.close(), after.close()]);
  });
});

describe('createFigenSoftProvider with a bad configuration', () => {
  it('throws a ProviderConfigError naming every field, without the passwords', () => {
    let caught: unknown;
    try {
      createFigenSoftProvider({ accounts: [{ ...alice, senderList: [] }, { ...bob, smsIysMessageType: 'NOTIFICATION' as const }] });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProviderConfigError);
    const error = caught as ProviderConfigError;
    expect(error.issues.map((i) => i.path)).toEqual(['accounts.0.senderList', 'accounts.1.smsIysMessageType']);
    expect(error.message).toContain('accounts.0.senderList: account "alice": must list at least one sender ID');
    expectNoPassword(`${error.message} ${error.stack} ${JSON.stringify(error)} ${inspect(error, { depth: 10 })}`);
  });

  it('reports a duplicate IYS type', () => {
    expect(() => createFigenSoftProvider({ accounts: [alice, { ...bob, smsIysMessageType: 'NOTIFICATION' as const }] })).toThrow(
      /accounts\.1\.smsIysMessageType: account "bob": IYS type NOTIFICATION is already served by account "alice"/,
    );
  });
});
