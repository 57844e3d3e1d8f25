import { TwilioConfigSchema } from './twilio-config.js';

const config = { accountSid: `AC${'0123456789abcdef'.repeat(2)}`, authToken: 'tw-secret-token', fromAddresses: ['ACME', 'ACME OTP'] };

function issues(input: unknown): string[] {
  const result = TwilioConfigSchema.safeParse(input);
  if (result.success) throw new Error('expected the configuration to be refused');
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('TwilioConfigSchema', () => {
  it('accepts the connector fields', () => {
    expect(TwilioConfigSchema.parse(config)).toEqual(config);
  });

  it('accepts an empty fromAddresses: a configured but inactive connector', () => {
    expect(TwilioConfigSchema.parse({ ...config, fromAddresses: [] }).fromAddresses).toEqual([]);
  });

  it.each([
    ['accountSid missing', { ...config, accountSid: undefined }, 'accountSid: is required'],
    ['an accountSid without AC', { ...config, accountSid: `SK${'0'.repeat(32)}` }, 'accountSid: must be "AC" followed by 32 hexadecimal characters'],
    ['a short accountSid', { ...config, accountSid: 'AC123' }, 'accountSid: must be "AC" followed by 32 hexadecimal characters'],
    ['authToken missing', { ...config, authToken: undefined }, 'authToken: is required (a string)'],
    ['an empty authToken', { ...config, authToken: '' }, 'authToken: must not be empty'],
    ['fromAddresses missing', { ...config, fromAddresses: undefined }, 'fromAddresses: is required (a list of sender IDs; empty leaves the connector inactive)'],
    ['a phone number in fromAddresses', { ...config, fromAddresses: ['ACME', '+15005550006'] }, 'fromAddresses.1: must be an alphanumeric sender ID registered with Twilio, not a phone number'],
    ['a sender with Turkish letters', { ...config, fromAddresses: ['ŞİRKET'] }, 'fromAddresses.0: must not contain Turkish letters'],
    ['an IYS setting', { ...config, iysTypes: ['CAMPAIGN'] }, ': Unrecognized key: "iysTypes"'],
    ['an unknown simulate kind', { ...config, simulate: { failKind: 'boom' } }, 'simulate.failKind: Invalid option'],
  ])('refuses %s, naming the field', (_what, input, expected) => {
    expect(issues(input)).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });

  it('never repeats the auth token in its issues', () => {
    const result = TwilioConfigSchema.safeParse({ ...config, accountSid: 'nope', fromAddresses: 'ACME' });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error)).not.toContain(config.authToken);
  });
});
