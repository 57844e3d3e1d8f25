import { DeliveryReasonSchema, DeliveryStateSchema, ProviderError } from '@rota/provider';
import {
  BODY_STATUS_CODES,
  bodyStatusError,
  bodyStatusRow,
  httpStatusRow,
  SMS_STATUS_CODES,
  smsStatusRow,
  TRANSPORT_FAILURES,
  transportError,
} from '../src/figensoft-codes.js';
import { FigenSoftTransportError, type FigenSoftTransportErrorFields, type TransportFailure } from '../src/figensoft-transport-error.js';

const transport = (fields: Partial<FigenSoftTransportErrorFields> & { failure: TransportFailure }) =>
  new FigenSoftTransportError('FigenSoft Send_1_N at https://x/api_json: failed', { endpoint: 'send1N', requestWritten: false, ...fields });

describe('body StatusCode table', () => {
  it.each([
    [200, 'accepted', 'none'],
    [500, 'provider-unavailable', 'account'],
    [1030, 'provider-unavailable', 'account'],
    [1040, 'provider-unavailable', 'account'],
    [1050, 'provider-unavailable', 'provider'],
    [1060, 'provider-unavailable', 'ours'],
    [1063, 'provider-unavailable', 'ours'],
    [1064, 'provider-unavailable', 'ours'],
    [1070, 'provider-unavailable', 'ours'],
    [1090, 'provider-unavailable', 'ours'],
  ])('%i → %s (%s side)', (code, outcome, side) => {
    expect(bodyStatusRow(code)).toMatchObject({ outcome, side });
  });

  it('never blames the message for a request we built wrong', () => {
    for (const row of BODY_STATUS_CODES.values()) {
      if (row.side === 'ours') expect(row.outcome).not.toBe('message-rejected');
    }
  });

  it.each([400, 1020, 1061, 2060, 4242])('unknown or meaningless code %i → provider-unavailable carrying the code', (code) => {
    const error = bodyStatusError(code, '', 'ctx');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.kind).toBe('provider-unavailable');
    expect(error.code).toBe(String(code));
    expect(error.message).toContain(`StatusCode ${code}`);
  });

  it('builds a message naming the code, the meaning, the side and what FigenSoft said', () => {
    const error = bodyStatusError(500, 'Invalid username or password', 'FigenSoft account figensoft-campaign ("bob") send');
    expect(error.message).toBe(
      'FigenSoft account figensoft-campaign ("bob") send: FigenSoft StatusCode 500: wrong username or password ("Invalid username or password") [account side]',
    );
    expect(error.kind).toBe('provider-unavailable');
  });
});

describe('transport failure table', () => {
  it.each<[TransportFailure, string]>([
    ['connection-refused', 'retryable'],
    ['dns-failure', 'retryable'],
    ['connect-timeout', 'retryable'],
    ['connect-failed', 'retryable'],
    ['aborted-before-write', 'retryable'],
    ['tls-failure', 'provider-unavailable'],
    ['aborted-after-write', 'outcome-unknown'],
    ['reset-after-write', 'outcome-unknown'],
    ['garbled-response', 'outcome-unknown'],
  ])('%s → %s', (failure, kind) => {
    expect(TRANSPORT_FAILURES[failure as Exclude<TransportFailure, 'http-status'>].kind).toBe(kind);
    expect(transportError(transport({ failure }), 'ctx').kind).toBe(kind);
  });

  it('nothing written is never outcome-unknown; something written is never retryable unless the server refused it', () => {
    for (const [failure, row] of Object.entries(TRANSPORT_FAILURES)) {
      if (failure.endsWith('-before-write') || failure.startsWith('connect') || failure === 'dns-failure') expect(row.kind).not.toBe('outcome-unknown');
      if (failure.endsWith('-after-write') || failure === 'garbled-response') expect(row.kind).toBe('outcome-unknown');
    }
  });

  it.each([
    [408, 'retryable'],
    [429, 'retryable'],
    [503, 'retryable'],
    [504, 'outcome-unknown'],
    [500, 'provider-unavailable'],
    [502, 'provider-unavailable'],
    [400, 'provider-unavailable'],
    [404, 'provider-unavailable'],
    [302, 'provider-unavailable'],
  ])('HTTP %i → %s', (status, kind) => {
    expect(httpStatusRow(status).kind).toBe(kind);
  });

  it('keeps Retry-After for retryable answers and codes the HTTP status apart from body codes', () => {
    const error = transportError(transport({ failure: 'http-status', httpStatus: 429, retryAfterMs: 7_000, requestWritten: true }), 'ctx');
    expect(error).toMatchObject({ kind: 'retryable', code: 'HTTP_429', retryAfterMs: 7_000 });
    const unavailable = transportError(transport({ failure: 'http-status', httpStatus: 500, retryAfterMs: 7_000, requestWritten: true }), 'ctx');
    expect(unavailable).toMatchObject({ kind: 'provider-unavailable', code: 'HTTP_500', retryAfterMs: undefined });
  });

  it('codes aborts as "aborted" and socket failures by their socket code', () => {
    expect(transportError(transport({ failure: 'aborted-after-write', requestWritten: true }), 'ctx')).toMatchObject({ kind: 'outcome-unknown', code: 'aborted' });
    expect(transportError(transport({ failure: 'aborted-before-write' }), 'ctx')).toMatchObject({ kind: 'retryable', code: 'aborted' });
    expect(transportError(transport({ failure: 'connection-refused', errorCode: 'ECONNREFUSED' }), 'ctx').code).toBe('ECONNREFUSED');
    expect(transportError(transport({ failure: 'garbled-response', requestWritten: true }), 'ctx').code).toBe('garbled-response');
  });

  it('attaches the transport error, whose own cause is only a name and a code', () => {
    const inner = transport({ failure: 'reset-after-write', requestWritten: true, cause: { name: 'SocketError', code: 'UND_ERR_SOCKET' } });
    const error = transportError(inner, 'ctx');
    expect(error.cause).toBe(inner);
    expect(inner.cause).toEqual({ name: 'SocketError', code: 'UND_ERR_SOCKET' });
  });
});

