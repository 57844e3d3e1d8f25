import { DEFAULT_CONNECTIONS, splitBaseUrl, WireHttp } from '@rota/provider/http';
import type { Dispatcher } from 'undici';
import { MOBILDEV_DEFAULT_BASE_URL } from './mobildev-config.js';
import { credentialElements, type MobildevCredentials } from './mobildev-credentials.js';
import { readAnswer, readReportLines, readUserInfo, reportBody, sendBody, userInfoBody, type ReportLine, type SendPacket } from './mobildev-wire.js';

/**
 * Mobildev's XML API over HTTP, and nothing more: it posts XML to the one URL
 * and reads the plain-text answer — a packet id, a two-digit code, report lines
 * or the user info. Anything else (a non-2xx, an unreadable answer, a failed
 * connection, an abort) is a `WireTransportError` saying whether the request
 * was written. What a code means for routing is mobildev-codes.ts's business.
 * The caller's `signal` is the one time limit.
 */

export interface MobildevClientOptions {
  /** Default: https://xmlapi.mobildev.com. */
  baseUrl?: string;
  connections?: number;
  /** The transport, for a caller that brings its own; not closed with the client. Default: an undici Pool of its own. */
  dispatcher?: Dispatcher;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** A packet id, or the two-digit code Mobildev answered instead. */
export type SendAnswer = { ok: true; packetId: string } | { ok: false; code: string };
export type ReportAnswer = { ok: true; lines: ReportLine[] } | { ok: false; code: string };
export type UserInfoAnswer = { ok: true; credit: number; originators: string[] } | { ok: false; code: string };

export interface MobildevClient {
  readonly baseUrl: string;
  /** Action 0: one text, many numbers. */
  send(credentials: MobildevCredentials, packet: SendPacket, options?: CallOptions): Promise<SendAnswer>;
  /** Action 3: the report lines of up to 25 packets. */
  report(credentials: MobildevCredentials, packetIds: readonly string[], options?: CallOptions): Promise<ReportAnswer>;
  /** Action 4: credit and approved originators. */
  userInfo(credentials: MobildevCredentials, options?: CallOptions): Promise<UserInfoAnswer>;
  close(): Promise<void>;
}

export function createMobildevClient(options: MobildevClientOptions = {}): MobildevClient {
  return new UndiciMobildevClient(options);
}

// ASSUMPTION [sure for XML, one source for the exact type]: application/xml, UTF-8.
const HEADERS = { 'content-type': 'application/xml; charset=utf-8', accept: 'text/plain' } as const;

class UndiciMobildevClient implements MobildevClient {
  readonly baseUrl: string;
  private readonly http: WireHttp;
  private readonly path: string;

  constructor(options: MobildevClientOptions) {
    const { origin, prefix } = splitBaseUrl(options.baseUrl ?? MOBILDEV_DEFAULT_BASE_URL);
    this.baseUrl = `${origin}${prefix}`;
    this.path = prefix === '' ? '/' : prefix;
    this.http = new WireHttp({ provider: 'Mobildev', origin, connections: options.connections ?? DEFAULT_CONNECTIONS, ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}) });
  }

  async send(credentials: MobildevCredentials, packet: SendPacket, options: CallOptions = {}): Promise<SendAnswer> {
    const text = await this.post(sendBody(credentialElements(credentials), packet), 'Action 0', options.signal);
    const answer = readAnswer(text);
    if (answer.kind === 'id') return { ok: true, packetId: answer.packetId };
    if (answer.kind === 'code') return { ok: false, code: answer.code };
    throw this.http.garbledError('Action 0');
  }

  async report(credentials: MobildevCredentials, packetIds: readonly string[], options: CallOptions = {}): Promise<ReportAnswer> {
    const text = await this.post(reportBody(credentialElements(credentials), packetIds), 'Action 3', options.signal);
    const answer = readAnswer(text);
    if (answer.kind === 'code') return { ok: false, code: answer.code };
    const lines = readReportLines(text);
    if (!lines) throw this.http.garbledError('Action 3');
    return { ok: true, lines };
  }

  async userInfo(credentials: MobildevCredentials, options: CallOptions = {}): Promise<UserInfoAnswer> {
    const text = await this.post(userInfoBody(credentialElements(credentials)), 'Action 4', options.signal);
    const answer = readAnswer(text);
    if (answer.kind === 'code') return { ok: false, code: answer.code };
    const info = readUserInfo(text);
    if (!info) throw this.http.garbledError('Action 4');
    return { ok: true, ...info };
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** One POST; the body of a 2xx as text. Mobildev answers its own errors with HTTP 200 [guess]: any other status is a transport failure. */
  private async post(body: string | Buffer, operation: string, signal: AbortSignal | undefined): Promise<string> {
    const exchange = await this.http.exchange({ method: 'POST', path: this.path, headers: HEADERS, body }, operation, signal);
    if (exchange.statusCode < 200 || exchange.statusCode >= 300) throw this.http.httpStatusError(operation, exchange);
    return exchange.body;
  }
}
