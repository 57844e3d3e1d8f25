import { WireTransportError, type WireTransportErrorFields } from '@rota/provider/http';
import type { Endpoint } from './figensoft-wire.js';

// What can fail below the body StatusCode, and what is kept of a socket error: the same for every provider.
export type { SanitizedCause, TransportFailure } from '@rota/provider/http';

export interface FigenSoftTransportErrorFields extends Omit<WireTransportErrorFields, 'operation'> {
  endpoint: Endpoint;
}

/**
 * A `WireTransportError` of the FigenSoft client, with what is FigenSoft's own:
 * the endpoint, and how many receivers of a split send (more than 800, one
 * request after another) earlier requests had already been accepted for.
 */
export class FigenSoftTransportError extends WireTransportError {
  override readonly name = 'FigenSoftTransportError';
  readonly endpoint: Endpoint;
  /**
   * Receivers of a split send that earlier requests had already been accepted
   * for when this one failed (0 unless the send was split and a later part failed).
   */
  acceptedReceivers = 0;

  constructor(message: string, fields: FigenSoftTransportErrorFields) {
    super(message, { ...fields, operation: ENDPOINT_NAMES[fields.endpoint] });
    this.endpoint = fields.endpoint;
  }

  /** The shared HTTP layer's error for a FigenSoft exchange, as this package's error (the same message and fields). */
  static of(error: WireTransportError, endpoint: Endpoint): FigenSoftTransportError {
    const { failure, requestWritten, httpStatus, retryAfterMs, errorCode } = error;
    const cause = error.cause as WireTransportErrorFields['cause'];
    return new FigenSoftTransportError(error.message, { failure, endpoint, requestWritten, httpStatus, retryAfterMs, errorCode, ...(cause ? { cause } : {}) });
  }
}

/** FigenSoft's names of its endpoints, as errors name them. */
export const ENDPOINT_NAMES: Record<Endpoint, string> = {
  send1N: 'Send_1_N',
  status: 'Status',
  creditBalance: 'CreditBalance',
};
