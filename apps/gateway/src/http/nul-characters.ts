import type { FastifyInstance } from 'fastify';
import type { ValidationIssue } from '@rota/provider';
import { sendInvalid } from './gateway-context.js';

/**
 * NUL (U+0000) in any string a request carries — a path segment, a query
 * value, a body field or key — is refused with a 400 naming where it is.
 * PostgreSQL text cannot hold it (the store answered "invalid byte sequence"
 * and the client a 500), and no field of an SMS request has a use for it.
 * Runs after the route's own authentication (onRequest) and the body parse.
 */
export function refuseNulCharacters(app: FastifyInstance): void {
  app.addHook('preValidation', async (request, reply) => {
    const issues: ValidationIssue[] = [];
    collect(request.params, '', issues);
    collect(request.query, '', issues);
    collect(request.body, '', issues);
    if (issues.length > 0) return sendInvalid(reply, issues, 'the request is invalid; nothing was sent');
  });
}

/** Enough to find and mend the request; a body full of them needs no list of thousands. */
const MAX_ISSUES = 20;
const REASON = 'must not contain a NUL character (\\u0000)';

function collect(value: unknown, path: string, issues: ValidationIssue[]): void {
  if (issues.length >= MAX_ISSUES) return;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) issues.push({ path: path || '(body)', reason: REASON });
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && issues.length < MAX_ISSUES; i++) collect(value[i], join(path, String(i)), issues);
    return;
  }
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes('\u0000')) issues.push({ path: join(path, key.replaceAll('\u0000', '\\u0000')), reason: `(a field name) ${REASON}` });
    collect(inner, join(path, key), issues);
  }
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);
