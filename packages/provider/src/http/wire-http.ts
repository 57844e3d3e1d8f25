import { Pool, type Dispatcher } from 'undici';
import { AbortFanout } from '../async/abort-fanout.js';
import type { Waiter } from '../async/waiter-list.js';
import { ExchangeHandler, type Exchange } from './wire-exchange.js';
import { FAILURE_TEXT, parseRetryAfter, sanitize, WireTransportError, type SanitizedCause, type TransportFailure } from './wire-transport-error.js';

/**
 * The HTTP layer every wire client shares: one undici Pool per origin (or a
 * dispatcher the caller brings), requests dispatched with `ExchangeHandler` so
 * that an abort says whether the request was written, and the caller's signal
 * as the one time limit (undici's header and body timeouts are off; its
 * connect timeout bounds one handshake, reported as `connect-timeout` before
 * anything was written). It resolves with every answer, 2xx or not — what a
 * status or body means is the provider's codes table's business — and rejects
 * only with a `WireTransportError`.
 */

export const DEFAULT_CONNECTIONS = 16;

export interface WireHttpOptions {
  /** The provider's name in error messages, e.g. `Message Center`. */
  provider: string;
  /** Scheme, host and port: the Pool's origin. */
  origin: string;
  /** Keep-alive connections in the pool. */
  connections?: number;
  /**
   * The transport, for a caller that brings its own (a proxy agent, a mock in
   * tests). It is not closed with the client. Default: an undici Pool of its own.
   */
  dispatcher?: Dispatcher;
}

export interface WireRequest {
  method: 'GET' | 'POST';
  /** Path and query below the origin. */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export class WireHttp {
  readonly origin: string;
  private readonly provider: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly aborts = new AbortFanout();
  private closed = false;

  constructor(options: WireHttpOptions) {
    this.provider = options.provider;
    this.origin = options.origin;
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ?? new Pool(options.origin, { connections: options.connections ?? DEFAULT_CONNECTIONS, pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
  }

  /** One request; `operation` names it in errors (never a URL: it could carry a token). */
  exchange(request: WireRequest, operation: string, signal?: AbortSignal): Promise<Exchange> {
    if (this.closed) return Promise.reject(this.error(operation, 'connect-failed', false, { errorCode: 'CLIENT_CLOSED' }));
    if (signal?.aborted) return Promise.reject(this.error(operation, 'aborted-before-write', false, { errorCode: 'aborted' }));
    return new Promise<Exchange>((resolve, reject) => {
      let waiter: Waiter<void> | undefined;
      const handler = new ExchangeHandler(
        (exchange) => {
          waiter?.leave();
          resolve(exchange);
        },
        (failure, cause) => {
          waiter?.leave();
          const code = (cause as { code?: unknown } | undefined)?.code;
          reject(
            this.error(operation, failure, handler.written, {
              errorCode: typeof code === 'string' ? code : undefined,
              cause: cause === undefined ? undefined : sanitize(cause),
            }),
          );
        },
      );
      if (signal) {
        waiter = this.aborts.join(signal, () => {
          if (handler.settled) return;
          const written = handler.written;
          handler.abandon(new Error('aborted'));
          reject(this.error(operation, written ? 'aborted-after-write' : 'aborted-before-write', written, { errorCode: 'aborted' }));
        });
      }
      try {
        this.dispatcher.dispatch({ origin: this.origin, path: request.path, method: request.method, headers: request.headers, body: request.body ?? null }, handler);
      } catch (error) {
        handler.settled = true;
        waiter?.leave();
        reject(this.error(operation, 'connect-failed', false, { cause: sanitize(error) }));
      }
    });
  }

  /** The error for an answer the provider's tables do not explain: a non-2xx status without a readable provider body. */
  httpStatusError(operation: string, exchange: Exchange): WireTransportError {
    return this.error(operation, 'http-status', true, { httpStatus: exchange.statusCode, retryAfterMs: parseRetryAfter(exchange.retryAfter) });
  }

  /** The error for an answer that cannot be read (not JSON, not the expected shape): it may have been accepted. */
  garbledError(operation: string, cause?: unknown): WireTransportError {
    return this.error(operation, 'garbled-response', true, cause === undefined ? {} : { cause: sanitize(cause) });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private error(
    operation: string,
    failure: TransportFailure,
    requestWritten: boolean,
    extra: { httpStatus?: number; retryAfterMs?: number; errorCode?: string; cause?: SanitizedCause } = {},
  ): WireTransportError {
    const errorCode = extra.errorCode ?? extra.cause?.code;
    const detail = extra.httpStatus !== undefined ? ` ${extra.httpStatus}` : errorCode ? ` (${errorCode})` : '';
    return new WireTransportError(`${this.provider} ${operation}: ${FAILURE_TEXT[failure]}${detail}`, { failure, operation, requestWritten, ...extra, errorCode });
  }
}

/** The origin of a base URL, and its path without trailing slashes (`https://h/x/` → `https://h`, `/x`). */
export function splitBaseUrl(baseUrl: string): { origin: string; prefix: string } {
  const url = new URL(baseUrl);
  if (url.username || url.password) throw new TypeError('a provider base URL must not carry credentials');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('a provider base URL must be http(s)');
  return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
}
