import { ProviderError } from '@rota/provider';
import { WireTransportError, type TransportFailure } from '@rota/provider/http';
import { HTTP_STATUS_CODES, httpStatusRow, MESSAGE_STATUSES, messageStatusRow, ORDER_NOT_FOUND, ORDER_NOT_STARTED, ORDER_STATUSES, STATUS_CODES, statusCodeError, statusCodeRow, transportError } from '../src/message-center-codes.js';

describe('status code table', () => {
  it.each([
    [200, 'accepted', 'none'],
    [400, 'provider-unavailable', 'ours'],
    [401, 'provider-unavailable', 'account'],
    [402, 'provider-unavailable', 'account'],
    [403, 'provider-unavailable', 'account'],
    [404, 'provider-unavailable', 'ours'],
    [422, 'provider-unavailable', 'ours'],
    [429, 'retryable', 'provider'],
    [450, 'provider-unavailable', 'account'],
    [451, 'outcome-unknown', 'message'],
    [452, 'message-rejected', 'message'],
    [453, 'provider-unavailable', 'ours'],
    [454, 'message-rejected', 'message'],
    [455, 'provider-unavailable', 'provider'],
    [456, 'retryable', 'provider'],
    [457, 'provider-unavailable', 'ours'],
    [458, 'provider-unavailable', 'ours'],
    [459, 'provider-unavailable', 'ours'],
    [460, 'provider-unavailable', 'ours'],
    [466, 'message-rejected', 'message'],
    [468, 'provider-unavailable', 'ours'],
    [469, 'provider-unavailable', 'ours'],
    [470, 'provider-unavailable', 'account'],
    [503, 'retryable', 'provider'],
  ])('%i → %s (%s side)', (code, outcome, side) => {
    expect(statusCodeRow(code)).toMatchObject({ outcome, side });
  });

  it('covers every row of the table above', () => {
    expect([...STATUS_CODES.keys()].sort()).toEqual([200, 400, 401, 402, 403, 404, 422, 429, 450, 451, 452, 453, 454, 455, 456, 457, 458, 459, 460, 466, 468, 469, 470, 503]);
  });

  it('never blames the message for a request we built wrong', () => {
    for (const row of STATUS_CODES.values()) if (row.side === 'ours') expect(row.outcome).not.toBe('message-rejected');
  });

  it.each([113, 471, 600, 999])('an unknown code %i after the request was written is outcome-unknown, never accepted', (code) => {
    const error = statusCodeError(code, 'bir şey', 'ctx');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'outcome-unknown', code: String(code) });
  });

  it.each([500, 502, 504, 599])("a 5xx code %i in Message Center's own envelope is retryable (the contract: a retry's duplicate is answered 451)", (code) => {
    expect(statusCodeError(code, 'Sunucu hatası', 'ctx')).toMatchObject({ kind: 'retryable', code: String(code) });
  });

  it('names the code, meaning, side and what Message Center said; keeps Retry-After for retryable codes only', () => {
    const error = statusCodeError(503, 'Servis geçici olarak kullanılamıyor', 'Message Center account x send', 4_000);
    expect(error.message).toBe('Message Center account x send: Message Center code 503: temporarily unavailable ("Servis geçici olarak kullanılamıyor") [provider side]');
    expect(error.retryAfterMs).toBe(4_000);
    expect(statusCodeError(401, '', 'ctx', 4_000).retryAfterMs).toBeUndefined();
  });
});

describe('bare HTTP statuses and transport failures', () => {
  it.each([
    [408, 'retryable'],
    [429, 'retryable'],
    [503, 'retryable'],
    [504, 'outcome-unknown'],
    [500, 'provider-unavailable'],
    [502, 'provider-unavailable'],
    [404, 'provider-unavailable'],
    [302, 'provider-unavailable'],
  ])('HTTP %i without an envelope → %s', (status, kind) => {
    expect(httpStatusRow(status).kind).toBe(kind);
  });

  it('lists the HTTP rows it has', () => {
    expect([...HTTP_STATUS_CODES.keys()]).toEqual([408, 429, 503, 504]);
  });

  it.each<[TransportFailure, string]>([
    ['connection-refused', 'retryable'],
    ['aborted-before-write', 'retryable'],
    ['aborted-after-write', 'outcome-unknown'],
    ['reset-after-write', 'outcome-unknown'],
    ['garbled-response', 'outcome-unknown'],
    ['tls-failure', 'provider-unavailable'],
  ])('%s → %s', (failure, kind) => {
    const error = new WireTransportError('Message Center send-sms: x', { failure, operation: 'send-sms', requestWritten: false });
    expect(transportError(error, 'ctx').kind).toBe(kind);
  });
});

describe('delivery statuses', () => {
  it.each([
    ['110', 'sent', false],
    ['accepted', 'sent', false],
    ['111', 'delivered', true],
    ['delivered', 'delivered', true],
    ['112', 'undelivered', true],
    ['undelivered', 'undelivered', true],
    ['999', 'unknown', false],
  ])('%s → %s (final %s)', (status, state, final) => {
    expect(messageStatusRow(status)).toMatchObject({ state, final });
  });

  it('lists every status of the table', () => {
    expect([...MESSAGE_STATUSES.keys()]).toEqual(['110', 'accepted', '111', 'delivered', '112', 'undelivered']);
  });

  it('order 115 (not sent, or cancelled) decides every message of the order: rejected, final; it is the only such order status', () => {
    expect([...ORDER_STATUSES.keys()]).toEqual([115]);
    expect(ORDER_STATUSES.get(115)).toMatchObject({ state: 'rejected', final: true });
  });

  it('an order the service does not know (455) is unknown / not-found, not final; one not started (456) queued', () => {
    expect(ORDER_NOT_FOUND).toMatchObject({ state: 'unknown', reason: 'not-found', final: false });
    expect(ORDER_NOT_STARTED).toMatchObject({ state: 'queued', final: false });
  });
});
