import { Agent, request } from 'undici';

export const agent = new Agent({ connections: 64 });

export interface Answer {
  status: number;
  body: Record<string, any>;
}

/** One JSON call to a gateway. */
export async function call(base: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, key: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await request(`${base}${path}`, {
    method,
    dispatcher: agent,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: text === '' ? {} : (JSON.parse(text) as Record<string, any>) };
}

/** Waits until `check` holds, polling every `everyMs`; throws after `withinMs` saying what it waited for. */
export async function until(what: string, check: () => boolean | Promise<boolean>, withinMs: number, everyMs = 20): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > withinMs) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return Date.now() - started;
}
