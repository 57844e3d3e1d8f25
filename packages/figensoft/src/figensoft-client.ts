import { DEFAULT_CONNECTIONS, splitBaseUrl, WireHttp, WireTransportError, type Exchange } from '@rota/provider/http';
import type { Dispatcher } from 'undici';
import { authFields, type FigenSoftCredentials } from './figensoft-credentials.js';
import { formatFigenSoftDate } from './figensoft-dates.js';
import { send1NBody, type BodyFrame } from './figensoft-send-body.js';
import { ENDPOINT_NAMES, FigenSoftTransportError } from './figensoft-transport-error.js';
import {
  ENDPOINTS,
  readCreditBalanceResponse,
  readSendResponse,
  readStatusResponse,
  STATUS_OK,
  type Channel,
  type Endpoint,
  type SendResultEntry,
  type StatusResponse,
  type StatusResultEntry,
} from './figensoft-wire.js';

/**
 * The FigenSoft JSON API over HTTP, and nothing more: it knows the wire format,
 * the 800-receiver limit and the transport, and reports what happened as typed
 * results (body StatusCode and Result) or a `FigenSoftTransportError`. What a
 * code means for routing is decided elsewhere (figensoft-codes.ts).
 *
 * The HTTP exchange is `@rota/provider/http`'s `WireHttp`, as every wire
 * client's: one undici Pool, no timer of its own (the caller's `signal` is the
 * one time limit of a call: the router's deadline, or `AbortSignal.timeout(ms)`
 * for a caller of its own), and an abort that says whether the request was
 * written. Its errors reach the caller as `FigenSoftTransportError`.
 */

export const FIGENSOFT_DEFAULT_BASE_URL = 'https://www.postaguvercini.com/api_json';
/** The service answers 1070 past this many receivers in one request [sure]. */
export const MAX_RECEIVERS_PER_REQUEST = 800;
/**
 * ASSUMPTION: the Status endpoint's limit is undocumented; we ask for at most
 * this many ids per request, well under anything a .NET JSON binder chokes on.
 */
export const MAX_MESSAGE_IDS_PER_STATUS_REQUEST = 500;
export { DEFAULT_CONNECTIONS };

