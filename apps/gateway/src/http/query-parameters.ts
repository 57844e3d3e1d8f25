import type { FastifyInstance } from 'fastify';
import { BulkListQuerySchema, ListQuerySchema } from '@rota/ledger';
import { UNKNOWN_FIELD, type ValidationIssue } from '@rota/provider';
import { refusalOf, sendInvalid } from './gateway-context.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The query parameters a /v1 route takes: none unless listed. `'own'`:
     * the route checks its query itself, refusing what it does not know (the
     * lists, whose filters the store's strict schema names; a provider's push,
     * whose URL may carry the provider's own token).
     */
    query?: readonly string[] | 'own';
  }
}

/**
 * A query parameter given twice, or one a /v1 route does not take, is refused with a 400 naming it:
 * a typo (`?refesh=true`) or a guess (`?mode=queue` for the `Prefer` header)
 * answered as if it had not been written reads as "done as asked". Runs after
 * the route's authentication (onRequest), like the other input checks.
 */
export function refuseUnknownQueryParameters(app: FastifyInstance): void {
  app.addHook('preValidation', async (request, reply) => {
    if (!request.routeOptions.url?.startsWith('/v1/')) return;
    // Given twice (`?limit=1&limit=2`), a parameter is a list: its route's check would call it the wrong type.
    const repeated = Object.entries(request.query as Record<string, unknown>).filter(([, value]) => Array.isArray(value));
    if (repeated.length > 0) {
      return sendInvalid(reply, repeated.map(([name]) => ({ path: name, reason: 'is given more than once: give it once' })), refusalOf(request.method, 'the query'));
    }
    const takes = request.routeOptions.config.query ?? [];
    if (takes === 'own') return;
    const unknown = Object.keys(request.query as Record<string, unknown>).filter((name) => !takes.includes(name));
    if (unknown.length === 0) return;
    const reason = notTaken(takes);
    return sendInvalid(
      reply,
      unknown.map((name) => ({ path: name, reason })),
      refusalOf(request.method, 'the query'),
    );
  });
}

/** How every /v1 route refuses a query parameter it does not take: naming those it does. */
function notTaken(takes: readonly string[]): string {
  return takes.length === 0 ? 'is not a query parameter of this route: it takes none' : `is not a query parameter of this route: it takes ${takes.join(', ')}`;
}

/**
 * A list's refusal (its own query checked by the store's strict schema, whose
 * keys it `takes`), an unknown parameter worded as on every other route.
 */
export function listQueryIssues(issues: readonly ValidationIssue[], takes: readonly string[]): ValidationIssue[] {
  return issues.map((issue) => (issue.reason === UNKNOWN_FIELD ? { ...issue, reason: notTaken(takes) } : issue));
}

/** What the message lists take (GET /v1/messages, GET /v1/admin/messages): the store's list filters, owner among them. */
export const MESSAGE_LIST_PARAMETERS = Object.keys(ListQuerySchema.shape);
/** What the bulk list takes (GET /v1/admin/bulks). */
export const BULK_LIST_PARAMETERS = Object.keys(BulkListQuerySchema.shape);
