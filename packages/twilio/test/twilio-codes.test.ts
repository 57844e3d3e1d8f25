import { WireTransportError } from '@rota/provider/http';
import { DELIVERY_ERRORS, ERROR_CODES, errorAnswerError, errorCodeRow, HTTP_STATUS_CODES, httpStatusRow, MESSAGE_STATUSES, statusRow, transportError } from '../src/twilio-codes.js';

describe('error codes', () => {
  it.each([
    [20003, 'provider-unavailable', 'account'],
    [20404, 'provider-unavailable', 'ours'],
    [20429, 'retryable', 'provider'],
    [10001, 'provider-unavailable', 'account'],
    [21211, 'message-rejected', 'message'],
    [21614, 'message-rejected', 'message'],
    [21612, 'message-rejected', 'message'],
    [21635, 'message-rejected', 'message'],
    [21610, 'message-rejected', 'message'],
    [21408, 'provider-unavailable', 'account'],
    [21212, 'provider-unavailable', 'account'],
    [21606, 'provider-unavailable', 'account'],
    [21659, 'provider-unavailable', 'account'],
    [21661, 'provider-unavailable', 'account'],
    [21611, 'provider-unavailable', 'account'],
    [21602, 'provider-unavailable', 'ours'],
    [21603, 'provider-unavailable', 'ours'],
    [21604, 'provider-unavailable', 'ours'],
    [21609, 'provider-unavailable', 'ours'],
    [21617, 'provider-unavailable', 'ours'],
    [35118, 'provider-unavailable', 'ours'],
  ])('%i → %s (%s side)', (code, kind, side) => {
    expect(errorCodeRow(code)).toMatchObject({ kind, side });
  });

  it('covers every row; an unknown code after the write is outcome-unknown', () => {
    expect(ERROR_CODES.size).toBe(21);
    expect(errorCodeRow(99999)).toMatchObject({ kind: 'outcome-unknown' });
    expect(errorAnswerError({ httpStatus: 500, code: 20500, message: 'Internal' }, 'ctx')).toMatchObject({ kind: 'outcome-unknown', code: '20500' });
  });

  it('never blames the message for a request we built wrong', () => {
    for (const row of ERROR_CODES.values()) if (row.side === 'ours') expect(row.kind).not.toBe('message-rejected');
  });

  it('keeps Retry-After on 20429 only', () => {
    expect(errorAnswerError({ httpStatus: 429, code: 20429, message: '', retryAfterMs: 2_000 }, 'ctx').retryAfterMs).toBe(2_000);
    expect(errorAnswerError({ httpStatus: 401, code: 20003, message: '', retryAfterMs: 2_000 }, 'ctx').retryAfterMs).toBeUndefined();
  });

  it.each([
    [408, 'retryable'],
    [429, 'retryable'],
    [503, 'retryable'],
    [504, 'outcome-unknown'],
    [500, 'provider-unavailable'],
    [400, 'provider-unavailable'],
  ])('a bare HTTP %i → %s', (status, kind) => {
    expect(httpStatusRow(status).kind).toBe(kind);
  });

  it('lists the HTTP rows it has', () => {
    expect([...HTTP_STATUS_CODES.keys()]).toEqual([408, 429, 503, 504]);
  });

  it('transport failures follow the shared table', () => {
    expect(transportError(new WireTransportError('Twilio x', { failure: 'reset-after-write', operation: 'x', requestWritten: true }), 'ctx').kind).toBe('outcome-unknown');
  });
});

describe('message statuses', () => {
  it.each([
    ['accepted', undefined, 'queued', false, undefined],
    ['scheduled', undefined, 'queued', false, undefined],
    ['queued', undefined, 'queued', false, undefined],
    ['sending', undefined, 'queued', false, undefined],
    ['sent', undefined, 'sent', false, undefined],
    ['delivered', undefined, 'delivered', true, undefined],
    ['read', undefined, 'delivered', true, undefined],
    ['undelivered', 30003, 'undelivered', true, 'handset-error'],
    ['undelivered', 30005, 'undelivered', true, 'invalid-number'],
    ['undelivered', 30004, 'undelivered', true, 'opted-out'],
    ['failed', 30036, 'expired', true, 'expired'],
    ['failed', 30001, 'expired', true, 'expired'],
    ['failed', 30007, 'rejected', true, 'content-rejected'],
    ['failed', undefined, 'rejected', true, 'unknown'],
    ['canceled', undefined, 'rejected', true, 'unknown'],
    ['partially_delivered', undefined, 'unknown', false, 'unknown'],
  ])('%s (%s) → %s, final %s, %s', (status, code, state, final, reason) => {
    expect(statusRow(status, code)).toMatchObject({ state, final });
    expect(statusRow(status, code).reason).toBe(reason);
  });

  it.each<[number, string, string, string]>([
    [30001, 'failed', 'expired', 'expired'],
    [30036, 'failed', 'expired', 'expired'],
    [30002, 'failed', 'rejected', 'insufficient-credit'],
    [30003, 'undelivered', 'undelivered', 'handset-error'],
    [30004, 'undelivered', 'undelivered', 'opted-out'],
    [30005, 'undelivered', 'undelivered', 'invalid-number'],
    [30006, 'undelivered', 'undelivered', 'invalid-number'],
    [30007, 'failed', 'rejected', 'content-rejected'],
    [30008, 'undelivered', 'undelivered', 'unknown'],
    [30034, 'failed', 'rejected', 'sender-not-allowed'],
  ])('delivery error %i on a %s message → %s, %s', (code, status, state, reason) => {
    expect(statusRow(status, code)).toMatchObject({ state, reason, final: true });
  });

  it('a delivery error never changes a message that did not fail, and only `failed` becomes expired', () => {
    expect(statusRow('delivered', 30003)).toMatchObject({ state: 'delivered' });
    expect(statusRow('delivered', 30003).reason).toBeUndefined();
    expect(statusRow('undelivered', 30001)).toMatchObject({ state: 'undelivered', reason: 'expired' });
  });

  it('lists every delivery error it reads', () => {
    expect([...DELIVERY_ERRORS.keys()]).toEqual([30001, 30036, 30002, 30003, 30004, 30005, 30006, 30007, 30008, 30034]);
  });

  it('lists every status of the table', () => {
    expect([...MESSAGE_STATUSES.keys()]).toEqual(['accepted', 'scheduled', 'queued', 'sending', 'sent', 'delivered', 'read', 'undelivered', 'failed', 'canceled']);
  });
});