describe('SmsStatus table', () => {
  it.each([
    ['110', 'queued', undefined, false],
    ['120', 'queued', undefined, false],
    ['200', 'sending', undefined, false],
    ['300', 'sent', undefined, false],
    ['400', 'delivered', undefined, true],
    ['402', 'undelivered', 'expired', true],
    ['403', 'undelivered', 'invalid-number', true],
    ['404', 'undelivered', 'network-error', true],
    ['409', 'undelivered', 'handset-error', true],
    ['414', 'undelivered', 'handset-error', true],
    ['421', 'undelivered', 'iys-error', true],
    ['422', 'undelivered', 'iys-error', true],
    ['423', 'undelivered', 'iys-error', true],
    ['424', 'rejected', 'iys-consent-missing', true],
    ['425', 'undelivered', 'invalid-number', true],
    ['426', 'undelivered', 'iys-error', true],
    ['-201', 'rejected', 'invalid-number', true],
    ['-202', 'rejected', 'duplicate', true],
    ['-205', 'rejected', 'too-long', true],
    ['-208', 'rejected', 'insufficient-credit', true],
    ['-220', 'rejected', 'insufficient-credit', true],
    ['-241', 'rejected', 'opted-out', true],
    ['-242', 'rejected', 'opted-out', true],
    ['-243', 'rejected', 'iys-consent-missing', true],
    ['-262', 'rejected', 'sender-not-allowed', true],
    ['-441', 'rejected', 'sender-not-allowed', true],
    ['-263', 'rejected', 'content-rejected', true],
    ['-447', 'rejected', 'too-long', true],
    ['', 'unknown', 'not-found', false],
    ['999', 'unknown', 'unknown', false],
    ['-999', 'unknown', 'unknown', false],
  ])('%j → %s / %s / final %s', (code, state, reason, final) => {
    const row = smsStatusRow(code);
    expect(row.state).toBe(state);
    expect(row.reason).toBe(reason);
    expect(row.final).toBe(final);
  });

  it('covers every code of 402–414 as not delivered and final, except 410 (unknown)', () => {
    for (let code = 402; code <= 414; code++) {
      const row = smsStatusRow(String(code));
      if (code === 410) expect(row).toMatchObject({ state: 'unknown', final: 'as-reported' });
      else expect(row).toMatchObject({ state: 'undelivered', final: true });
    }
    expect(smsStatusRow('420')).toMatchObject({ state: 'unknown', final: 'as-reported' });
  });

  it('uses only the shared delivery vocabulary', () => {
    for (const row of SMS_STATUS_CODES.values()) {
      expect(DeliveryStateSchema.safeParse(row.state).success).toBe(true);
      if (row.reason !== undefined) expect(DeliveryReasonSchema.safeParse(row.reason).success).toBe(true);
    }
  });
});
