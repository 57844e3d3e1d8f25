import type { FastifyInstance } from 'fastify';
import type { ValidationIssue } from '@rota/provider';
import { sendInvalid } from './gateway-context.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * `'none'`: the route takes no body (a cancel, a redelivery, an erasure);
     * see refuseBodies. `'optional'`: its body may be left out (a resend's
     * options). Either way an empty body is no body.
     */
    body?: 'none' | 'optional';
  }
}

/** Whether the route a request matched takes no body. */
export function takesNoBody(config: { body?: 'none' | 'optional' } | undefined): boolean {
  return config?.body === 'none';
}

/** Whether an empty body (under a JSON Content-Type) is read as none on the route a request matched. */
export function emptyIsNoBody(config: { body?: 'none' | 'optional' } | undefined): boolean {
  return config?.body !== undefined;
}

/**
 * A route that takes no body answers one with a 400 naming what it holds: a
 * client that sends `{"force": true}` to a cancel must not read the 200 as
 * its option taken. No body at all, an empty one under a JSON Content-Type
 * (a client that sets the header on every request: json-body.ts lets it
 * through for these routes) and `{}` are all "no body".
 */
export function refuseBodies(app: FastifyInstance): void {
  app.addHook('preValidation', async (request, reply) => {
    if (!takesNoBody(request.routeOptions.config)) return;
    const issues = bodyIssues(request.body);
    if (issues.length > 0) return sendInvalid(reply, issues, 'this request takes no body; nothing was done');
  });
}

function bodyIssues(body: unknown): ValidationIssue[] {
  if (body === undefined) return [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [{ path: '(root)', reason: 'must be absent: this request takes no body (send none, or {})' }];
  return Object.keys(body).map((key) => ({ path: key, reason: 'is not a field of this request: it takes no body' }));
}
