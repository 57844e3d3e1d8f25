import { WireTransportError, type TransportFailure } from '@rota/provider/http';
import { ERROR_CODES, errorAnswerError, errorCodeRow, HTTP_STATUS_CODES, httpStatusRow, reasonOf, REPORT_ERRORS, STATUS_GROUPS, STATUS_IDS, statusRow, transportError } from '../src/infobip-codes.js';

const status = (groupId: number, id: number, groupName = '', name = '') => ({ groupId, groupName, id, name });

describe('error codes (both envelopes)', () => {
  it.each([
    ['E400', 'provider-unavailable', 'ours'],
    ['BAD_REQUEST', 'provider-unavailable', 'ours'],
    ['E401', 'provider-unavailable', 'account'],
    ['UNAUTHORIZED', 'provider-unavailable', 'account'],
    ['E403', 'provider-unavailable', 'account'],
    ['FORBIDDEN', 'provider-unavailable', 'account'],
    ['E404', 'provider-unavailable', 'ours'],
    ['NOT_FOUND', 'provider-unavailable', 'ours'],
    ['E429', 'retryable', 'provider'],
    ['TOO_MANY_REQUESTS', 'retryable', 'provider'],
    ['E500', 'outcome-unknown', 'provider'],
    ['GENERAL_ERROR', 'outcome-unknown', 'provider'],
  ])('%s → %s (%s side)', (code, kind, side) => {
    expect(errorCodeRow(code)).toMatchObject({ kind, side });
  });

  it('covers every row, and an unknown code is outcome-unknown (never taken for "not sent")', () => {
    expect(ERROR_CODES.size).toBe(12);
    expect(errorCodeRow('E418')).toMatchObject({ kind: 'outcome-unknown' });
  });

  it('keeps Retry-After for a retryable refusal only, and names the code, side and what Infobip said', () => {
    const throttled = errorAnswerError({ httpStatus: 429, code: 'E429', text: 'Too many requests', retryAfterMs: 5_000 }, 'ctx');
    expect(throttled).toMatchObject({ kind: 'retryable', code: 'E429', retryAfterMs: 5_000 });
    expect(throttled.message).toBe('ctx: Infobip HTTP 429 E429: throttled ("Too many requests") [provider side]');
    expect(errorAnswerError({ httpStatus: 401, code: 'E401', text: '', retryAfterMs: 5_000 }, 'ctx').retryAfterMs).toBeUndefined();
  });

  it.each([
    [408, 'retryable'],
    [429, 'retryable'],
    [503, 'retryable'],
    [504, 'outcome-unknown'],
    [500, 'provider-unavailable'],
    [502, 'provider-unavailable'],
    [404, 'provider-unavailable'],
  ])('a bare HTTP %i → %s', (httpStatus, kind) => {
    expect(httpStatusRow(httpStatus).kind).toBe(kind);
  });

  it('lists the HTTP rows it has', () => {
    expect([...HTTP_STATUS_CODES.keys()]).toEqual([408, 429, 503, 504]);
  });

  it.each<[TransportFailure, string]>([
    ['connection-refused', 'retryable'],
    ['aborted-after-write', 'outcome-unknown'],
    ['garbled-response', 'outcome-unknown'],
  ])('%s → %s', (failure, kind) => {
    expect(transportError(new WireTransportError('Infobip x', { failure, operation: 'x', requestWritten: false }), 'ctx').kind).toBe(kind);
  });
});

