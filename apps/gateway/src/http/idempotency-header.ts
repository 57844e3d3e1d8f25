import type { IncomingHttpHeaders } from 'node:http';
import type { ValidationIssue } from '@rota/provider';

/*
 * The `Idempotency-Key` request header, the convention many HTTP APIs follow
 * (an IETF draft), as a second way to give a message's or a bulk's
 * `idempotencyKey`. Ignored, it would let a client that set only the header
 * believe a retry is safe while it sends twice.
 */

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** The body, with the header's key in it when the header gave one; or why the header was refused. */
export type KeyedBody = { ok: true; body: unknown; fromHeader: boolean } | { ok: false; issues: ValidationIssue[] };

/**
 * The body with the header's key as its `idempotencyKey`, when the header is
 * given: refused if given twice, or if the body names a different key (which
 * of the two the client meant cannot be known).
 */
export function withHeaderKey(headers: IncomingHttpHeaders, body: unknown): KeyedBody {
  const header = headers['idempotency-key'];
  if (header === undefined) return { ok: true, body, fromHeader: false };
  // Repeated, it was refused before the route (single-headers.ts).
  if (typeof header !== 'string') return refused('must be given once');
  // Node reads a header's bytes as Latin-1: a UTF-8 key would be another key than the same one in a body.
  if (!PRINTABLE_ASCII.test(header)) return refused("must be printable ASCII (a header's bytes are not read as UTF-8): give a key with other characters in the body's idempotencyKey");
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: true, body, fromHeader: false };
  const inBody = (body as { idempotencyKey?: unknown }).idempotencyKey;
  if (inBody === undefined) return { ok: true, body: { ...body, idempotencyKey: header }, fromHeader: true };
  if (inBody !== header) return refused('differs from the body\'s idempotencyKey: give the key once, or the same in both');
  return { ok: true, body, fromHeader: false };
}

/** A batch's messages have a key each: one key in the header cannot stand for them. */
export function refuseHeaderKey(headers: IncomingHttpHeaders): ValidationIssue[] {
  return headers['idempotency-key'] === undefined ? [] : [{ path: IDEMPOTENCY_HEADER, reason: 'is not taken by a batch: give each message its own idempotencyKey (messages.N.idempotencyKey)' }];
}

/** Issues about `idempotencyKey` are the header's when the key came from it. */
export function headerIssues(issues: readonly ValidationIssue[], fromHeader: boolean): ValidationIssue[] {
  return fromHeader ? issues.map((issue) => (issue.path === 'idempotencyKey' ? { ...issue, path: IDEMPOTENCY_HEADER } : issue)) : [...issues];
}

function refused(reason: string): KeyedBody {
  return { ok: false, issues: [{ path: IDEMPOTENCY_HEADER, reason }] };
}
