import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ValidationIssue } from '@rota/provider';
import type { Ledger, ReadScope } from '@rota/ledger';
import type { GatewayRuntime } from '../config/runtime-types.js';
import { authorize, type Access } from './auth.js';
import type { OperatorControls } from '../ledger/operator-controls.js';

/** The part of the runtime the HTTP layer reads: the router and the configuration in force (and, from a file, its state). */
export type GatewayRuntimeView = Pick<GatewayRuntime, 'router' | 'config'> & Partial<Pick<GatewayRuntime, 'configState'>>;

/**
 * What the route modules share: the runtime (read on every request, so a
 * reload takes effect at once), the ledger every message is recorded in, and
 * the logger.
 */
export interface GatewayContext {
  runtime: GatewayRuntimeView;
  ledger: Ledger;
  logger: Logger;
  /** Where an operator's changes to providers go (this router, or every process on the database). */
  operator: OperatorControls;
  /** Credentials of the configuration in force, to blank out of outgoing free text. */
  secrets(): readonly string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key name (or `admin`) the request authenticated with. */
    rotaClient: string;
    /** Whether it authenticated with the admin token. */
    rotaAdmin: boolean;
  }
}

/** Refuses the request before its body is read unless the bearer token grants `access`. */
export function guard(context: GatewayContext, access: Access) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const decision = authorize(request.headers.authorization, access, context.runtime.config().gateway);
    if (!decision.ok) {
      if (decision.status === 401) reply.header('www-authenticate', 'Bearer realm="rota"');
      return reply.code(decision.status).send({ error: decision.error, message: decision.message });
    }
    request.rotaClient = decision.client;
    request.rotaAdmin = decision.role === 'admin';
  };
}

/** Whose records a request may read: an API client its own (another's answer 404), the admin token everyone's. */
export function ownerScope(request: FastifyRequest): ReadScope {
  return request.rotaAdmin ? {} : { owner: request.rotaClient };
}

/** An answer listing thousands of issues helps nobody (a 100,000-number bulk of bad numbers made an 11 MB one): the rest are counted. */
const MAX_REPORTED_ISSUES = 1_000;

/** What a refusal of `what` says was not done: a read sent nothing, and an erasure or a change is not a send. */
export function refusalOf(method: string, what: 'the request' | 'the query'): string {
  if (method === 'GET' || method === 'HEAD') return `${what} is invalid`;
  if (method === 'POST') return `${what} is invalid; nothing was sent`;
  return `${what} is invalid; nothing was changed`;
}

/**
 * The 400 every validation failure gets: each field at fault (the first
 * MAX_REPORTED_ISSUES; the message counts the rest), and the promise that
 * nothing was sent.
 */
export function sendInvalid(reply: FastifyReply, issues: ValidationIssue[], message = 'the request is invalid; nothing was sent'): FastifyReply {
  const listed = issues.length > MAX_REPORTED_ISSUES ? issues.slice(0, MAX_REPORTED_ISSUES) : issues;
  const more = issues.length - listed.length;
  return reply.code(400).send({ error: 'invalid-request', message: more > 0 ? `${message} (${more} more issue(s) not listed)` : message, issues: listed });
}