describe('message statuses', () => {
  it.each<[number, number, string, string, boolean, string | undefined]>([
    [1, 26, 'accepted', 'queued', false, undefined],
    [1, 7, 'accepted', 'sent', false, undefined],
    [1, 3, 'accepted', 'sent', false, undefined],
    [3, 5, 'accepted', 'delivered', true, undefined],
    [3, 2, 'accepted', 'sent', true, undefined],
    [2, 4, 'accepted', 'undelivered', true, 'network-error'],
    [2, 9, 'accepted', 'undelivered', true, 'handset-error'],
    [2, 31, 'accepted', 'undelivered', true, 'network-error'],
    [4, 15, 'accepted', 'expired', true, 'expired'],
    [4, 29, 'accepted', 'unknown', true, 'unknown'],
    [5, 12, 'refused', 'rejected', true, 'insufficient-credit'],
    [5, 17, 'refused', 'rejected', true, 'insufficient-credit'],
    [5, 11, 'refused', 'rejected', true, 'sender-not-allowed'],
    [5, 13, 'refused', 'rejected', true, 'sender-not-allowed'],
    [5, 6, 'refused', 'rejected', true, 'network-error'],
    [5, 18, 'refused', 'rejected', true, 'network-error'],
    [5, 19, 'refused', 'rejected', true, 'network-error'],
    [5, 21, 'refused', 'rejected', true, 'network-error'],
    [5, 100, 'refused', 'rejected', true, 'network-error'],
    [5, 20, 'recipient-rejected', 'rejected', true, 'duplicate'],
    [5, 23, 'recipient-rejected', 'rejected', true, 'duplicate'],
    [5, 24, 'recipient-rejected', 'rejected', true, 'content-rejected'],
    [5, 25, 'recipient-rejected', 'rejected', true, 'too-long'],
    [5, 8, 'recipient-rejected', 'rejected', true, 'invalid-number'],
    [5, 51, 'recipient-rejected', 'rejected', true, 'invalid-number'],
    [5, 52, 'recipient-rejected', 'rejected', true, 'invalid-number'],
    [5, 10, 'recipient-rejected', 'rejected', true, 'opted-out'],
    [5, 14, 'recipient-rejected', 'rejected', true, 'opted-out'],
  ])('%i/%i → send %s, report %s (final %s, %s)', (groupId, id, send, state, final, reason) => {
    const row = statusRow(status(groupId, id));
    expect(row).toMatchObject({ send, state, final });
    expect(row.reason).toBe(reason);
  });

  it('covers every id of the table', () => {
    expect(STATUS_IDS.size).toBe(28);
  });

  it('the account-side refusals fail over (provider-unavailable); the flooding cap and the message\'s own refusals are final (the contract: "rejected", no other provider)', () => {
    expect(statusRow(status(5, 12))).toMatchObject({ kind: 'provider-unavailable', side: 'account' });
    for (const id of [20, 23, 24, 25]) expect(statusRow(status(5, id))).toMatchObject({ send: 'recipient-rejected' });
    expect(statusRow(status(5, 20)).kind).toBeUndefined();
  });

  it('falls back to the group for an unknown id, to the group name for ACCEPTED, and to unknown for the rest', () => {
    expect(statusRow(status(3, 999))).toMatchObject({ state: 'delivered' });
    expect(statusRow(status(-1, -1, 'ACCEPTED'))).toMatchObject({ send: 'accepted', state: 'queued' });
    expect(statusRow(status(9, 1))).toMatchObject({ send: 'refused', kind: 'outcome-unknown', state: 'unknown', final: false });
    // An id out of its group is not trusted.
    expect(statusRow(status(3, 26))).toMatchObject({ state: 'delivered' });
  });

  it.each<[number | string, string, string, boolean, string | undefined]>([
    [1, 'accepted', 'sent', false, undefined],
    ['ACCEPTED', 'accepted', 'queued', false, undefined],
    [3, 'accepted', 'delivered', true, undefined],
    [2, 'accepted', 'undelivered', true, 'unknown'],
    [4, 'accepted', 'expired', true, 'expired'],
    [5, 'recipient-rejected', 'rejected', true, 'unknown'],
  ])('an id the table lacks falls back to its group %s → send %s, report %s (final %s, %s)', (group, send, state, final, reason) => {
    const row = typeof group === 'number' ? statusRow(status(group, 999)) : statusRow(status(-1, -1, group));
    expect(row).toMatchObject({ send, state, final });
    expect(row.reason).toBe(reason);
  });

  it('a group Rota does not know refuses the send as outcome-unknown (never "not sent"); a REJECTED id it does not know is final (never sent elsewhere)', () => {
    expect([...STATUS_GROUPS.keys()]).toEqual([1, 'ACCEPTED', 3, 2, 4, 5]);
    expect(statusRow(status(5, 999))).toMatchObject({ send: 'recipient-rejected', reason: 'unknown' });
  });

  it.each([
    [1, 'invalid-number'],
    [27, 'handset-error'],
    [603, 'opted-out'],
    [2052, 'opted-out'],
    [4101, 'expired'],
    [5492, 'duplicate'],
  ])('a report error %i refines an undeliverable message to %s', (id, reason) => {
    expect(reasonOf(statusRow(status(2, 4)), { id, name: '', permanent: true })).toBe(reason);
  });

  it('lists every report error it reads', () => {
    expect([...REPORT_ERRORS.keys()]).toEqual([1, 27, 603, 2052, 4101, 5492]);
  });

  it('refines an undeliverable report by its error id', () => {
    const row = statusRow(status(2, 9));
    expect(reasonOf(row, { id: 1, name: 'EC_UNKNOWN_SUBSCRIBER', permanent: true })).toBe('invalid-number');
    expect(reasonOf(row, { id: 603, name: 'EC_CONTENT_BLOCKED', permanent: true })).toBe('opted-out');
    expect(reasonOf(row, { id: 777, name: 'EC_OTHER', permanent: false })).toBe('handset-error');
    expect(reasonOf(statusRow(status(3, 5)), { id: 0, name: 'NO_ERROR', permanent: false })).toBeUndefined();
  });
});
