import { Agent, request } from 'undici';
import { UsageError } from './cli-io.js';

/** What a command needs to reach a running gateway. */
export interface GatewayTarget {
  url: string;
  key: string;
}

/** The flags every command that calls a gateway takes. */
export const CONNECTION_OPTIONS = { url: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean' } } as const;

export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8080';
const REQUEST_TIMEOUT_MS = 60_000;

export function resolveTarget(flags: { url?: string | undefined; key?: string | undefined }, env: Readonly<Record<string, string | undefined>>): GatewayTarget {
  const url = flags.url ?? env.ROTA_GATEWAY_URL ?? DEFAULT_GATEWAY_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError('--url must be an absolute http(s) URL, e.g. http://127.0.0.1:8080');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError('--url must use http or https');
  // Said without the URL: it would be echoed, with what it carries, into the terminal and its scrollback.
  if (parsed.username !== '' || parsed.password !== '') throw new UsageError('--url must not carry credentials (user:password@): the gateway takes its key from --key or ROTA_API_KEY');
  if (parsed.search !== '' || parsed.hash !== '') throw new UsageError('--url must be the gateway\'s address without a query or fragment, e.g. http://127.0.0.1:8080');
  const key = flags.key ?? env.ROTA_API_KEY;
  if (key === undefined || key === '') throw new UsageError('--key is required (or set ROTA_API_KEY)');
  return { url: url.replace(/\/+$/, ''), key };
}

export class GatewayUnreachableError extends Error {
  override readonly name = 'GatewayUnreachableError';
}

export async function callGateway(
  target: GatewayTarget,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  // One short-lived agent per call: a CLI makes one request, and no socket may outlive it.
  const dispatcher = new Agent({ connections: 1 });
  try {
    return await send(dispatcher, target, method, path, body);
  } finally {
    await dispatcher.close();
  }
}

async function send(dispatcher: Agent, target: GatewayTarget, method: 'GET' | 'POST', path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  let response;
  try {
    response = await request(`${target.url}${path}`, {
      method,
      dispatcher,
      headers: {
        authorization: `Bearer ${target.key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new GatewayUnreachableError(`cannot reach the gateway at ${target.url}: ${code ?? (error instanceof Error ? error.message : String(error))}`);
  }
  const text = await response.body.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.statusCode, body: parsed };
}

/** `error: message` plus every issue, the way the gateway words a refusal. */
export function describeRefusal(status: number, body: unknown, flagOf: (path: string) => string = (p) => p, reword: (reason: string, path: string) => string = (reason) => reason): string[] {
  const b = (body ?? {}) as { error?: string; message?: string; issues?: { path: string; reason: string }[] };
  const issues = b.issues ?? [];
  // A message that only restates its issues is left out: the issue lines say it, by flag.
  const restated = issues.length > 0 && issues.every((issue) => b.message?.includes(issue.reason));
  const lines = [`the gateway answered ${status}${b.error ? ` ${b.error}` : ''}${b.message && !restated ? `: ${reword(b.message, '')}` : ''}`];
  for (const issue of issues) lines.push(`  ${flagOf(issue.path)}: ${reword(issue.reason, issue.path)}`);
  return lines;
}
