import { twilioErrorKind } from './twilio-codes.js';

describe('twilioErrorKind', () => {
  it.each([
    [{ code: 21211, httpStatus: 400 }, 'message-rejected', '21211'],
    [{ code: 21610, httpStatus: 400 }, 'message-rejected', '21610'],
    [{ code: 20003, httpStatus: 401 }, 'provider-unavailable', '20003'],
    [{ code: 20429, httpStatus: 429 }, 'retryable', '20429'],
  ])('maps the documented code %j', (answer, kind, code) => {
    expect(twilioErrorKind(answer)).toMatchObject({ kind, code });
  });

  it('falls back to the HTTP status when the code is unknown or absent', () => {
    expect(twilioErrorKind({ httpStatus: 429 })).toMatchObject({ kind: 'retryable', code: 'http-429' });
    expect(twilioErrorKind({ code: 99999, httpStatus: 503 })).toMatchObject({ kind: 'retryable', code: '99999' });
  });

  it('never retries a 5xx that may come after the message was created', () => {
    for (const httpStatus of [500, 502, 504]) expect(twilioErrorKind({ httpStatus }).kind).toBe('outcome-unknown');
  });

  it('treats an unknown error as this provider failing, never as final for the message', () => {
    expect(twilioErrorKind({ code: 12345, httpStatus: 400 })).toEqual({ kind: 'provider-unavailable', meaning: 'unknown Twilio error', code: '12345' });
  });
});
