import { FigenSoftCredentials, redactPassword } from '../src/figensoft-credentials.js';

describe('redactPassword: FigenSoft text that echoes the request', () => {
  const password = "Sup3r\"Secr\\et/pw şifre (it's)~*";
  const credentials = new FigenSoftCredentials('u-notify', password);

  it.each([
    ['as it is', password],
    ['as a JSON string', JSON.stringify(password).slice(1, -1)],
    ['as JSON with \\u escapes and \\/', JSON.stringify(password).slice(1, -1).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replaceAll('/', '\\/')],
    ['percent-encoded', encodeURIComponent(password)],
    ['percent-encoded, lower-case hex', encodeURIComponent(password).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase())],
    ['as a form body', encodeURIComponent(password).replaceAll('%20', '+')],
    ['as URLSearchParams writes it', new URLSearchParams([['p', password]]).toString().slice(2)],
    ["as PHP's rawurlencode writes it", encodeURIComponent(password).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)],
    ['XML-escaped', password.replaceAll('&', '&amp;').replaceAll('"', '&quot;')],
  ])('takes the password out %s', (_how, echoed) => {
    const text = `invalid request body={"Username":"u-notify","Password":"${echoed}"} (1040)`;
    const redacted = redactPassword(credentials, text);
    expect(redacted).toBe('invalid request body={"Username":"u-notify","Password":"[redacted]"} (1040)');
  });

  it('leaves text that does not quote it alone', () => {
    expect(redactPassword(credentials, 'originator not allowed')).toBe('originator not allowed');
  });
});
