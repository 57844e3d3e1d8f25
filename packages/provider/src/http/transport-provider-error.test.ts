import { transportProviderError } from './transport-provider-error.js';
import { WireTransportError, type TransportRow } from './wire-transport-error.js';

const statusRow = (status: number): TransportRow => ({ kind: status === 503 ? 'retryable' : 'provider-unavailable', side: 'provider', description: `HTTP ${status} from the service` });

describe('transportProviderError', () => {
  it('says the wire\'s words, then what they mean, each once', () => {
    const garbled = new WireTransportError('Acme send: unreadable answer (not JSON)', { failure: 'garbled-response', operation: 'send', requestWritten: true });
    const error = transportProviderError(garbled, 'Acme account a send to 1 recipient(s)', statusRow);
    expect(error).toMatchObject({ kind: 'outcome-unknown', code: 'garbled-response' });
    expect(error.message).toBe('Acme account a send to 1 recipient(s): Acme send: unreadable answer (not JSON): the request may have been accepted');
  });

  it('adds nothing when the row says no more than the wire did', () => {
    const aborted = new WireTransportError('Acme send: aborted before the request was sent', { failure: 'aborted-before-write', operation: 'send', requestWritten: false });
    expect(transportProviderError(aborted, 'ctx', statusRow).message).toBe('ctx: Acme send: aborted before the request was sent');
  });

  it("reads an HTTP status by the provider's own table, keeping Retry-After only where a retry is due", () => {
    const busy = new WireTransportError('Acme send: HTTP error status 503', { failure: 'http-status', operation: 'send', requestWritten: true, httpStatus: 503, retryAfterMs: 2_000 });
    expect(transportProviderError(busy, 'ctx', statusRow)).toMatchObject({ kind: 'retryable', code: 'HTTP_503', retryAfterMs: 2_000, message: 'ctx: Acme send: HTTP error status 503: HTTP 503 from the service' });
    const down = new WireTransportError('Acme send: HTTP error status 502', { failure: 'http-status', operation: 'send', requestWritten: true, httpStatus: 502, retryAfterMs: 2_000 });
    expect(transportProviderError(down, 'ctx', statusRow).retryAfterMs).toBeUndefined();
  });
});
