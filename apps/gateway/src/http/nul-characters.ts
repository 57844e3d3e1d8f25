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
    collect(request.params, issues);
    collect(request.query, issues);
    collect(request.body, issues);
    if (issues.length > 0) return sendInvalid(reply, issues, 'the request is invalid; nothing was sent');
  });
}

/** Enough to find and mend the request; a body full of them needs no list of thousands. */
const MAX_ISSUES = 20;
const REASON = 'must not contain a NUL character (\\u0000)';

/** A value met on the walk, and where it sits: the path is spelled out only for a value with a NUL. */
interface Place {
  value: unknown;
  key: string;
  parent: Place | undefined;
}

/**
 * Walks `root` with a stack of its own, not by recursion: a body nested
 * 20,000 levels deep (the fuzz tests send one) must not overflow the call stack.
 */
function collect(root: unknown, issues: ValidationIssue[]): void {
  const stack: Place[] = [{ value: root, key: '', parent: undefined }];
  while (stack.length > 0 && issues.length < MAX_ISSUES) {
    const place = stack.pop()!;
    const { value } = place;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) issues.push({ path: pathOf(place), reason: REASON });
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    const entries = Array.isArray(value) ? value.map((inner, i) => [String(i), inner] as const) : Object.entries(value);
    // Pushed last to first, so the walk meets them in order and the issues read top to bottom.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, inner] = entries[i]!;
      const child = { value: inner, key, parent: place };
      if (key.includes('\u0000')) issues.push({ path: pathOf(child).replaceAll('\u0000', '\\u0000'), reason: `(a field name) ${REASON}` });
      stack.push(child);
    }
  }
}

function pathOf(place: Place): string {
  const keys: string[] = [];
  for (let at: Place | undefined = place; at?.parent; at = at.parent) keys.unshift(at.key);
  return keys.join('.') || '(body)';
}
