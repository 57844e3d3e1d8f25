import type { IncomingMessage, ServerResponse } from 'node:http';

// Small node:http helpers; no framework, since the sandbox sits at the far end of
// a throughput benchmark and must not be what it measures.

/** Larger than 800 messages of the longest text we accept, with room to spare. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: 'too-large' | 'aborted' };

/** Reads the whole request body into one Buffer. */
export function readBody(req: IncomingMessage, done: (result: BodyResult) => void): void {
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_BODY_BYTES) {
    done({ ok: false, reason: 'too-large' });
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  req.on('data', (chunk: Buffer) => {
    if (finished) return;
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      finished = true;
      done({ ok: false, reason: 'too-large' });
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (finished) return;
    finished = true;
    done({ ok: true, body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size) });
  });
  // 'close' after 'end' is the normal case; 'close' first means the client went away mid-body.
  req.on('close', () => {
    if (finished) return;
    finished = true;
    done({ ok: false, reason: 'aborted' });
  });
}

/** A JSON object from the body, or undefined when it is not JSON or not an object. */
export function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

const JSON_TYPE = 'application/json; charset=utf-8';

export function sendJsonText(res: ServerResponse, httpStatus: number, body: string, extraHeaders: string[] = []): void {
  if (res.destroyed) return;
  res.writeHead(httpStatus, ['content-type', JSON_TYPE, 'content-length', String(Buffer.byteLength(body)), ...extraHeaders]);
  res.end(body);
}

export function sendJson(res: ServerResponse, httpStatus: number, value: unknown, extraHeaders: string[] = []): void {
  sendJsonText(res, httpStatus, JSON.stringify(value), extraHeaders);
}

/** A wire's answer as it wrote it: JSON unless it says otherwise (Mobildev answers plain text). */
export function sendAnswer(res: ServerResponse, answer: { status: number; body: string; contentType?: string; headers?: string[] }): void {
  if (res.destroyed) return;
  res.writeHead(answer.status, ['content-type', answer.contentType ?? JSON_TYPE, 'content-length', String(Buffer.byteLength(answer.body)), ...(answer.headers ?? [])]);
  res.end(answer.body);
}
