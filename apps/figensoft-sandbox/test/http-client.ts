import { Agent, request, type IncomingHttpHeaders } from 'node:http';

// A small node:http client for the tests: keep-alive like a real provider
// client, and able to give up on a request (for the hang and latency faults).

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface RequestOptions {
  method?: string;
  /** Raw body; objects are sent as JSON. */
  body?: unknown;
  /** Give up (destroy the request) after this long; the promise then rejects with code 'CLIENT_TIMEOUT'. */
  timeoutMs?: number;
  agent?: Agent;
  headers?: Record<string, string>;
  /** The body's content type (default JSON). */
  contentType?: string;
}

export function httpRequest(url: string, options: RequestOptions = {}): Promise<HttpResponse> {
  const payload =
    options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? (payload === undefined ? 'GET' : 'POST'),
        agent: options.agent,
        headers: {
          ...(payload === undefined ? {} : { 'content-type': options.contentType ?? 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) }),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.timeoutMs !== undefined) {
      const timer = setTimeout(() => req.destroy(Object.assign(new Error('client gave up'), { code: 'CLIENT_TIMEOUT' })), options.timeoutMs);
      req.on('close', () => clearTimeout(timer));
    }
    req.end(payload);
  });
}

/** The body as JSON; fails the test with the raw text if it is not JSON. */
export function json<T = any>(response: HttpResponse): T {
  try {
    return JSON.parse(response.text) as T;
  } catch {
    throw new Error(`response is not JSON (HTTP ${response.status}): ${response.text.slice(0, 200)}`);
  }
}