const HEADERS = { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' } as const;

export interface FigenSoftClientOptions {
  /** Default: the public API. An account's `customApiUrl` goes here. */
  baseUrl?: string;
  /** Keep-alive connections in the pool. */
  connections?: number;
  /**
   * The transport, for a caller that brings its own (a proxy agent, a mock in
   * tests). The client does not close a dispatcher it was given. Default: an
   * undici Pool of its own for the base URL's origin.
   */
  dispatcher?: Dispatcher;
}

export interface CallOptions {
  /** The one time limit of the call: abort it to give up (an abort says whether the request was written). */
  signal?: AbortSignal;
}

interface SendFields {
  credentials: FigenSoftCredentials;
  /** Sender ID ("başlık"); the account's default when absent. */
  originator?: string;
  sendDate?: Date;
  expireDate?: Date;
  channel?: Channel;
}

export interface Send1NParams extends SendFields {
  message: string;
  /** E.164 (`+905321234567`) or already in wire form (`905321234567`). */
  receivers: readonly string[];
}

export interface SendOutcome {
  /** 200 when every request of the send was accepted; otherwise the failing request's code. */
  statusCode: number;
  statusDescription: string;
  /** Result entries of the accepted requests, in receiver order. */
  result: SendResultEntry[];
  /** Receivers covered by accepted requests: all of them when `statusCode` is 200. */
  acceptedReceivers: number;
  /** HTTP requests made. */
  requests: number;
}

export interface StatusParams {
  credentials: FigenSoftCredentials;
  messageIds: readonly string[];
}

export interface StatusOutcome {
  statusCode: number;
  statusDescription: string;
  result: StatusResultEntry[];
}

export interface CreditBalanceOutcome {
  statusCode: number;
  statusDescription: string;
  balance: number | undefined;
}

export interface FigenSoftClient {
  /** Origin and path the client posts to, without credentials. */
  readonly baseUrl: string;
  send1N(params: Send1NParams, options?: CallOptions): Promise<SendOutcome>;
  status(params: StatusParams, options?: CallOptions): Promise<StatusOutcome>;
  creditBalance(params: { credentials: FigenSoftCredentials }, options?: CallOptions): Promise<CreditBalanceOutcome>;
  close(): Promise<void>;
}

export function createFigenSoftClient(options: FigenSoftClientOptions = {}): FigenSoftClient {
  return new UndiciFigenSoftClient(options);
}

class UndiciFigenSoftClient implements FigenSoftClient {
  readonly baseUrl: string;
  private readonly http: WireHttp;
  private readonly paths: Record<Endpoint, string>;

  constructor(options: FigenSoftClientOptions) {
    const { origin, prefix } = splitBaseUrl(options.baseUrl ?? FIGENSOFT_DEFAULT_BASE_URL);
    this.baseUrl = `${origin}${prefix}`;
    this.paths = {
      send1N: prefix + ENDPOINTS.send1N,
      status: prefix + ENDPOINTS.status,
      creditBalance: prefix + ENDPOINTS.creditBalance,
    };
    this.http = new WireHttp({
      provider: 'FigenSoft',
      origin,
      ...(options.connections === undefined ? {} : { connections: options.connections }),
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    });
  }

  async send1N(params: Send1NParams, options: CallOptions = {}): Promise<SendOutcome> {
    const frame: BodyFrame = {
      head: Buffer.from(`{${authFields(params.credentials)},"Message":${JSON.stringify(params.message)},"Receivers":`),
      tail: Buffer.from(sendFieldsTail(params)),
    };
    const receivers = params.receivers;
    return this.sendInParts('send1N', receivers.length, options, (from, to) => send1NBody(frame, receivers, from, to));
  }

  /**
   * Splits a send into requests of at most 800 receivers, sent one after the
   * other: a failing part stops the rest, so a failure never leaves later parts
   * in an unknown state, and the outcome says how many receivers were accepted.
   */
  private sendInParts(
    endpoint: 'send1N',
    count: number,
    options: CallOptions,
    bodyFor: (from: number, to: number) => string | Buffer,
  ): Promise<SendOutcome> {
    if (count <= MAX_RECEIVERS_PER_REQUEST) {
      // One request, the usual case: no async wrapper of its own.
      return this.call(endpoint, bodyFor(0, count), readSendResponse, options).then((response) => {
        const ok = response.StatusCode === STATUS_OK;
        return {
          statusCode: response.StatusCode,
          statusDescription: response.StatusDescription ?? '',
          result: ok ? (response.Result ?? []) : [],
          acceptedReceivers: ok ? count : 0,
          requests: 1,
        };
      });
    }
    return this.sendSplit(endpoint, count, options, bodyFor);
  }

  private async sendSplit(
    endpoint: 'send1N',
    count: number,
    options: CallOptions,
    bodyFor: (from: number, to: number) => string | Buffer,
  ): Promise<SendOutcome> {
    const result: SendResultEntry[] = [];
    let requests = 0;
    for (let from = 0; from < count; from += MAX_RECEIVERS_PER_REQUEST) {
      const to = Math.min(from + MAX_RECEIVERS_PER_REQUEST, count);
      requests++;
      let response;
      try {
        response = await this.call(endpoint, bodyFor(from, to), readSendResponse, options);
      } catch (error) {
        if (error instanceof FigenSoftTransportError) error.acceptedReceivers = from;
        throw error;
      }
      if (response.StatusCode !== STATUS_OK) {
        return {
          statusCode: response.StatusCode,
          statusDescription: response.StatusDescription ?? '',
          result,
          acceptedReceivers: from,
          requests,
        };
      }
      const entries = response.Result ?? [];
      for (let i = 0; i < entries.length; i++) result.push(entries[i]!);
    }
    return { statusCode: STATUS_OK, statusDescription: '', result, acceptedReceivers: count, requests };
  }

  async status(params: StatusParams, options: CallOptions = {}): Promise<StatusOutcome> {
    const head = `{${authFields(params.credentials)},"MessageIds":`;
    const ids = params.messageIds;
    const parts: Promise<StatusResponse>[] = [];
    // Reads are idempotent, so the parts go out together.
    for (let from = 0; from < Math.max(ids.length, 1); from += MAX_MESSAGE_IDS_PER_STATUS_REQUEST) {
      const body = `${head}${JSON.stringify(ids.slice(from, from + MAX_MESSAGE_IDS_PER_STATUS_REQUEST))}}`;
      parts.push(this.call('status', body, readStatusResponse, options));
    }
    const responses = await Promise.all(parts);
    const failed = responses.find((r) => r.StatusCode !== STATUS_OK);
    if (failed) return { statusCode: failed.StatusCode, statusDescription: failed.StatusDescription ?? '', result: [] };
    const result: StatusResultEntry[] = [];
    for (const response of responses) for (const entry of response.Result ?? []) result.push(entry);
    return { statusCode: STATUS_OK, statusDescription: responses[0]?.StatusDescription ?? '', result };
  }

  async creditBalance(params: { credentials: FigenSoftCredentials }, options: CallOptions = {}): Promise<CreditBalanceOutcome> {
    const response = await this.call('creditBalance', `{${authFields(params.credentials)}}`, readCreditBalanceResponse, options);
    return {
      statusCode: response.StatusCode,
      statusDescription: response.StatusDescription ?? '',
      balance: response.StatusCode === STATUS_OK ? response.Result?.Balance : undefined,
    };
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /**
   * One POST: resolves with the body of a 2xx answer as `read` makes it out, or
   * rejects with a FigenSoftTransportError (also when `read` cannot make it out).
   * FigenSoft answers its own errors with HTTP 200 and a body StatusCode, so the
   * body of a non-2xx is never looked at: it is a web server's or a proxy's.
   */
  private call<T>(endpoint: Endpoint, body: string | Buffer, read: (json: unknown) => T | undefined, options: CallOptions): Promise<T> {
    const operation = ENDPOINT_NAMES[endpoint];
    return this.http.exchange({ method: 'POST', path: this.paths[endpoint], headers: HEADERS, body }, operation, options.signal).then(
      (exchange) => this.answer(exchange, endpoint, operation, read),
      (error: unknown) => {
        throw error instanceof WireTransportError ? FigenSoftTransportError.of(error, endpoint) : error;
      },
    );
  }

  private answer<T>(exchange: Exchange, endpoint: Endpoint, operation: string, read: (json: unknown) => T | undefined): T {
    if (exchange.statusCode < 200 || exchange.statusCode >= 300) throw FigenSoftTransportError.of(this.http.httpStatusError(operation, exchange), endpoint);
    let json: unknown;
    try {
      json = JSON.parse(exchange.body);
    } catch (error) {
      throw FigenSoftTransportError.of(this.http.garbledError(operation, error), endpoint);
    }
    const value = read(json);
    // No zod error is attached: its issues may quote the answer.
    if (value === undefined) throw FigenSoftTransportError.of(this.http.garbledError(operation), endpoint);
    return value;
  }
}

/** The optional send fields, JSON-encoded once per send and appended to every part's body. */
function sendFieldsTail(params: SendFields): string {
  let tail = '';
  if (params.originator !== undefined) tail += `,"Originator":${JSON.stringify(params.originator)}`;
  if (params.sendDate !== undefined) tail += `,"SendDate":"${formatFigenSoftDate(params.sendDate)}"`;
  if (params.expireDate !== undefined) tail += `,"ExpireDate":"${formatFigenSoftDate(params.expireDate)}"`;
  if (params.channel !== undefined) tail += `,"Channel":${JSON.stringify(params.channel)}`;
  return `${tail}}`;
}
