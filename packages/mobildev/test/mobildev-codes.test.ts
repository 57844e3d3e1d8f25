import { CODES, codeError, codeRow, HTTP_STATUS_CODES, httpStatusRow, NOT_READY, REPORT_STATUSES, reportStatusRow, transportError } from '../src/mobildev-codes.js';
import { WireTransportError, type TransportFailure } from '@rota/provider/http';

describe('codes', () => {
  it.each([
    ['01', 'provider-unavailable', 'account'],
    ['02', 'provider-unavailable', 'account'],
    ['03', 'provider-unavailable', 'ours'],
    ['04', 'provider-unavailable', 'ours'],
    ['05', 'provider-unavailable', 'ours'],
    ['06', 'provider-unavailable', 'account'],
    ['07', 'provider-unavailable', 'ours'],
    ['09', 'provider-unavailable', 'ours'],
    ['10', 'retryable', 'provider'],
    ['11', 'retryable', 'provider'],
    ['12', 'provider-unavailable', 'account'],
    ['13', 'provider-unavailable', 'account'],
    ['20', 'provider-unavailable', 'ours'],
    ['21', 'provider-unavailable', 'ours'],
    ['22', 'provider-unavailable', 'ours'],
    ['23', 'message-rejected', 'message'],
    ['24', 'provider-unavailable', 'ours'],
    ['25', 'provider-unavailable', 'account'],
    ['26', 'provider-unavailable', 'account'],
    ['27', 'provider-unavailable', 'ours'],
    ['28', 'provider-unavailable', 'ours'],
    ['29', 'provider-unavailable', 'provider'],
  ])('%s → %s (%s side)', (code, kind, side) => {
    expect(codeRow(code)).toMatchObject({ kind, side });
  });

  it('covers every row; an unknown code (00 or 99 where an id was due) is outcome-unknown', () => {
    expect(CODES.size).toBe(22);
    expect(codeError('99', 'ctx')).toMatchObject({ kind: 'outcome-unknown', code: '99' });
    expect(codeError('00', 'ctx').kind).toBe('outcome-unknown');
  });

  it('blames the message only for an empty text: a recipient refused arrives as report status 3', () => {
    expect([...CODES].filter(([, row]) => row.kind === 'message-rejected').map(([code]) => code)).toEqual(['23']);
  });

  it.each([
    [408, 'retryable'],
    [429, 'retryable'],
    [503, 'retryable'],
    [504, 'outcome-unknown'],
    [500, 'provider-unavailable'],
    [404, 'provider-unavailable'],
  ])('HTTP %i → %s', (status, kind) => {
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
  ])('%s → %s', (failure, kind) => {
    expect(transportError(new WireTransportError('Mobildev x', { failure, operation: 'x', requestWritten: false }), 'ctx').kind).toBe(kind);
  });

  it.each([
    ['1', 'sent', false],
    ['2', 'delivered', true],
    ['3', 'undelivered', true],
    ['7', 'unknown', false],
  ])('report status %s → %s (final %s)', (status, state, final) => {
    expect(reportStatusRow(status)).toMatchObject({ state, final });
  });

  it('lists every report status; a packet not processed yet (02) is queued, not final', () => {
    expect([...REPORT_STATUSES.keys()]).toEqual(['1', '2', '3']);
    expect(NOT_READY).toMatchObject({ state: 'queued', final: false });
  });
});
