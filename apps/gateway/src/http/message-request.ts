import { ReferenceSchema, RESEND_KEY_PREFIX } from '@rota/ledger';
import { z } from 'zod';
import { normalizePhoneNumber, toValidationIssues, validateBulkMessage, validateMessage, type BulkMessage, type Message, type ValidationIssue } from '@rota/provider';

/*
 * A request body, checked once. The message itself goes through
 * @rota/provider's validateMessage (the router then takes it as checked and
 * does not validate again); the gateway's own fields — the client's
 * `reference`, a bulk's `recipients` — are checked beside it, and every
 * problem of either comes back with its path.
 */

/** The gateway's own fields of a message or bulk: no provider sees them. */
export interface GatewayFields {
  reference?: string;
  callbackUrl?: string;
}

export type ParsedMessage = ({ ok: true; message: Message } & GatewayFields) | { ok: false; issues: ValidationIssue[] };

/** A client's key in the space kept for operators' resends (`resend:…`): refused, for a message and a bulk alike. */
function resendKeyIssues(key: string | undefined): ValidationIssue[] {
  return key?.startsWith(RESEND_KEY_PREFIX) ? [{ path: 'idempotencyKey', reason: `must not begin with "${RESEND_KEY_PREFIX}" (kept for operators' resends)` }] : [];
}

export function parseMessageRequest(body: unknown): ParsedMessage {
  const { rest, fields, issues } = withoutGatewayFields(body);
  const validation = validateMessage(rest);
  // The key as written: a resend's key is named beside the message's other problems, not only once they are mended.
  const all = [...(validation.ok ? [] : validation.issues), ...resendKeyIssues(keyWritten(rest)), ...issues];
  if (!validation.ok || all.length > 0) return { ok: false, issues: all };
  return { ok: true, message: validation.message, ...fields };
}

/** The idempotency key a message body names, if it names one as a string: what it is checked against before the rest is valid. */
export function keyWritten(body: unknown): string | undefined {
  return isPlainObject(body) && typeof body.idempotencyKey === 'string' ? body.idempotencyKey : undefined;
}

export type ParsedBulk =
  | ({ ok: true; template: Omit<BulkMessage, 'to'>; recipients: string[]; idempotencyKey?: string } & GatewayFields)
  | { ok: false; issues: ValidationIssue[] };

/**
 * `{ text, iysType, …, recipients: [...] }`: core's bulk message, its `to`
 * list named `recipients` here (its issues are renamed back), at most `max`.
 */
export function parseBulkRequest(body: unknown, max: number): ParsedBulk {
  const { rest, fields, issues } = withoutGatewayFields(body);
  if (!isPlainObject(rest) || !('recipients' in rest)) {
    return { ok: false, issues: [...issues, { path: isPlainObject(rest) ? 'recipients' : '(root)', reason: isPlainObject(rest) ? 'is required (an array of phone numbers)' : 'must be an object' }] };
  }
  const { recipients, idempotencyKey, ...bulkFields } = rest;
  const key = idempotencyKey === undefined ? undefined : IdempotencyKeySchema.safeParse(idempotencyKey);
  if (key && !key.success) issues.push(...toValidationIssues(key.error, ['idempotencyKey']));
  // A client's keys are one space across messages and bulks: a bulk under an operator's resend key would block that resend.
  if (key?.success) issues.push(...resendKeyIssues(key.data));
  if (Array.isArray(recipients) && recipients.length > max) {
    return { ok: false, issues: [...issues, { path: 'recipients', reason: `must hold at most ${max} numbers (got ${recipients.length})` }] };
  }
  if ('to' in bulkFields) issues.push({ path: 'to', reason: 'is not a known field (a bulk names its numbers in recipients)' });
  const validation = validateBulkMessage({ ...bulkFields, to: recipients });
  const all = validation.ok ? [...repeatedNumbers(validation.bulk.to), ...issues] : [...validation.issues.map(renameTo), ...repeatedNumbers(validNumbers(recipients)), ...issues];
  if (!validation.ok || all.length > 0) return { ok: false, issues: all };
  const { to, ...template } = validation.bulk;
  return {
    ok: true,
    template,
    recipients: to,
    ...fields,
    ...(key?.success ? { idempotencyKey: key.data } : {}),
  };
}

/** A bulk's key stands for the whole bulk, as a message's does for the message. */
const IdempotencyKeySchema = z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(200, 'must be at most 200 characters');

/**
 * A number listed twice, in any of its forms (0532…, +90532…), would get the
 * campaign twice: refused, naming each repeat and the entry it repeats,
 * rather than sent twice or dropped without a word.
 */
function repeatedNumbers(numbers: readonly (string | undefined)[]): ValidationIssue[] {
  const first = new Map<string, number>();
  const issues: ValidationIssue[] = [];
  numbers.forEach((number, index) => {
    if (number === undefined) return;
    const seen = first.get(number);
    if (seen === undefined) first.set(number, index);
    else issues.push({ path: `recipients.${index}`, reason: `repeats recipients.${seen} (the same number): a bulk names each number once` });
  });
  return issues;
}

/** A refused bulk's valid numbers in E.164 at their places (undefined for the others): their repeats are named with its other problems. */
function validNumbers(recipients: unknown): (string | undefined)[] {
  if (!Array.isArray(recipients)) return [];
  return recipients.map((number: unknown) => {
    if (typeof number !== 'string') return undefined;
    const normalised = normalizePhoneNumber(number);
    return normalised.ok ? normalised.e164 : undefined;
  });
}

function renameTo(issue: ValidationIssue): ValidationIssue {
  return issue.path === 'to' || issue.path.startsWith('to.') ? { ...issue, path: `recipients${issue.path.slice(2)}` } : issue;
}

const CallbackUrlSchema = z.string({ error: 'must be a URL' }).min(1, 'must not be empty').max(2_048, 'must be at most 2048 characters');

/** The body without the gateway's fields (`reference`, `callbackUrl`), each checked on its own. */
function withoutGatewayFields(body: unknown): { rest: unknown; fields: GatewayFields; issues: ValidationIssue[] } {
  if (!isPlainObject(body) || !('reference' in body || 'callbackUrl' in body)) return { rest: body, fields: {}, issues: [] };
  const { reference, callbackUrl, ...rest } = body;
  const fields: GatewayFields = {};
  const issues: ValidationIssue[] = [];
  for (const [name, schema, value] of [['reference', ReferenceSchema, reference], ['callbackUrl', CallbackUrlSchema, callbackUrl]] as const) {
    if (value === undefined) continue;
    const checked = schema.safeParse(value);
    if (checked.success) fields[name] = checked.data;
    else issues.push(...toValidationIssues(checked.error, [name]));
  }
  return { rest, fields, issues };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
