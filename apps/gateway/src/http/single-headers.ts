import type { FastifyInstance } from 'fastify';

/**
 * Headers a request may carry once. Node keeps the first Authorization or
 * Content-Type of a request that repeats one and silently drops the rest (and
 * joins repeated Idempotency-Key or Content-Encoding values with commas); a
 * proxy in front may act on the last one instead, so the two would disagree on
 * who is calling, what the body is, or which key stands for it. Such a request
 * is refused, not guessed at. Host too: HTTP/1.1 requires a server to refuse
 * a request with two (a proxy routing by one and Rota reading the other).
 * (Node itself refuses a repeated Content-Length.)
 */
const SINGLE_HEADERS = new Set(['authorization', 'content-type', 'content-encoding', 'idempotency-key', 'host']);

/** The first header of `SINGLE_HEADERS` that `rawHeaders` (name, value, name, value, …) repeats, if any. */
export function repeatedSingleHeader(rawHeaders: readonly string[]): string | undefined {
  const seen: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (!SINGLE_HEADERS.has(name)) continue;
    if (seen.includes(name)) return name;
    seen.push(name);
  }
  return undefined;
}

/**
 * Refuses with a 400, before authentication and before the body is read, a
 * request that repeats a single header, or an HTTP/1.1 request without Host
 * (which HTTP/1.1 requires: Node refused it itself with an empty body, so the
 * gateway's server leaves that to this hook and answers in its error shape).
 */
export function refuseRepeatedHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const { raw } = request;
    if (raw.httpVersion === '1.1' && raw.headers.host === undefined) {
      return reply.code(400).header('connection', 'close').send({ error: 'invalid-request', message: 'the Host header is required (HTTP/1.1)' });
    }
    const name = repeatedSingleHeader(raw.rawHeaders);
    if (name === undefined) return;
    return reply.code(400).send({ error: 'invalid-request', message: `the ${name} header must appear once` });
  });
}
