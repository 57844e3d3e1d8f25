import { inspect } from 'node:util';
import { WaiterList, type Waiter } from '@rota/provider';
import { Pool, type Dispatcher } from 'undici';
import { formatFigenSoftDate } from './figensoft-dates.js';
import { send1NBody, type BodyFrame } from './figensoft-send-body.js';
import {
  ENDPOINTS,
  readCreditBalanceResponse,
  readSendResponse,
  readStatusResponse,
  STATUS_OK,
  toWireNumber,
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
 */

export const FIGENSOFT_DEFAULT_BASE_URL = 'https://www.postaguvercini.com/api_json';
/** The service answers 1070 past this many receivers in one request [sure]. */
export const MAX_RECEIVERS_PER_REQUEST = 800;
/**
 * ASSUMPTION: the Status endpoint's limit is undocumented; we ask for at most
 * this many ids per request, well under anything a .NET JSON binder chokes on.
 */
export const MAX_MESSAGE_IDS_PER_STATUS_REQUEST = 500;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_CONNECTIONS = 16;
/** An answer larger than this is not a FigenSoft answer; reading on would only hold memory. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

const HEADERS = { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' } as const;

// ---------------------------------------------------------------------------
// Credentials

let authFieldsOf: (credentials: FigenSoftCredentials) => string;
let passwordOf: (credentials: FigenSoftCredentials) => string;

/**
 * A username and password for one FigenSoft account. The password lives in a
 * private field (already JSON-encoded into the body fragment every request
 * starts with), so `JSON.stringify`, `util.inspect`, a logger or a snapshot of
 * this object can never show it. Only this module can read it.
 */
export class FigenSoftCredentials {
  readonly username: string;
  readonly #password: string;
  readonly #authFields: string;

  static {
    authFieldsOf = (credentials) => credentials.#authFields;
    passwordOf = (credentials) => credentials.#password;
  }

  constructor(username: string, password: string) {
    if (!username) throw new TypeError('FigenSoft username must not be empty');
    if (!password) throw new TypeError(`FigenSoft password for "${username}" must not be empty`);
    this.username = username;
    this.#password = password;
    this.#authFields = `"Username":${JSON.stringify(username)},"Password":${JSON.stringify(password)}`;
  }

  toJSON(): { username: string; password: '[redacted]' } {
    return { username: this.username, password: '[redacted]' };
  }

  toString(): string {
    return `FigenSoftCredentials(${this.username})`;
  }

  [inspect.custom](): string {
    return `FigenSoftCredentials { username: ${JSON.stringify(this.username)}, password: [redacted] }`;
  }
}

/**
 * `text` with every occurrence of the account's password replaced: for text
 * that comes from the service (a StatusDescription) before it goes into an
 * error message, in case the service ever echoes what it was sent.
 */
export function redactPassword(credentials: FigenSoftCredentials, text: string): string {
  const password = passwordOf(credentials);
  return text.includes(password) ? text.split(password).join('[redacted]') : text;
}

// ---------------------------------------------------------------------------
// Transport errors

/**
 * What went wrong below the body StatusCode. `-before-write` means the request's
 * bytes never reached the socket (nothing can have been accepted);
 * `-after-write` means they may have.
 */
export type TransportFailure =
  | 'connection-refused'
  | 'dns-failure'
  | 'connect-timeout'
  | 'tls-failure'
  | 'connect-failed'
  | 'timeout-before-write'
  | 'timeout-after-write'
  | 'aborted-before-write'
  | 'aborted-after-write'
  | 'reset-after-write'
  | 'http-status'
  | 'garbled-response';

/** The only parts of an underlying error we keep: never its message, request or body. */
export interface SanitizedCause {
  name: string;
  code?: string;
}

export interface FigenSoftTransportErrorFields {
  failure: TransportFailure;
  endpoint: Endpoint;
  requestWritten: boolean;
  httpStatus?: number;
  retryAfterMs?: number;
  errorCode?: string;
  cause?: SanitizedCause;
}

export class FigenSoftTransportError extends Error {
  override readonly name = 'FigenSoftTransportError';
  readonly failure: TransportFailure;
  readonly endpoint: Endpoint;
  /** Whether the request's bytes may have reached the service. */
  readonly requestWritten: boolean;
  readonly httpStatus: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** The socket or undici error code, e.g. `ECONNREFUSED`, `UND_ERR_SOCKET`. */
  readonly errorCode: string | undefined;
  /**
   * Receivers of a split send that earlier requests had already been accepted
   * for when this one failed (0 unless the send was split and a later part failed).
   */
  acceptedReceivers = 0;

  constructor(message: string, fields: FigenSoftTransportErrorFields) {
    super(message, fields.cause ? { cause: fields.cause } : undefined);
    this.failure = fields.failure;
    this.endpoint = fields.endpoint;
    this.requestWritten = fields.requestWritten;
    this.httpStatus = fields.httpStatus;
    this.retryAfterMs = fields.retryAfterMs;
    this.errorCode = fields.errorCode;
  }
}

const FAILURE_TEXT: Record<TransportFailure, string> = {
  'connection-refused': 'connection refused',
  'dns-failure': 'host name did not resolve',
  'connect-timeout': 'connect timed out',
  'tls-failure': 'TLS handshake failed',
  'connect-failed': 'could not connect',
  'timeout-before-write': 'timed out before the request was sent',
  'timeout-after-write': 'timed out waiting for the answer',
  'aborted-before-write': 'aborted before the request was sent',
  'aborted-after-write': 'aborted after the request was sent',
  'reset-after-write': 'connection closed after the request was sent',
  'http-status': 'HTTP error status',
  'garbled-response': 'answer is not a FigenSoft JSON answer',
};

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const isTlsCode = (code: string): boolean =>
  code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT') || code.includes('SELF_SIGNED');

function sanitize(error: unknown): SanitizedCause {
  if (error && typeof error === 'object') {
    const { name, code } = error as { name?: unknown; code?: unknown };
    return typeof code === 'string' ? { name: String(name ?? 'Error'), code } : { name: String(name ?? 'Error') };
  }
  return { name: typeof error };
}

function classifySocketError(error: unknown, written: boolean): TransportFailure {
  const code = (error as { code?: unknown } | null)?.code;
  const c = typeof code === 'string' ? code : '';
  if (written) return TIMEOUT_CODES.has(c) ? 'timeout-after-write' : 'reset-after-write';
  if (c === 'ECONNREFUSED') return 'connection-refused';
  if (DNS_CODES.has(c)) return 'dns-failure';
  if (c === 'UND_ERR_CONNECT_TIMEOUT') return 'connect-timeout';
  if (isTlsCode(c)) return 'tls-failure';
  return 'connect-failed';
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const trimmed = v.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

// ---------------------------------------------------------------------------
// One HTTP exchange

interface Exchange {
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
class ExchangeHandler implements Dispatcher.DispatchHandler {
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

  /** Gives up on the exchange (timeout or caller's abort); undici stops it if it is still running. */
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

/**
 * One 'abort' listener per signal, fanning out to the requests waiting on it.
 * The router hands many concurrent calls the same deadline signal; a listener
 * per request would make every add/remove walk a long EventTarget list (and
 * trip Node's MaxListeners warning at 11).
 */
class AbortFanout {
  private readonly waiting = new WeakMap<AbortSignal, WaiterList<void>>();

  /** `onAbort` runs if `signal` aborts before the returned waiter leaves. */
  join(signal: AbortSignal, onAbort: () => void): Waiter<void> {
    let list = this.waiting.get(signal);
    if (!list) {
      const created = new WaiterList<void>();
      list = created;
      this.waiting.set(signal, created);
      signal.addEventListener('abort', () => created.release(), { once: true });
    }
    return list.join(onAbort);
  }
}

// ---------------------------------------------------------------------------
// The client

export interface FigenSoftClientOptions {
  /** Default: the public API. An account's `customApiUrl` goes here. */
  baseUrl?: string;
  requestTimeoutMs?: number;
  /** Keep-alive connections in the pool. */
  connections?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overall deadline of each HTTP request of this call (queueing and connecting included); default: the client's. */
  timeoutMs?: number;
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

export interface SendNNParams extends SendFields {
  messages: readonly { receiver: string; message: string }[];
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
  sendNN(params: SendNNParams, options?: CallOptions): Promise<SendOutcome>;
  status(params: StatusParams, options?: CallOptions): Promise<StatusOutcome>;
  creditBalance(params: { credentials: FigenSoftCredentials }, options?: CallOptions): Promise<CreditBalanceOutcome>;
  close(): Promise<void>;
}

export function createFigenSoftClient(options: FigenSoftClientOptions = {}): FigenSoftClient {
  return new UndiciFigenSoftClient(options);
}

const ENDPOINT_NAMES: Record<Endpoint, string> = {
  send1N: 'Send_1_N',
  sendNN: 'Send_N_N',
  status: 'Status',
  creditBalance: 'CreditBalance',
};

class UndiciFigenSoftClient implements FigenSoftClient {
  readonly baseUrl: string;
  private readonly pool: Pool;
  private readonly origin: string;
  private readonly paths: Record<Endpoint, string>;
  private readonly timeoutMs: number;
  private readonly aborts = new AbortFanout();
  private closed = false;

  constructor(options: FigenSoftClientOptions) {
    const url = new URL(options.baseUrl ?? FIGENSOFT_DEFAULT_BASE_URL);
    if (url.username || url.password) throw new TypeError('FigenSoft base URL must not carry credentials');
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('FigenSoft base URL must be http(s)');
    const prefix = url.pathname.replace(/\/+$/, '');
    this.origin = url.origin;
    this.baseUrl = `${url.origin}${prefix}`;
    this.paths = {
      send1N: prefix + ENDPOINTS.send1N,
      sendNN: prefix + ENDPOINTS.sendNN,
      status: prefix + ENDPOINTS.status,
      creditBalance: prefix + ENDPOINTS.creditBalance,
    };
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.pool = new Pool(this.origin, {
      connections: options.connections ?? DEFAULT_CONNECTIONS,
      pipelining: 1,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      connect: { timeout: this.timeoutMs },
    });
  }

  async send1N(params: Send1NParams, options: CallOptions = {}): Promise<SendOutcome> {
    const frame: BodyFrame = {
      head: Buffer.from(`{${authFieldsOf(params.credentials)},"Message":${JSON.stringify(params.message)},"Receivers":`),
      tail: Buffer.from(sendFieldsTail(params)),
    };
    const receivers = params.receivers;
    return this.sendInParts('send1N', receivers.length, options, (from, to) => send1NBody(frame, receivers, from, to));
  }

  async sendNN(params: SendNNParams, options: CallOptions = {}): Promise<SendOutcome> {
    const head = `{${authFieldsOf(params.credentials)},"Messages":`;
    const tail = sendFieldsTail(params);
    const messages = params.messages;
    return this.sendInParts('sendNN', messages.length, options, (from, to) => {
      const wire = new Array<{ Receiver: string; Message: string }>(to - from);
      for (let i = from; i < to; i++) {
        const m = messages[i]!;
        wire[i - from] = { Receiver: toWireNumber(m.receiver), Message: m.message };
      }
      return head + JSON.stringify(wire) + tail;
    });
  }

  /**
   * Splits a send into requests of at most 800 receivers, sent one after the
   * other: a failing part stops the rest, so a failure never leaves later parts
   * in an unknown state, and the outcome says how many receivers were accepted.
   */
  private sendInParts(
    endpoint: 'send1N' | 'sendNN',
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
    endpoint: 'send1N' | 'sendNN',
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
    const head = `{${authFieldsOf(params.credentials)},"MessageIds":`;
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
    const response = await this.call('creditBalance', `{${authFieldsOf(params.credentials)}}`, readCreditBalanceResponse, options);
    return {
      statusCode: response.StatusCode,
      statusDescription: response.StatusDescription ?? '',
      balance: response.StatusCode === STATUS_OK ? response.Result?.Balance : undefined,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close();
  }

  /**
   * One POST: resolves with the body of a 2xx answer as `read` makes it out, or
   * rejects with a FigenSoftTransportError (also when `read` cannot make it out).
   */
  private call<T>(endpoint: Endpoint, body: string | Buffer, read: (json: unknown) => T | undefined, options: CallOptions): Promise<T> {
    return this.exchange(endpoint, body, options.signal, options.timeoutMs ?? this.timeoutMs).then((exchange) => {
      if (exchange.statusCode < 200 || exchange.statusCode >= 300) {
        throw this.error(endpoint, 'http-status', true, {
          httpStatus: exchange.statusCode,
          retryAfterMs: parseRetryAfter(exchange.retryAfter),
        });
      }
      let json: unknown;
      try {
        json = JSON.parse(exchange.body);
      } catch (error) {
        throw this.error(endpoint, 'garbled-response', true, { cause: sanitize(error) });
      }
      const value = read(json);
      // No zod error is attached: its issues may quote the answer.
      if (value === undefined) throw this.error(endpoint, 'garbled-response', true);
      return value;
    });
  }

  private exchange(endpoint: Endpoint, body: string | Buffer, signal: AbortSignal | undefined, timeoutMs: number): Promise<Exchange> {
    if (this.closed) return Promise.reject(this.error(endpoint, 'connect-failed', false, { errorCode: 'CLIENT_CLOSED' }));
    if (signal?.aborted) return Promise.reject(this.error(endpoint, 'aborted-before-write', false, { errorCode: 'aborted' }));
    return new Promise<Exchange>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let waiter: Waiter<void> | undefined;
      const finish = (): void => {
        if (timer) clearTimeout(timer);
        waiter?.leave();
      };
      const handler = new ExchangeHandler(
        (exchange) => {
          finish();
          resolve(exchange);
        },
        (failure, cause) => {
          finish();
          const code = (cause as { code?: unknown } | undefined)?.code;
          reject(this.error(endpoint, failure, handler.written, {
            errorCode: typeof code === 'string' ? code : undefined,
            cause: cause === undefined ? undefined : sanitize(cause),
          }));
        },
      );
      const giveUp = (before: TransportFailure, after: TransportFailure, code: string): void => {
        if (handler.settled) return;
        const written = handler.written;
        handler.abandon(new Error(code));
        finish();
        reject(this.error(endpoint, written ? after : before, written, { errorCode: code }));
      };
      const onAbort = (): void => giveUp('aborted-before-write', 'aborted-after-write', 'aborted');
      timer = setTimeout(() => giveUp('timeout-before-write', 'timeout-after-write', 'timeout'), timeoutMs);
      if (signal) waiter = this.aborts.join(signal, onAbort);
      try {
        this.pool.dispatch(
          { origin: this.origin, path: this.paths[endpoint], method: 'POST', headers: HEADERS, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs },
          handler,
        );
      } catch (error) {
        handler.settled = true;
        finish();
        reject(this.error(endpoint, 'connect-failed', false, { cause: sanitize(error) }));
      }
    });
  }

  private error(
    endpoint: Endpoint,
    failure: TransportFailure,
    requestWritten: boolean,
    extra: { httpStatus?: number; retryAfterMs?: number; errorCode?: string; cause?: SanitizedCause } = {},
  ): FigenSoftTransportError {
    const errorCode = extra.errorCode ?? extra.cause?.code;
    const detail = extra.httpStatus !== undefined ? ` ${extra.httpStatus}` : errorCode ? ` (${errorCode})` : '';
    return new FigenSoftTransportError(
      `FigenSoft ${ENDPOINT_NAMES[endpoint]} at ${this.baseUrl}: ${FAILURE_TEXT[failure]}${detail}`,
      { failure, endpoint, requestWritten, ...extra, errorCode },
    );
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
