import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { isStoreUnavailable, ResultsNotWrittenError } from '@rota/ledger';
import { sendInvalid } from './gateway-context.js';
import { BodyKeysError } from '../json/body-keys-error.js';

/**
 * Client mistakes are 4xx with a stable `error` code and a fixed message:
 * never an echo of the body (Node's JSON.parse messages quote the input, which
 * may hold a number or a key). Anything else is a 500, logged with the route
 * and the stack but never with the request body or headers.
 */

interface ClientErrorRow {
  status: number;
  error: string;
  message: string;
}

/** Fastify's (and our body reader's) own error codes, by what they mean to a client. */
const CLIENT_ERRORS: Record<string, ClientErrorRow> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, error: 'unsupported-media-type', message: 'Content-Type must be application/json' },
  FST_ERR_CTP_INVALID_CONTENT_TYPE: { status: 415, error: 'unsupported-media-type', message: 'Content-Type must be application/json' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, error: 'payload-too-large', message: 'request body is too large' },
  ROTA_BODY_TOO_LARGE: { status: 413, error: 'payload-too-large', message: '' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, error: 'invalid-json', message: 'request body is empty but Content-Type is application/json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, error: 'invalid-json', message: 'request body is not valid JSON' },
  ROTA_BODY_STRUCTURE: { status: 400, error: 'invalid-json', message: '' },
  ROTA_BODY_ENCODING: { status: 400, error: 'invalid-json', message: 'request body is not valid UTF-8' },
  ROTA_BODY_CODING: { status: 415, error: 'unsupported-media-type', message: '' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, error: 'invalid-request', message: 'request body length does not match Content-Length' },
  ROTA_BODY_READ: { status: 400, error: 'invalid-request', message: '' },
  FST_ERR_BAD_URL: { status: 400, error: 'invalid-request', message: 'the URL is malformed (a bad percent-encoding)' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, error: 'uri-too-long', message: 'a path segment of the URL is too long' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, error: 'invalid-request', message: 'the request does not match any route constraint' },
};

/** Error names the secure JSON parser (and JSON.parse) throw for bad bodies. */
const JSON_ERRORS = new Set(['SyntaxError']);
/** The routes whose requests carry an idempotency key: a 503 there tells the client to keep it for the retry. */
const SENDS_WITH_KEYS = new Set(['POST /v1/messages', 'POST /v1/messages/batch', 'POST /v1/bulk']);

export function installErrorHandling(app: FastifyInstance, logger: Logger, sanitize: (text: string) => string = (text) => text): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // The route and the error's kind and words (secrets blanked): never the request body or headers.
    const logAnswered = (what: string) => logger.error({ method: request.method, route: request.routeOptions.url, err: { type: error.name, message: sanitize(error.message) } }, what);
    if (error instanceof BodyKeysError) return sendInvalid(reply, error.issues, `${error.message}; nothing was done`);
    const row = (error.code && CLIENT_ERRORS[error.code]) || undefined;
    if (row) {
      // Our own errors carry a precise message (the limit in force); fastify's are fixed text.
      const message = row.message === '' ? error.message : row.message;
      // An oversized body is left unread; closing the connection stops the client from pushing the rest.
      if (row.status === 413) reply.header('connection', 'close');
      return reply.code(row.status).send({ error: row.error, message });
    }
    if (JSON_ERRORS.has(error.name) && request.method !== 'GET') {
      return reply.code(400).send({ error: 'invalid-json', message: 'request body is not valid JSON' });
    }
    if (error instanceof ResultsNotWrittenError) {
      // Not "nothing was accepted": a provider may have the messages. A client that sent them again would send twice.
      logAnswered('results not recorded: answered 503 result-not-recorded');
      return reply.code(503).send({
        error: 'result-not-recorded',
        message: 'the messages were handed to a provider but the store could not record the outcome; do not send them again: read them later (GET /v1/messages/{id}: unknown if a provider may have them)',
        ids: error.ids,
      });
    }
    if (isStoreUnavailable(error)) {
      // Never an accepted message without its record: the client tries again, and its idempotency key keeps a retry from sending twice.
      logAnswered('the message store is unavailable: answered 503');
      return reply
        .code(503)
        .header('retry-after', '1')
        .send({
          error: 'store-unavailable',
          // Idempotency keys are a send's concern: anything else (a read, an erasure, an operator's change) is simply asked again.
          message: SENDS_WITH_KEYS.has(`${request.method} ${request.routeOptions.url}`)
            ? 'the message store cannot be reached or did not answer in time; retry later with the same idempotency key (idempotencyKey or the Idempotency-Key header; a message recorded before the failure is not sent twice)'
            : 'the message store cannot be reached or did not answer in time; retry later',
        });
    }
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      // A 4xx fastify raised that the table does not know: keep its status, give fixed words.
      return reply.code(status).send({ error: 'invalid-request', message: `the request was refused (${error.code ?? status})` });
    }
    logger.error(
      { method: request.method, route: request.routeOptions.url, err: { type: error.name, message: sanitize(error.message), stack: sanitize(error.stack ?? '') } },
      'request failed with an internal error',
    );
    return reply.code(500).send({ error: 'internal-error', message: 'internal error; the gateway log has the details' });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: 'not-found', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
}

/**
 * Errors fastify's router raises before any route runs (a bad percent-encoding,
 * an over-long path segment): by default it answers them itself, in its own
 * shape, quoting the URL. Here they get the table's row.
 */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const row = CLIENT_ERRORS[error.code] ?? { status: 400, error: 'invalid-request', message: 'the request was refused' };
  void reply.code(row.status).send({ error: row.error, message: row.message });
}

/** What Node's HTTP parser refuses before fastify sees a request, by its error code. */
const SOCKET_ERRORS: Record<string, { status: number; statusText: string; error: string; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, statusText: 'Request Timeout', error: 'request-timeout', message: 'the request was not received in time (gateway.timeouts)' },
  HPE_HEADER_OVERFLOW: { status: 431, statusText: 'Request Header Fields Too Large', error: 'headers-too-large', message: 'the request headers are too large' },
};
const BAD_REQUEST = { status: 400, statusText: 'Bad Request', error: 'invalid-request', message: 'the request is not valid HTTP' };

/**
 * Node's `clientError`: a request line or headers it cannot parse, headers too
 * large, or a request not received within gateway.timeouts. Answered in the
 * documented shape (never echoing what was sent), then the connection closes.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const row = SOCKET_ERRORS[error.code ?? ''] ?? BAD_REQUEST;
  const body = JSON.stringify({ error: row.error, message: row.message });
  // Closed for good once the answer is out, not half-closed: Node's parser goes on reading a half-closed
  // socket, and a client that sent the rest of a timed-out request after its 408 had it recorded and sent.
  socket.end(
    `HTTP/1.1 ${row.status} ${row.statusText}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
