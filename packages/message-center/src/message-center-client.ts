import { DEFAULT_CONNECTIONS, parseRetryAfter, splitBaseUrl, WireHttp } from '@rota/provider/http';
import type { Dispatcher } from 'undici';
import { authenticationFragment, type MessageCenterCredentials } from './message-center-credentials.js';
import { MESSAGE_CENTER_DEFAULT_BASE_URL } from './message-center-config.js';
import {
  ENDPOINTS,
  getBalanceBody,
  getReportBody,
  readBalanceAnswer,
  readReportAnswer,
  readSendAnswer,
  sendSmsBody,
  type BalanceAnswer,
  type Endpoint,
  type ReportAnswer,
  type SendAnswer,
  type SendSmsOrder,
} from './message-center-wire.js';

/**
 * İleti Merkezi's JSON API over HTTP, and nothing more: it writes the
 * requests, reads every answer that carries Message Center's envelope —
 * whatever the HTTP status, which mirrors the body code — and reports the rest
 * as a `WireTransportError` (a bare HTTP error from something in front of the
 * service, an unreadable answer, a connection that failed, an abort, each
 * saying whether the request was written). What a code means for routing is
 * message-center-codes.ts's business.
 *
 * It has no timer of its own: the caller's `signal` is the one time limit.
 */

export interface MessageCenterClientOptions {
  /** Default: https://api.iletimerkezi.com. */
  baseUrl?: string;
  /** Keep-alive connections in the pool. */
  connections?: number;
  /** The transport, for a caller that brings its own; not closed with the client. Default: an undici Pool of its own. */
  dispatcher?: Dispatcher;
}

export interface CallOptions {
  /** The one time limit of the call: abort it to give up (an abort says whether the request was written). */
  signal?: AbortSignal;
}

export interface MessageCenterClient {
  /** Origin and path prefix the client posts to. */
  readonly baseUrl: string;
  /** One order: one sender, one text, any number of recipients. */
  sendSms(credentials: MessageCenterCredentials, order: SendSmsOrder, options?: CallOptions): Promise<SendAnswer>;
  /** One page (1-based, up to 1,000 rows) of an order's report. */
  getReport(credentials: MessageCenterCredentials, orderId: string, page: number, options?: CallOptions): Promise<ReportAnswer>;
  getBalance(credentials: MessageCenterCredentials, options?: CallOptions): Promise<BalanceAnswer>;
  close(): Promise<void>;
}

export function createMessageCenterClient(options: MessageCenterClientOptions = {}): MessageCenterClient {
  return new UndiciMessageCenterClient(options);
}

const HEADERS = { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' } as const;
const OPERATIONS: Record<Endpoint, string> = { sendSms: 'send-sms', getReport: 'get-report', getBalance: 'get-balance' };

class UndiciMessageCenterClient implements MessageCenterClient {
  readonly baseUrl: string;
  private readonly http: WireHttp;
  private readonly paths: Record<Endpoint, string>;

  constructor(options: MessageCenterClientOptions) {
    const { origin, prefix } = splitBaseUrl(options.baseUrl ?? MESSAGE_CENTER_DEFAULT_BASE_URL);
    this.baseUrl = `${origin}${prefix}`;
    this.paths = { sendSms: prefix + ENDPOINTS.sendSms, getReport: prefix + ENDPOINTS.getReport, getBalance: prefix + ENDPOINTS.getBalance };
    this.http = new WireHttp({
      provider: 'Message Center',
      origin,
      connections: options.connections ?? DEFAULT_CONNECTIONS,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
  }

  sendSms(credentials: MessageCenterCredentials, order: SendSmsOrder, options: CallOptions = {}): Promise<SendAnswer> {
    return this.call('sendSms', sendSmsBody(authenticationFragment(credentials), order), readSendAnswer, options.signal);
  }

  getReport(credentials: MessageCenterCredentials, orderId: string, page: number, options: CallOptions = {}): Promise<ReportAnswer> {
    return this.call('getReport', getReportBody(authenticationFragment(credentials), orderId, page), readReportAnswer, options.signal);
  }

  getBalance(credentials: MessageCenterCredentials, options: CallOptions = {}): Promise<BalanceAnswer> {
    return this.call('getBalance', getBalanceBody(authenticationFragment(credentials)), readBalanceAnswer, options.signal);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /**
   * One POST. An answer in Message Center's envelope is returned whatever its
   * HTTP status; any other non-2xx is a bare HTTP error, any other 2xx unreadable.
   */
  private call<T extends { retryAfterMs?: number }>(endpoint: Endpoint, body: string | Buffer, read: (json: unknown) => T | undefined, signal: AbortSignal | undefined): Promise<T> {
    const operation = OPERATIONS[endpoint];
    return this.http.exchange({ method: 'POST', path: this.paths[endpoint], headers: HEADERS, body }, operation, signal).then((exchange) => {
      const ok = exchange.statusCode >= 200 && exchange.statusCode < 300;
      let json: unknown;
      try {
        json = JSON.parse(exchange.body);
      } catch (error) {
        throw ok ? this.http.garbledError(operation, error) : this.http.httpStatusError(operation, exchange);
      }
      const value = read(json);
      if (value !== undefined) {
        const retryAfterMs = parseRetryAfter(exchange.retryAfter);
        if (retryAfterMs !== undefined) value.retryAfterMs = retryAfterMs;
        return value;
      }
      throw ok ? this.http.garbledError(operation) : this.http.httpStatusError(operation, exchange);
    });
  }
}

