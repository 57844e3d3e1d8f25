/*
 * The console's one way to the gateway: the admin routes, with the admin token
 * in an Authorization header, exactly as curl calls them. The token lives in
 * this page's memory only (never localStorage, a cookie or a URL): a reload of
 * the page signs the operator out.
 */

export interface Session {
  token: string;
  /** Who is at the keyboard, for the gateway's audit log (X-Rota-Operator); grants nothing. */
  operator?: string;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: { path: string; reason: string }[] = [],
  ) {
    super(message);
  }
}

type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export interface Api {
  get<T>(path: string, options?: { accept?: number[] }): Promise<T>;
  send<T>(method: 'POST' | 'PATCH', path: string, body: unknown): Promise<T>;
  /** `send`, with the answer's status too: where a 200 and a 202 mean different things (a resend made now, or already). */
  sendWithStatus<T>(method: 'POST' | 'PATCH', path: string, body: unknown): Promise<{ status: number; body: T }>;
}

/** What a refusal means to an operator, in words. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? `The gateway could not be reached: ${error.message}` : 'The gateway could not be reached.';
  if (error.status === 401) return 'The gateway does not accept this token.';
  if (error.status === 403) return 'This is not the admin token: a send key cannot use the console.';
  const issues = error.issues.map((issue) => `${issue.path}: ${issue.reason}`).join('; ');
  return `${error.message}${issues ? ` (${issues})` : ''}`;
}

export function createApi(session: Session, options: { base?: string; fetch?: Fetch; onUnauthorized?: () => void } = {}): Api {
  const base = options.base ?? '';
  const doFetch: Fetch = options.fetch ?? ((input, init) => fetch(input, init));

  async function call<T>(method: string, path: string, body: unknown, accept: number[] = []): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { authorization: `Bearer ${session.token}`, accept: 'application/json' };
    // Percent-encoded: a header value cannot carry 'ş' as it is.
    if (session.operator) headers['x-rota-operator'] = encodeURIComponent(session.operator);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await doFetch(`${base}${path}`, {
      method,
      headers,
      credentials: 'omit',
      cache: 'no-store',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    let parsed: unknown;
    try {
      parsed = await response.json();
    } catch {
      parsed = undefined;
    }
    if (response.ok || accept.includes(response.status)) return { status: response.status, body: parsed as T };
    const answer = (parsed ?? {}) as { error?: string; message?: string; issues?: { path: string; reason: string }[] };
    if (response.status === 401) options.onUnauthorized?.();
    throw new ApiError(response.status, answer.error ?? 'http-error', answer.message ?? `HTTP ${response.status}`, answer.issues ?? []);
  }

  return {
    get: async (path, opts) => (await call<never>('GET', path, undefined, opts?.accept)).body,
    send: async (method, path, body) => (await call<never>(method, path, body)).body,
    sendWithStatus: (method, path, body) => call(method, path, body),
  };
}

/** A query string from the filled-in fields only. */
export function queryOf(fields: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
