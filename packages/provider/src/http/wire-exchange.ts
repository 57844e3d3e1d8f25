import type { Dispatcher } from 'undici';
import { classifySocketError, type TransportFailure } from './wire-transport-error.js';

/** A 2xx answer larger than this is not a provider's answer; reading on would only hold memory. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** Error answers are read for the provider's code only: a proxy's HTML page is cut short. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** One HTTP exchange as a wire client reads it: the status, Retry-After, and the body (an error body cut at 64 KiB). */
export interface Exchange {
  statusCode: number;
  retryAfter: string | string[] | undefined;
  body: string;
}

/**
 * An undici dispatch handler rather than `pool.request()`: it tells the moment
 * the request reaches the socket (`onRequestStart`), which is what separates
 * "nothing was sent" from "may have been accepted", and it skips the response
 * stream a `request()` builds.
 */
export class ExchangeHandler implements Dispatcher.DispatchHandler {
  written = false;
  settled = false;
  private controller: Dispatcher.DispatchController | undefined;
  private abandonReason: Error | undefined;
  private statusCode = 0;
  private retryAfter: string | string[] | undefined;
  private chunks: Buffer[] = [];
  private size = 0;
  private limit = MAX_RESPONSE_BYTES;

  constructor(
    private readonly resolve: (exchange: Exchange) => void,
    private readonly fail: (failure: TransportFailure, cause?: unknown) => void,
  ) {}

  /** Gives up on the exchange (the caller's abort); undici stops it if it is still running. */
  abandon(reason: Error): void {
    this.settled = true;
    if (this.controller) this.controller.abort(reason);
    else this.abandonReason = reason;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.abandonReason) {
      // Given up while queued or connecting: stop before a byte is written. Thrown,
      // not controller.abort(): undici's abort destroys the connection it was about
      // to write on, and after a hang every abandoned request still queued would
      // cost a healthy keep-alive connection. A throw drops the request, keeps the socket.
      throw this.abandonReason;
    }
    this.controller = controller;
    this.written = true;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    this.statusCode = statusCode;
    this.retryAfter = headers['retry-after'];
    if (statusCode < 200 || statusCode >= 300) this.limit = MAX_ERROR_BODY_BYTES;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.size >= this.limit) return;
    this.size += chunk.length;
    if (this.size > this.limit) {
      if (this.limit === MAX_ERROR_BODY_BYTES) {
        // An error answer: keep its head, which is where a provider's code is.
        this.chunks.push(chunk.subarray(0, chunk.length - (this.size - this.limit)));
        return;
      }
      this.chunks = [];
      if (!this.settled) {
        this.settled = true;
        this.fail('garbled-response');
      }
      controller.abort(new Error('response too large'));
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    const chunks = this.chunks;
    const body = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
    this.resolve({ statusCode: this.statusCode, retryAfter: this.retryAfter, body });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.fail(classifySocketError(error, this.written), error);
  }
}
