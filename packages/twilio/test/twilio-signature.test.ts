import { createHmac } from 'node:crypto';
import { createHash } from 'node:crypto';
import { isTwilioSignature, TwilioCredentials } from '../src/index.js';
import { readStatusCallback } from '../src/twilio-reports.js';
import { ACCOUNT_SID, AUTH_TOKEN } from './fixtures.js';

// X-Twilio-Signature as twilio-python's request_validator computes it, and
// every way a push can be tampered with.

const credentials = new TwilioCredentials(ACCOUNT_SID, AUTH_TOKEN);
const URL_CALLED = 'https://rota.example/v1/providers/twilio/reports?ref=abc';
const params: [string, string][] = [
  ['MessageSid', 'SM0123'],
  ['SmsSid', 'SM0123'],
  ['AccountSid', ACCOUNT_SID],
  ['From', 'ROTA'],
  ['To', '+905321112233'],
  ['MessageStatus', 'undelivered'],
  ['SmsStatus', 'undelivered'],
  ['ErrorCode', '30003'],
  ['ApiVersion', '2010-04-01'],
];
const body = Buffer.from(new URLSearchParams(params).toString());

/** Computed here from the description, not with the package's code. */
function sign(url: string, pairs: [string, string][], token = AUTH_TOKEN): string {
  const data = url + [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => k + v).join('');
  return createHmac('sha1', token).update(data).digest('base64');
}

describe('isTwilioSignature', () => {
  it('accepts the signature over the full URL and the sorted params', () => {
    expect(isTwilioSignature(credentials, URL_CALLED, body, sign(URL_CALLED, params))).toBe(true);
  });

  it('accepts it with the default port added or dropped, as Twilio\'s validators do', () => {
    expect(isTwilioSignature(credentials, 'https://rota.example:443/v1/providers/twilio/reports?ref=abc', body, sign(URL_CALLED, params))).toBe(true);
    expect(isTwilioSignature(credentials, URL_CALLED, body, sign('https://rota.example:443/v1/providers/twilio/reports?ref=abc', params))).toBe(true);
  });

  it.each<[string, () => [string, Buffer, string]]>([
    ['another URL (path)', () => ['https://rota.example/v1/providers/other/reports?ref=abc', body, sign(URL_CALLED, params)]],
    ['another query', () => ['https://rota.example/v1/providers/twilio/reports?ref=abd', body, sign(URL_CALLED, params)]],
    ['another scheme', () => ['http://rota.example/v1/providers/twilio/reports?ref=abc', body, sign(URL_CALLED, params)]],
    ['a changed status', () => [URL_CALLED, Buffer.from(body.toString().replace('undelivered', 'delivered')), sign(URL_CALLED, params)]],
    ['an added param', () => [URL_CALLED, Buffer.concat([body, Buffer.from('&Extra=1')]), sign(URL_CALLED, params)]],
    ['another auth token', () => [URL_CALLED, body, sign(URL_CALLED, params, 'someone-elses-token')]],
    ['a signature that is not base64 of 20 bytes', () => [URL_CALLED, body, 'bm90LWEtc2lnbmF0dXJl']],
    ['an empty signature', () => [URL_CALLED, body, '']],
  ])('refuses %s', (_name, make) => {
    const [url, tampered, signature] = make();
    expect(isTwilioSignature(credentials, url, tampered, signature)).toBe(false);
  });

  it('signs a JSON body through bodySHA256 in the URL', () => {
    const json = Buffer.from('{"MessageSid":"SM1"}');
    const url = `https://rota.example/hook?bodySHA256=${createHash('sha256').update(json).digest('hex')}`;
    expect(isTwilioSignature(credentials, url, json, sign(url, []))).toBe(true);
    expect(isTwilioSignature(credentials, url, Buffer.from('{"MessageSid":"SM2"}'), sign(url, []))).toBe(false);
  });
});

describe('readStatusCallback', () => {
  it('reads a signed callback as a delivery report', () => {
    expect(readStatusCallback({ url: URL_CALLED, headers: { 'x-twilio-signature': sign(URL_CALLED, params) }, body }, credentials)).toEqual({
      ok: true,
      reports: [{ providerMessageId: 'SM0123', state: 'undelivered', reason: 'handset-error', final: true, providerCode: 'undelivered/30003', to: '+905321112233' }],
    });
  });

  it('refuses an unsigned or wrongly signed push with 401, and a signed one without a sid with 400', () => {
    expect(readStatusCallback({ url: URL_CALLED, headers: {}, body }, credentials)).toMatchObject({ ok: false, status: 401 });
    expect(readStatusCallback({ url: URL_CALLED, headers: { 'x-twilio-signature': sign(URL_CALLED, params, 'x') }, body }, credentials)).toMatchObject({ ok: false, status: 401 });
    const empty = Buffer.from('Foo=bar');
    expect(readStatusCallback({ url: URL_CALLED, headers: { 'x-twilio-signature': sign(URL_CALLED, [['Foo', 'bar']]) }, body: empty }, credentials)).toMatchObject({ ok: false, status: 400 });
  });
});
