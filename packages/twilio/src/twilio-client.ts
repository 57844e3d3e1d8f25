import { DEFAULT_CONNECTIONS, parseRetryAfter, splitBaseUrl, WireHttp } from '@rota/provider/http';
import type { Dispatcher } from 'undici';
import { TWILIO_DEFAULT_BASE_URL } from './twilio-config.js';
import { authorizationHeader, type TwilioCredentials } from './twilio-credentials.js';
import { createMessageForm, paths, readBalance, readError, readMessage, type CreateMessage, type MessageResource } from './twilio-wire.js';

/**
 * Twilio's REST API over HTTP, and nothing more: it writes the requests,
 * reads the Message resource, and reports an error answer (`{ code, message }`,
 * whatever the HTTP status) as a typed refusal. A non-2xx without Twilio's
 * error body, an unreadable 2xx, a failed connection or an abort is a
 * `WireTransportError` saying whether the request was written. What a code
 * means for routing is twilio-codes.ts's business. The caller's `signal` is
 * the one time limit.
 */

export interface TwilioClientOptions {
  /** Default: https://api.twilio.com. */
  baseUrl?: string;
  connections?: number;
  /** The transport, for a caller that brings its own; not closed with the client. Default: an undici Pool of its own. */
  dispatcher?: Dispatcher;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** What Twilio answered: the value, or its refusal. */
export type TwilioAnswer<T> = { ok: true; value: T } | { ok: false; httpStatus: number; code: number; message: string; retryAfterMs?: number };

export interface TwilioClient {
  readonly baseUrl: string;
  /** `POST …/Messages.json`: one recipient. */
  createMessage(credentials: TwilioCredentials, message: CreateMessage, options?: CallOptions): Promise<TwilioAnswer<MessageResource>>;
  /** `GET …/Messages/{Sid}.json`. */
  fetchMessage(credentials: TwilioCredentials, sid: string, options?: CallOptions): Promise<TwilioAnswer<MessageResource>>;
  /** `GET …/Balance.json`. */
  balance(credentials: TwilioCredentials, options?: CallOptions): Promise<TwilioAnswer<{ balance: number | undefined; currency: string }>>;
  close(): Promise<void>;
}

export function createTwilioClient(options: TwilioClientOptions = {}): TwilioClient {
  return new UndiciTwilioClient(options);
}

const FORM = 'application/x-www-form-urlencoded';

class UndiciTwilioClient implements TwilioClient {
  readonly baseUrl: string;
  private readonly http: WireHttp;
  private readonly prefix: string;

  constructor(options: TwilioClientOptions) {
    const { origin, prefix } = splitBaseUrl(options.baseUrl ?? TWILIO_DEFAULT_BASE_URL);
    this.baseUrl = `${origin}${prefix}`;
    this.prefix = prefix;
    this.http = new WireHttp({ provider: 'Twilio', origin, connections: options.connections ?? DEFAULT_CONNECTIONS, ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}) });
  }

  createMessage(credentials: TwilioCredentials, message: CreateMessage, options: CallOptions = {}): Promise<TwilioAnswer<MessageResource>> {
    const headers = { authorization: authorizationHeader(credentials), 'content-type': FORM, accept: 'application/json' };
    return this.call('POST', paths.messages(credentials.accountSid), headers, createMessageForm(message), 'Messages.json', readMessage, options.signal);
  }

  fetchMessage(credentials: TwilioCredentials, sid: string, options: CallOptions = {}): Promise<TwilioAnswer<MessageResource>> {
    const headers = { authorization: authorizationHeader(credentials), accept: 'application/json' };
    return this.call('GET', paths.message(credentials.accountSid, sid), headers, undefined, 'Messages/{Sid}.json', readMessage, options.signal);
  }

  balance(credentials: TwilioCredentials, options: CallOptions = {}): Promise<TwilioAnswer<{ balance: number | undefined; currency: string }>> {
    const headers = { authorization: authorizationHeader(credentials), accept: 'application/json' };
    return this.call('GET', paths.balance(credentials.accountSid), headers, undefined, 'Balance.json', readBalance, options.signal);
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
  ): Promise<TwilioAnswer<T>> {
    const request = { method, path: this.prefix + path, headers, ...(body === undefined ? {} : { body }) };
    return this.http.exchange(request, operation, signal).then((exchange): TwilioAnswer<T> => {
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
      const refusal = readError(json);
      if (!refusal) throw this.http.httpStatusError(operation, exchange);
      const retryAfterMs = parseRetryAfter(exchange.retryAfter);
      return { ok: false, httpStatus: exchange.statusCode, code: refusal.code, message: refusal.message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    });
  }
}
