import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { ForbiddenKeysError, forbiddenKeyPaths } from '../json/forbidden-keys.js';
import { structureProblem, type StructureLimits } from '../json/structure-limits.js';
import { RepeatedKeysError, repeatedKeyPaths } from '../json/repeated-keys.js';
import { emptyIsNoBody } from './bodiless-routes.js';

/**
 * The only body type the gateway takes: JSON, read against the body limit of
 * the configuration in force (fastify's own limit is fixed when the server is
 * built, but operators may change `gateway.bodyLimitBytes` with a reload).
 * Any other content type gets fastify's 415. The parse itself is fastify's
 * secure JSON parser, which refuses `__proto__` and `constructor.prototype`;
 * a key named twice in one object is refused after it (repeated-keys.ts),
 * and a body nested deeper, or holding more objects and arrays, than any
 * request of the API is refused before it (structure-limits.ts).
 */

/**
 * A batch of messages nests three levels and holds one object per message
 * (10,000 at most); no request nests past four. Far above both, so that no
 * valid request comes near them.
 */
export const BODY_STRUCTURE_LIMITS: StructureLimits = { depth: 32, containers: 100_000 };

/**
 * A body refused before it is parsed. Its `code` is a row of error-handler.ts's
 * table, which gives the status and the `error` a client sees; the message
 * says what was wrong.
 */
export class BodyError extends Error {
  override readonly name = 'BodyError';
  constructor(
    readonly code: 'ROTA_BODY_TOO_LARGE' | 'ROTA_BODY_STRUCTURE' | 'ROTA_BODY_READ' | 'ROTA_BODY_ENCODING' | 'ROTA_BODY_CODING',
    message: string,
  ) {
    super(message);
  }
}

/** The charset parameter of a Content-Type, lower case, unquoted; undefined when there is none. */
function charsetOf(contentType: string | undefined): string | undefined {
  const match = contentType === undefined ? null : /;\s*charset\s*=\s*("?)([^";\s]*)\1/i.exec(contentType);
  return match ? match[2]!.toLowerCase() : undefined;
}

const tooLarge = (limit: number) => new BodyError('ROTA_BODY_TOO_LARGE', `request body is larger than ${limit} bytes`);

export function registerJsonBody(app: FastifyInstance, limitBytes: () => number): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', (request: FastifyRequest, payload: IncomingMessage, done: (err: Error | null, body?: unknown) => void) => {
    const coding = request.headers['content-encoding'];
    if (coding !== undefined && coding.trim().toLowerCase() !== 'identity') {
      // A coding the gateway does not undo (gzip, br, …): read as it is, the body would be refused as bad UTF-8, or the label on plain JSON ignored.
      done(new BodyError('ROTA_BODY_CODING', 'Content-Encoding is not supported: send the body uncompressed, without the header (or with "identity")'));
      return;
    }
    const charset = charsetOf(request.headers['content-type']);
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      // Read as UTF-8 whatever the label said, a Latin-1 "ç" would be sent as something else, silently.
      done(new BodyError('ROTA_BODY_CODING', `charset=${charset.slice(0, 40)} is not supported: JSON is read as UTF-8 (send it so, with no charset or charset=utf-8)`));
      return;
    }
    const limit = limitBytes();
    const declared = Number(request.headers['content-length']);
    if (declared > limit) {
      done(tooLarge(limit));
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
      if (error) {
        done(error);
        return;
      }
      const text = body ?? '';
      // A client that sets Content-Type: application/json on every request sends it on a cancel or a resend too, with no body.
      if (emptyIsNoBody(request.routeOptions.config) && text.trim() === '') {
        done(null, undefined);
        return;
      }
      const structure = structureProblem(text, BODY_STRUCTURE_LIMITS);
      if (structure !== undefined) {
        done(new BodyError('ROTA_BODY_STRUCTURE', `request body ${structure}: no request of this API comes near that (a batch nests 3 levels, one object per message)`));
        return;
      }
      parseJson(request, text, (parseError, parsed) => {
        if (parseError) {
          // Valid JSON the secure parser refuses for a key that reaches a prototype: named, not "not valid JSON".
          const forbidden = forbiddenKeyPaths(text);
          return done(forbidden.length > 0 ? new ForbiddenKeysError(forbidden) : parseError);
        }
        const repeated = repeatedKeyPaths(text);
        done(repeated.length > 0 ? new RepeatedKeysError(repeated) : null, parsed);
      });
    };
    const onData = (chunk: Buffer | string): void => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += buffer.length;
      if (received > limit) {
        finish(tooLarge(limit));
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = (): void => {
      if (!Number.isNaN(declared) && received !== declared) {
        finish(new BodyError('ROTA_BODY_READ', 'request body length does not match Content-Length'));
        return;
      }
      const body = Buffer.concat(chunks);
      if (!isUtf8(body)) {
        finish(new BodyError('ROTA_BODY_ENCODING', 'request body is not valid UTF-8'));
        return;
      }
      finish(null, body.toString('utf8'));
    };
    const onError = (): void => finish(new BodyError('ROTA_BODY_READ', 'the request body could not be read'));
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.resume();
  });
}
