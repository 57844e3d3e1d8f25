import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';

/**
 * The only body type the gateway takes: JSON, read against the body limit of
 * the configuration in force (fastify's own limit is fixed when the server is
 * built, but operators may change `gateway.bodyLimitBytes` with a reload).
 * Any other content type gets fastify's 415. The parse itself is fastify's
 * secure JSON parser, which refuses `__proto__` and `constructor.prototype`.
 */

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  readonly statusCode = 413;
  readonly code = 'ROTA_BODY_TOO_LARGE';
  constructor(limit: number) {
    super(`request body is larger than ${limit} bytes`);
  }
}

export class BodyReadError extends Error {
  override readonly name = 'BodyReadError';
  readonly statusCode = 400;
  readonly code = 'ROTA_BODY_READ';
}

export class BodyEncodingError extends Error {
  override readonly name = 'BodyEncodingError';
  readonly statusCode = 400;
  readonly code = 'ROTA_BODY_ENCODING';
  constructor() {
    super('request body is not valid UTF-8');
  }
}

/** A body in a coding the gateway does not undo (gzip, br, …): read as it is, it would be refused as bad UTF-8, or a label on plain JSON would be ignored. */
export class BodyCodingError extends Error {
  override readonly name = 'BodyCodingError';
  readonly statusCode = 415;
  readonly code = 'ROTA_BODY_CODING';
  constructor() {
    super('Content-Encoding is not supported: send the body uncompressed, without the header (or with "identity")');
  }
}

export function registerJsonBody(app: FastifyInstance, limitBytes: () => number): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', (request: FastifyRequest, payload: IncomingMessage, done: (err: Error | null, body?: unknown) => void) => {
    const coding = request.headers['content-encoding'];
    if (coding !== undefined && coding.trim().toLowerCase() !== 'identity') {
      done(new BodyCodingError());
      return;
    }
    const limit = limitBytes();
    const declared = Number(request.headers['content-length']);
    if (declared > limit) {
      done(new BodyTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (error: Error | null, body?: string): void => {
      if (settled) return;
      settled = true;
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onError);
      if (error) done(error);
      else parseJson(request, body ?? '', done);
    };
    const onData = (chunk: Buffer | string): void => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += buffer.length;
      if (received > limit) {
        finish(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = (): void => {
      if (!Number.isNaN(declared) && received !== declared) {
        finish(new BodyReadError('request body length does not match Content-Length'));
        return;
      }
      const body = Buffer.concat(chunks);
      if (!isUtf8(body)) {
        finish(new BodyEncodingError());
        return;
      }
      finish(null, body.toString('utf8'));
    };
    const onError = (): void => finish(new BodyReadError('the request body could not be read'));
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.resume();
  });
}
