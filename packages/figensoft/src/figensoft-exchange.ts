import type { Dispatcher } from 'undici';
import type { TransportFailure } from './figensoft-transport-error.js';
import { classifySocketError } from './figensoft-transport-error.js';

/** An answer larger than this is not a FigenSoft answer; reading on would only hold memory. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** One HTTP exchange as the client reads it: the status, Retry-After, and the body of a 2xx. */
export interface Exchange {
  statusCode: number;
  retryAfter: string | string[] | undefined;
  body: string;
}

/**
 * An undici dispatch handler rather than `pool.request()`: it tells us the
 * moment the request reaches the socket (`onRequestStart`), which is what
 * separates "nothing was sent" from "may have been accepted", and it skips the
 * response stream a `request()` builds.
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
      // to write on, so after a hang every abandoned request still queued would cost
      // a healthy keep-alive connection, and fresh requests would wait behind that
      // churn and time out in turn. A throw here drops the request, keeps the socket.
      throw this.abandonReason;
    }
    this.controller = controller;
    this.written = true;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    this.statusCode = statusCode;
    this.retryAfter = headers['retry-after'];
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    // The body of an HTTP error is never read: it is not ours to parse or log.
    if (this.statusCode < 200 || this.statusCode >= 300) return;
    this.size += chunk.length;
    if (this.size > MAX_RESPONSE_BYTES) {
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
