import { DEFAULT_CONNECTIONS, parseRetryAfter, splitBaseUrl, WireHttp } from '@rota/provider/http';
import type { Dispatcher } from 'undici';
import { authorizationHeader, type InfobipCredentials } from './infobip-credentials.js';
import { PATHS, readBalance, readErrorEnvelope, readReports, readSendAnswer, sendBody, type Report, type SendBody, type SentEntry } from './infobip-wire.js';

/**
 * Infobip's SMS API over HTTP, and nothing more: it writes the v3 requests,
 * reads the answers, and reports an error answer in either of Infobip's
 * envelopes as a typed refusal. A non-2xx without an envelope, an unreadable
 * 2xx, a failed connection or an abort is a `WireTransportError` saying
 * whether the request was written. What a status or code means for routing is
 * infobip-codes.ts's business. The caller's `signal` is the one time limit.
 */

export interface InfobipClientOptions {
  /** The account's base URL, e.g. https://xxxxx.api.infobip.com. */
  baseUrl: string;
  connections?: number;
  /** The transport, for a caller that brings its own; not closed with the client. Default: an undici Pool of its own. */
  dispatcher?: Dispatcher;
}

export interface CallOptions {
  /** The one time limit of the call: abort it to give up (an abort says whether the request was written). */
  signal?: AbortSignal;
}

/** What Infobip answered: the value, or its refusal in one of its envelopes. */
export type InfobipAnswer<T> = { ok: true; value: T } | { ok: false; httpStatus: number; code: string; text: string; retryAfterMs?: number };

export interface InfobipClient {
  readonly baseUrl: string;
  /** `POST /sms/3/messages`: one entry per destination, in the answer's order. */
  send(credentials: InfobipCredentials, body: SendBody, options?: CallOptions): Promise<InfobipAnswer<SentEntry[]>>;
  /** `GET /sms/3/reports?messageId=…&limit=1`: the report, if Infobip has one waiting (each is handed out once). */
  report(credentials: InfobipCredentials, messageId: string, options?: CallOptions): Promise<InfobipAnswer<Report[]>>;
  /** `GET /account/1/balance`. */
  balance(credentials: InfobipCredentials, options?: CallOptions): Promise<InfobipAnswer<{ balance: number; currency: string }>>;
  close(): Promise<void>;
}

export function createInfobipClient(options: InfobipClientOptions): InfobipClient {
  return new UndiciInfobipClient(options);
}

class UndiciInfobipClient implements InfobipClient {
  readonly baseUrl: string;
  private readonly http: WireHttp;
  private readonly prefix: string;

  constructor(options: InfobipClientOptions) {
    const { origin, prefix } = splitBaseUrl(options.baseUrl);
    this.baseUrl = `${origin}${prefix}`;
    this.prefix = prefix;
    this.http = new WireHttp({ provider: 'Infobip', origin, connections: options.connections ?? DEFAULT_CONNECTIONS, ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}) });
  }

  send(credentials: InfobipCredentials, body: SendBody, options: CallOptions = {}): Promise<InfobipAnswer<SentEntry[]>> {
    const headers = { authorization: authorizationHeader(credentials), 'content-type': 'application/json', accept: 'application/json' };
    return this.call('POST', PATHS.send, headers, sendBody(body), 'sms/3/messages', readSendAnswer, options.signal);
  }

  report(credentials: InfobipCredentials, messageId: string, options: CallOptions = {}): Promise<InfobipAnswer<Report[]>> {
    const path = `${PATHS.reports}?messageId=${encodeURIComponent(messageId)}&limit=1`;
    return this.call('GET', path, { authorization: authorizationHeader(credentials), accept: 'application/json' }, undefined, 'sms/3/reports', readReports, options.signal);
  }

  balance(credentials: InfobipCredentials, options: CallOptions = {}): Promise<InfobipAnswer<{ balance: number; currency: string }>> {
    return this.call('GET', PATHS.balance, { authorization: authorizationHeader(credentials), accept: 'application/json' }, undefined, 'account/1/balance', readBalance, options.signal);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private call<T>(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    operation: string,
    read: (json: unknown) => T | undefined,
    signal: AbortSignal | undefined,
  ): Promise<InfobipAnswer<T>> {
    const request = { method, path: this.prefix + path, headers, ...(body === undefined ? {} : { body }) };
    return this.http.exchange(request, operation, signal).then((exchange): InfobipAnswer<T> => {
      const ok = exchange.statusCode >= 200 && exchange.statusCode < 300;
      let json: unknown;
      try {
        json = JSON.parse(exchange.body);
      } catch (error) {
        throw ok ? this.http.garbledError(operation, error) : this.http.httpStatusError(operation, exchange);
      }
      if (ok) {
        const value = read(json);
        if (value === undefined) throw this.http.garbledError(operation);
        return { ok: true, value };
      }
      const envelope = readErrorEnvelope(json);
      if (!envelope) throw this.http.httpStatusError(operation, exchange);
      const retryAfterMs = parseRetryAfter(exchange.retryAfter);
      return { ok: false, httpStatus: exchange.statusCode, code: envelope.code, text: envelope.text, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    });
  }
}
