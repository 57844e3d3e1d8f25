import type { FastifyInstance } from 'fastify';
import { unstorableReason, type ValidationIssue } from '@rota/provider';
import { refusalOf, sendInvalid } from './gateway-context.js';

/**
 * NUL (U+0000) or a lone surrogate in any string a request carries — a path
 * segment, a query value, a body field or key — is refused with a 400 naming
 * where it is. PostgreSQL text cannot hold a NUL (the store answered "invalid
 * byte sequence" and the client a 500); a lone surrogate comes back from
 * either store as U+FFFD (a retry under such an idempotency key answered
 * 500); no field of an SMS request has a use for either. Runs after the
 * route's own authentication (onRequest) and the body parse.
 */
export function refuseUnstorableCharacters(app: FastifyInstance): void {
  app.addHook('preValidation', async (request, reply) => {
    const issues: ValidationIssue[] = [];
    collectUnstorableIssues(request.params, issues);
    collectUnstorableIssues(request.query, issues);
    collectUnstorableIssues(request.body, issues);
    if (issues.length > 0) return sendInvalid(reply, issues, refusalOf(request.method, 'the request'));
  });
}

/** Enough to find and mend the request; a body full of them needs no list of thousands. */
const MAX_ISSUES = 20;

/** An object or array met on the walk, and where it sits: a path is spelled out only for a value refused. */
interface Place {
  value: object;
  key: string | number;
  parent: Place | undefined;
}

/**
 * Walks `root` with a stack of its own, not by recursion: a body nested
 * 20,000 levels deep (the fuzz tests send one) must not overflow the call
 * stack. Strings are checked where they are met and only objects are
 * stacked, so a bulk of 100,000 numbers costs a string search each.
 */
export function collectUnstorableIssues(root: unknown, issues: ValidationIssue[]): void {
  if (typeof root === 'string') {
    const reason = unstorableReason(root);
    if (reason !== undefined) issues.push({ path: '(body)', reason });
    return;
  }
  // Raw bytes (a provider's push, read as a Buffer) are no strings: walked, a 1 MiB push cost a second.
  if (!isWalkable(root)) return;
  const stack: Place[] = [{ value: root, key: '', parent: undefined }];
  while (stack.length > 0 && issues.length < MAX_ISSUES) {
    const place = stack.pop()!;
    const inner: Place[] = [];
    const meet = (value: unknown, key: string | number): void => {
      if (typeof value === 'string') {
        const reason = unstorableReason(value);
        if (reason !== undefined) issues.push({ path: pathOf(place, key), reason });
      } else if (isWalkable(value)) {
        inner.push({ value, key, parent: place });
      }
    };
    if (Array.isArray(place.value)) {
      place.value.forEach(meet);
    } else {
      for (const [key, value] of Object.entries(place.value)) {
        const reason = unstorableReason(key);
        if (reason !== undefined) issues.push({ path: pathOf(place, key).replaceAll('\u0000', '\\u0000'), reason: `(a field name) ${reason}` });
        meet(value, key);
      }
    }
    // Stacked last to first, so the walk meets them in order and the issues read top to bottom.
    for (let i = inner.length - 1; i >= 0; i--) stack.push(inner[i]!);
  }
}

/** An object or array parsed from JSON, or a query or params object: not bytes. */
function isWalkable(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value);
}

/** The path of `key` under `parent`: each key from the root down, joined by dots. */
function pathOf(parent: Place, key: string | number): string {
  const keys: (string | number)[] = [key];
  for (let at: Place | undefined = parent; at?.parent; at = at.parent) keys.unshift(at.key);
  return keys.join('.');
}
