import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent } from 'undici';
import { forbiddenAddress } from './address-policy.js';
import { SharedDeadlines } from './shared-deadlines.js';

export interface WebhookClientOptions {
  /** Plain http receivers are allowed only for development. Default false: https only. */
  allowHttp?: boolean;
  /** What a refusal of plain http names as the switch to turn on: `allowHttp` by default; an application its own setting. */
  allowHttpName?: string;
  /** Addresses (after resolution) a receiver may have although they are private or loopback: an operator's own hosts. */
  allowedAddresses?: readonly string[];
  /** Longest a delivery may take, connecting included. Default 5000. */
  timeoutMs?: number;
  /** Most bytes of a receiver's answer that are read; the rest is dropped. Default 64 KiB. */
  maxResponseBytes?: number;
  /** Connections kept per receiver origin. Default 8. */
  connections?: number;
  /**
   * How a receiver's name becomes addresses: every one is checked, and the
   * connection made to one that passed. Default: the system resolver
   * (`dns.lookup`, all addresses). A test, or a deployment with its own DNS, gives its own.
   */
  lookup?: (hostname: string) => Promise<readonly LookupAddress[]>;
}

const systemLookup = (hostname: string): Promise<LookupAddress[]> => dnsLookup(hostname, { all: true });

export type DeliveryAttempt =
  | { ok: true; status: number }
  /** `retry`: worth another try later. `gone`: the receiver answered 410 — stop sending to it. */
  | { ok: false; status?: number; error: string; retry: boolean; gone?: boolean };

/**
 * Why a URL may not be a webhook receiver at all, or undefined when it may (its address is checked at delivery).
 * `allowHttpName`: as WebhookClientOptions.allowHttpName (the gateway passes its configuration key).
 */
export function receiverUrlProblem(value: string, allowHttp = false, allowHttpName = 'allowHttp'): string | undefined {
  const parsed = parseReceiverUrl(value, allowHttp, allowHttpName);
  return 'problem' in parsed ? parsed.problem : undefined;
}

/** The URL, parsed once for both the check and the request, or why it may not be a receiver. */
function parseReceiverUrl(value: string, allowHttp: boolean, allowHttpName: string): { url: URL } | { problem: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: 'must be an absolute URL' };
  }
  if (url.username || url.password) return { problem: 'must not contain credentials' };
  if (url.protocol === 'https:') return { url };
  if (url.protocol === 'http:') return allowHttp ? { url } : { problem: `must use https (plain http only when ${allowHttpName} is on, for development)` };
  return { problem: allowHttp ? 'must be an https or http URL' : 'must be an https URL' };
}

/**
 * Posts signed webhook bodies to receivers chosen by API clients, so it is
 * built not to be turned against the gateway's own network (SSRF): https only
 * (unless development), the receiver's address checked after resolution —
 * on the very address the connection then uses, so a name cannot resolve
 * one way for the check and another for the connect — and refused when
 * private, loopback, link-local or a metadata address; redirects never
 * followed; the answer read up to a cap; a time limit on every delivery.
 */
export class WebhookClient {
  private readonly agent: Agent;
  private readonly allowed: ReadonlySet<string>;
  private readonly allowHttp: boolean;
  private readonly allowHttpName: string;
  private readonly deadlines: SharedDeadlines;
  private readonly maxResponseBytes: number;

  constructor(options: WebhookClientOptions = {}) {
    this.allowed = new Set(options.allowedAddresses ?? []);
    this.allowHttp = options.allowHttp ?? false;
    this.allowHttpName = options.allowHttpName ?? 'allowHttp';
    const timeoutMs = options.timeoutMs ?? 5_000;
    this.deadlines = new SharedDeadlines(timeoutMs);
    this.maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
    const allowed = this.allowed;
    const resolve = options.lookup ?? systemLookup;
    this.agent = new Agent({
      connections: options.connections ?? 8,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connect: {
        timeout: timeoutMs,
        // Resolve, check every address, connect to one that passed: nothing else is ever dialled.
        lookup: (hostname: string, opts: { all?: boolean }, callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void) => {
          resolve(hostname).then(
            (addresses) => {
              if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} resolves to no address`), { code: 'ENOTFOUND' }), '', 0);
              const refused = addresses.map((a) => forbiddenAddress(a.address, allowed)).find((reason) => reason !== undefined);
              if (refused) return callback(Object.assign(new Error(`${hostname} resolves to an address that ${refused}`), { code: 'ROTA_FORBIDDEN_ADDRESS' }), '', 0);
              if (opts.all) return callback(null, [...addresses]);
              const [first] = addresses;
              return callback(null, first!.address, first!.family);
            },
            (error: Error) => callback(error, '', 0),
          );
        },
      },
    });
  }

  /** One delivery. Never throws: every failure is an answer saying whether a retry could help. */
  async deliver(url: string, body: string, headers: Record<string, string>): Promise<DeliveryAttempt> {
    const parsed = parseReceiverUrl(url, this.allowHttp, this.allowHttpName);
    if ('problem' in parsed) return { ok: false, error: `the receiver URL ${parsed.problem}`, retry: false };
    const { hostname, origin, pathname, search } = parsed.url;
    const literal = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    // An IP literal is never looked up, so it is checked here.
    if (isIP(literal) !== 0) {
      const refused = forbiddenAddress(literal, this.allowed);
      if (refused) return { ok: false, error: `the receiver's address ${refused}`, retry: false };
    }
    try {
      // The agent's own request, with the URL already parsed: undici's top-level request() would parse it again.
      const response = await this.agent.request({
        origin,
        path: `${pathname}${search}`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Rota-Webhooks/1', ...headers },
        body,
        // undici's request follows no redirect (that takes its redirect interceptor): a 3xx is answered as it is.
        // The signal bounds the whole delivery, answer included: undici ends the body with it.
        signal: this.deadlines.signal(),
      });
      // Read up to the cap and drop the rest: a receiver cannot make us hold a large body.
      await response.body.dump({ limit: this.maxResponseBytes });
      const status = response.statusCode;
      if (status >= 200 && status < 300) return { ok: true, status };
      if (status === 410) return { ok: false, status, error: 'the receiver answered 410 Gone', retry: false, gone: true };
      if (status >= 300 && status < 400) return { ok: false, status, error: `the receiver redirected (${status}); redirects are not followed`, retry: true };
      return { ok: false, status, error: `the receiver answered ${status}`, retry: true };
    } catch (error) {
      const code = (error as { code?: unknown; cause?: { code?: unknown } }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
      if (code === 'ROTA_FORBIDDEN_ADDRESS') return { ok: false, error: (error as Error).message, retry: false };
      const name = error instanceof Error ? error.name : 'Error';
      return { ok: false, error: `delivery failed: ${typeof code === 'string' ? code : name}`, retry: true };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
    this.deadlines.close();
  }
}
