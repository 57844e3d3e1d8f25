import { z } from 'zod';
import { analyzeText } from '../encoding/analyze-text.js';
import type { TextAnalysis } from '../encoding/encoding.js';
import { normalizePhoneNumber } from './phone-number.js';
import { shortened } from './shortened.js';
import { storable, unstorableReason } from './storable-string.js';
import { issueReason, toldIssues } from './plain-reason.js';

/** A field's type error in words a client can act on: a missing field is "required", not "expected string, received undefined". */
export const typeError =
  (expected: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? `is required (${expected})` : `must be ${expected}`;

export const IysTypeSchema = z.enum(['NOTIFICATION', 'CAMPAIGN'], { error: typeError('NOTIFICATION or CAMPAIGN') });
export type IysType = z.infer<typeof IysTypeSchema>;

export const RecipientTypeSchema = z.enum(['BIREYSEL', 'TACIR'], { error: typeError('BIREYSEL or TACIR') });
export type RecipientType = z.infer<typeof RecipientTypeSchema>;

/** Longest text we even look at; anything longer is refused before analysis. */
export const MAX_TEXT_LENGTH = 1_600;
/** Concatenated SMS beyond this are refused by operators or cost absurd amounts. */
export const MAX_SEGMENTS = 10;

const TURKISH_LETTERS = /[çÇğĞıİöÖşŞüÜ]/;
const SENDER_CHARACTERS = /^[A-Za-z0-9 .&_-]+$/;

const SENDER_MIN = 3;
const SENDER_MAX = 11;

/** One reason per sender: Turkish letters are the usual mistake, so they get their own words. */
function senderProblem(sender: string): string | undefined {
  if (TURKISH_LETTERS.test(sender)) return 'must not contain Turkish letters (ç ğ ı İ ö ş ü)';
  if (!SENDER_CHARACTERS.test(sender)) return 'may contain only A–Z, a–z, 0–9, space, dot, &, _ and -';
  // Spaces count toward the length, but a header of spaces names no one (a provider then refused it as not approved).
  if (sender.trim() !== sender) return 'must not begin or end with a space';
  return undefined;
}

/** Turkish sender IDs ("başlık"): 3–11 characters, no Turkish letters. */
export const SenderIdSchema = z
  .string({ error: typeError('a string') })
  .min(SENDER_MIN, `must be at least ${SENDER_MIN} characters`)
  .max(SENDER_MAX, `must be at most ${SENDER_MAX} characters`)
  .superRefine((sender, ctx) => {
    const problem = senderProblem(sender);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A phone number in any common form, normalised to E.164. */
export const PhoneNumberSchema = z.string({ error: typeError('a phone number as a string, e.g. "+905321234567"') }).transform((value, ctx) => {
  const result = normalizePhoneNumber(value);
  if (result.ok) return result.e164;
  ctx.addIssue({ code: 'custom', message: result.reason });
  return z.NEVER;
});

/** Why a date outside inSupportedYears is refused. */
export const SUPPORTED_YEARS_REASON = 'must be in the years 2000 to 9999';

/** Whether a date falls in the years 2000 to 9999: a message's times, and a list's range of them. */
export function inSupportedYears(date: Date): boolean {
  return date.getTime() >= EARLIEST_DATE && date.getTime() < LATEST_DATE;
}

/** Why a written date is refused whose day its month does not have (JavaScript reads 30 February as 2 March). */
export const MISSING_DAY_REASON = 'names a day its month does not have';

/** Whether a written `YYYY-MM-DD…` names a day its month has (a 30 February does not); anything else is the date parser's to judge. */
export function writtenDayExists(value: unknown): boolean {
  const written = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})/.exec(value.trim()) : null;
  if (!written) return true;
  const [year, month, day] = [Number(written[1]), Number(written[2]), Number(written[3])];
  // Month 13 or day 45 is no date at all: the date parser's refusal says so.
  if (month < 1 || month > 12 || day < 1 || day > 31) return true;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const EARLIEST_DATE = Date.UTC(2000, 0, 1);
const LATEST_DATE = Date.UTC(10_000, 0, 1);

/**
 * A time a message names: from the year 2000 to 9999. Providers write four-digit years, and
 * FigenSoft answered year 999 or 0 (which JavaScript dates hold) with a date-format error that
 * counted against the account's breaker: five such messages switched the account off for all.
 */
const DateTimeSchema = z
  .union([z.date(), z.iso.datetime({ offset: true }).transform((s) => new Date(s))], {
    // A 30 February with its offset is refused for its day, not for a format it has.
    error: (issue) => (writtenDayExists(issue.input) ? 'must be an ISO 8601 date-time with its offset, e.g. "2030-01-01T10:00:00+03:00"' : MISSING_DAY_REASON),
  })
  .refine(inSupportedYears, SUPPORTED_YEARS_REASON);

/**
 * Code points that show nothing on a phone: white space (Unicode's, line and
 * paragraph separators included), invisible format characters (zero-width
 * space and joiners, direction marks, soft hyphen, byte order mark), the
 * blank fillers (Hangul's, the braille blank), variation selectors and tags
 * (they only change the character before them), and any other
 * format character or combining mark (Unicode's Cf and M: a mark shows only
 * on the character before it, and alone on nothing). A text of only these
 * reaches its recipient as an empty SMS, or is refused by the provider as
 * empty — a refusal that must not count against its breaker.
 */
function isInvisible(code: number): boolean {
  if (code < 0x80) return code === 0x20;
  return listedInvisible(code) || FORMAT_OR_MARK.test(String.fromCodePoint(code));
}

/** Unicode's format characters and combining marks (asked only while a text has shown nothing yet). */
const FORMAT_OR_MARK = /^[\p{Cf}\p{M}]$/u;

/** The invisible code points that are not format characters or marks (white space, fillers), and a few that are, asked first (noncharacters are refused before: textProblem). */
function listedInvisible(code: number): boolean {
  return (
    code === 0xa0 ||
    code === 0xad ||
    code === 0x034f ||
    code === 0x061c ||
    code === 0x115f ||
    code === 0x1160 ||
    code === 0x1680 ||
    code === 0x17b4 ||
    code === 0x17b5 ||
    (code >= 0x180b && code <= 0x180f) ||
    (code >= 0x2000 && code <= 0x200f) ||
    (code >= 0x2028 && code <= 0x202f) ||
    (code >= 0x205f && code <= 0x2064) ||
    (code >= 0x2066 && code <= 0x206f) ||
    code === 0x2800 ||
    code === 0x3000 ||
    code === 0x3164 ||
    (code >= 0xfe00 && code <= 0xfe0f) ||
    code === 0xfeff ||
    code === 0xffa0 ||
    (code >= 0xfff0 && code <= 0xfff8) ||
    (code >= 0xe0000 && code <= 0xe0fff)
  );
}

const NONCHARACTER = 'contains a noncharacter (U+FDD0 to U+FDEF, or U+FFFE and U+FFFF of any plane): not for interchange, and XML cannot carry U+FFFE or U+FFFF';

/**
 * What makes a text unsendable, found in one pass over its code units (this
 * runs for every message): nothing visible (see isInvisible), a lone
 * surrogate (cannot be encoded in UTF-8 or UCS-2 and would be mangled in
 * transit), a control character (C0 other than line feed and carriage
 * return, DEL, C1), or a noncharacter (Unicode keeps them out of interchange;
 * Mobildev's XML body with U+FFFF in it is not well-formed).
 */
function textProblem(text: string): string | undefined {
  let blank = true;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      if (code !== 0x0a && code !== 0x0d) return 'contains a control character';
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return 'contains an invalid (lone surrogate) character';
      i++;
      const point = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
      if ((point & 0xfffe) === 0xfffe) return NONCHARACTER;
      if (blank && !isInvisible(point)) blank = false;
      continue;
    }
    if (code >= 0xfdd0 && (code <= 0xfdef || code >= 0xfffe)) return NONCHARACTER;
    if (blank && !isInvisible(code)) blank = false;
  }
  return blank ? 'must not be empty or blank (white space and invisible characters show nothing)' : undefined;
}

/**
 * The text composed (NFC): "S" + U+0327 is "Ş", one character of the Turkish
 * GSM shift, where the pair forces UCS-2 — up to three times the segments.
 * Only a text with a code unit from U+0300 (where combining marks begin) can
 * change, so most texts skip the normalisation.
 */
function composed(text: string): string {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x300) return text.normalize('NFC');
  return text;
}

// Counted composed: "e" + U+0301, 801 times, is 801 characters sent (as GSM-7), not 1,602.
const TextSchema = z.string({ error: typeError('a string') }).transform((text, ctx) => {
  const problem = textProblem(text);
  if (problem) {
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  const sent = composed(text);
  if (sent.length > MAX_TEXT_LENGTH) {
    ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_TEXT_LENGTH} characters` });
    return z.NEVER;
  }
  // Here, not only once the other fields are valid: a client hears of every problem at once.
  const tooLong = segmentsProblem(analyzeText(sent));
  if (tooLong) {
    ctx.addIssue({ code: 'custom', message: tooLong });
    return z.NEVER;
  }
  return sent;
});

/** Why a text is refused for its length in SMS, if it is (also asked of a text re-encoded for a provider: see the router's asSentBy). */
export function segmentsProblem(analysis: TextAnalysis): string | undefined {
  return analysis.segments > MAX_SEGMENTS ? `needs ${analysis.segments} SMS segments (${analysis.encoding}); at most ${MAX_SEGMENTS} are allowed` : undefined;
}

/** Why a message's validity ends too soon, if it does: it would expire before it may be sent. */
function windowProblem(sendAt: Date | undefined, validUntil: Date | undefined): string | undefined {
  return sendAt && validUntil && validUntil <= sendAt ? 'must be later than sendAt' : undefined;
}

const DATE_FIELDS: readonly PropertyKey[] = ['sendAt', 'validUntil'];

/**
 * validUntil against sendAt, checked whenever both dates parsed, whatever else
 * is wrong with the message (zod runs an object's checks only once every
 * field is valid, unless told `when`).
 */
const validityWindow = z.superRefine<{ sendAt?: Date | undefined; validUntil?: Date | undefined }>(
  ({ sendAt, validUntil }, ctx) => {
    const problem = windowProblem(sendAt, validUntil);
    if (problem) ctx.addIssue({ code: 'custom', path: ['validUntil'], message: problem });
  },
  {
    when: ({ value, issues }) => {
      if (typeof value !== 'object' || value === null) return false;
      const { sendAt, validUntil } = value as Record<string, unknown>;
      return sendAt instanceof Date && validUntil instanceof Date && !issues.some((issue) => DATE_FIELDS.includes(issue.path?.[0] ?? ''));
    },
  },
);

const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/**
 * A message's fields as a client writes them, each checked on its own; the
 * check across them (validUntil after sendAt) is MessageSchema's. For
 * documents that extend the fields (the gateway's OpenAPI request bodies):
 * zod refuses to pick from or omit fields of a schema with such a check.
 */
export const MessageFieldsSchema = z.strictObject({
  to: PhoneNumberSchema,
  text: TextSchema,
  iysType: IysTypeSchema,
  recipientType: RecipientTypeSchema.default('BIREYSEL'),
  sender: SenderIdSchema.optional(),
  // A key is stored and compared as text, and must read back as it was given.
  idempotencyKey: storable(
    z
      .string({ error: typeError('a string') })
      .min(1, 'must not be empty')
      .max(MAX_IDEMPOTENCY_KEY_LENGTH, `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`),
  ).optional(),
  sendAt: DateTimeSchema.optional(),
  validUntil: DateTimeSchema.optional(),
  otp: z.boolean({ error: typeError('true or false') }).default(false),
});

/**
 * A message as the campaign service writes it (`MessageInput`) and as the router
 * uses it (`Message`): number in E.164, defaults filled in, and the text's
 * encoding and segment count worked out once.
 */
export const MessageSchema = MessageFieldsSchema.check(validityWindow).transform(withAnalysis);

/** The fields with their text's encoding and segment count, worked out once. */
function withAnalysis<T extends { text: string }>(fields: T): T & { analysis: TextAnalysis } {
  // `fields` is a fresh object (zod's output or the fast path's): extending it in place spares a copy per message.
  return Object.assign(fields, { analysis: analyzeText(fields.text) });
}

export type MessageInput = z.input<typeof MessageSchema>;
export type Message = z.output<typeof MessageSchema>;

/** Most recipients one bulk send may name. */
export const MAX_BULK_RECIPIENTS = 100_000;

// Typed as string[] for callers; every entry is still checked at run time.
const isList = (value: unknown): value is string[] => Array.isArray(value);
const NOT_A_LIST = 'must be a list of phone numbers';

/**
 * The numbers of a bulk send normalised in one loop, each bad entry reported by
 * its index (`to.3`); undefined if any was bad. Not `z.array(z.string())`: zod
 * allocates a parse state per element, and a bulk send may name 100,000 numbers.
 */
function normaliseNumbers(numbers: readonly unknown[], report: (index: number | undefined, reason: string) => void): string[] | undefined {
  if (numbers.length === 0 || numbers.length > MAX_BULK_RECIPIENTS) {
    report(undefined, numbers.length === 0 ? 'must list at least one number' : `must list at most ${MAX_BULK_RECIPIENTS} numbers`);
    return undefined;
  }
  let valid = true;
  const normalised = new Array<string>(numbers.length);
  for (let i = 0; i < numbers.length; i++) {
    const number = numbers[i];
    if (typeof number !== 'string') {
      report(i, `must be a phone number written as a string, not ${number === null ? 'null' : typeof number}`);
      valid = false;
      continue;
    }
    const result = normalizePhoneNumber(number);
    if (result.ok) normalised[i] = result.e164;
    else {
      report(i, result.reason);
      valid = false;
    }
  }
  return valid ? normalised : undefined;
}

const BulkNumbersSchema = z.custom<string[]>(isList, NOT_A_LIST).transform((numbers, ctx) => {
  const normalised = normaliseNumbers(numbers, (index, reason) =>
    ctx.addIssue(index === undefined ? { code: 'custom', message: reason } : { code: 'custom', path: [index], message: reason }),
  );
  return normalised ?? z.NEVER;
});

/**
 * One text to many numbers — what a campaign sends. The text, sender and IYS
 * type are checked and analysed once, not once per recipient as `sendBatch`
 * must. Numbers are normalised like `to`; a bad one is named by its index
 * (`to.3`). No idempotency key: one key cannot stand for many messages.
 */
const BulkOtherFieldsSchema = MessageFieldsSchema.omit({ to: true, idempotencyKey: true });
/** A bulk's fields, each checked on its own (see MessageFieldsSchema). */
export const BulkFieldsSchema = BulkOtherFieldsSchema.extend({ to: BulkNumbersSchema });
export const BulkMessageSchema = BulkFieldsSchema.check(validityWindow).transform(withAnalysis);

export type BulkMessageInput = z.input<typeof BulkMessageSchema>;
export type BulkMessage = z.output<typeof BulkMessageSchema>;

/** One problem with one field of a message: what the caller must fix. */
export interface ValidationIssue {
  path: string;
  reason: string;
}

export type ValidationResult = { ok: true; message: Message } | { ok: false; issues: ValidationIssue[] };

/** What `MessageSchema.safeParse` would say, in Rota's issue shape. */
export function validateMessage(input: unknown): ValidationResult {
  const result = fastThenExact(MessageSchema, input, () => {
    const fields = plainMessageFields(input);
    return fields ? analysed(fields) : undefined;
  });
  return result.ok ? { ok: true, message: result.value } : result;
}

type MessageFields = z.output<typeof MessageFieldsSchema>;
/** The keys of a shape, and which of them the input must have (zod checks those with `in`). */
function keysOf(shape: Record<string, z.ZodType>): { all: ReadonlySet<string>; required: readonly string[] } {
  const keys = Object.keys(shape);
  return { all: new Set(keys), required: keys.filter((key) => !shape[key]!.safeParse(undefined).success) };
}
const MESSAGE_KEYS = keysOf(MessageFieldsSchema.shape);
const BULK_KEYS = keysOf(BulkFieldsSchema.shape);
const IYS_TYPES: ReadonlySet<unknown> = new Set(IysTypeSchema.options);
const RECIPIENT_TYPES: ReadonlySet<unknown> = new Set(RecipientTypeSchema.options);

/*
 * The fast paths below return the schema's output for the plainest valid input
 * — a plain object (not an array) of known keys, no dates — or undefined for
 * anything else, which the schema then parses. zod's parse cost a third of the
 * router's CPU per message in place, and about 30 µs of each bulk request
 * (docs/benchmarks.md). The checks are the schema's own functions (textProblem,
 * senderProblem, normalizePhoneNumber) and limits; property tests hold both to
 * the schemas, key order included. Keys are looked at the way zod does
 * (`for…in`, `in`) before any value is read, and values are read in the
 * shape's order, as zod reads them, so a valid input's getters run once and in
 * the same order; an invalid input is read again by zod.
 */

/** A plain object with the required keys and no others than `keys`, without dates: what a fast path reads. */
function isPlainInput(input: unknown, keys: ReturnType<typeof keysOf>): input is Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return false;
  const proto: unknown = Object.getPrototypeOf(input);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in input) if (!keys.all.has(key)) return false;
  // A proxy may say it lacks a key whose value it still gives; zod then refuses the input.
  for (const key of keys.required) if (!(key in input)) return false;
  return !('sendAt' in input || 'validUntil' in input);
}

/** Whether the schema takes the fields a message and a bulk share as they are. */
function sharedFieldsValid(text: unknown, iysType: unknown, recipientType: unknown, sender: unknown, otp: unknown): text is string {
  if (typeof text !== 'string' || !IYS_TYPES.has(iysType)) return false;
  if (recipientType !== undefined && !RECIPIENT_TYPES.has(recipientType)) return false;
  if (otp !== undefined && typeof otp !== 'boolean') return false;
  if (sender !== undefined && (typeof sender !== 'string' || sender.length < SENDER_MIN || sender.length > SENDER_MAX || senderProblem(sender))) return false;
  return text.length <= MAX_TEXT_LENGTH && !textProblem(text);
}

/** MessageFieldsSchema's output for a plain message, or undefined (see above). */
function plainMessageFields(input: unknown): MessageFields | undefined {
  if (!isPlainInput(input, MESSAGE_KEYS)) return undefined;
  const { to, text, iysType, recipientType, sender, idempotencyKey, otp } = input; // the shape's order
  if (typeof to !== 'string' || !sharedFieldsValid(text, iysType, recipientType, sender, otp)) return undefined;
  if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || idempotencyKey.length < 1 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH || unstorableReason(idempotencyKey) !== undefined)) return undefined;
  const number = normalizePhoneNumber(to);
  if (!number.ok) return undefined;
  // zod's output: shape order, defaults filled in, an optional key kept only if the input has it.
  const fields = { to: number.e164, text: composed(text), iysType, recipientType: recipientType ?? 'BIREYSEL' } as MessageFields;
  if ('sender' in input) fields.sender = sender as string | undefined;
  if ('idempotencyKey' in input) fields.idempotencyKey = idempotencyKey as string | undefined;
  fields.otp = (otp as boolean | undefined) ?? false;
  return fields;
}

type BulkFields = z.output<typeof BulkFieldsSchema>;

/** BulkFieldsSchema's output for a plain bulk, or undefined (see above). */
function plainBulkFields(input: unknown): BulkFields | undefined {
  if (!isPlainInput(input, BULK_KEYS)) return undefined;
  const { text, iysType, recipientType, sender, otp, to } = input; // the shape's order
  if (!isList(to) || !sharedFieldsValid(text, iysType, recipientType, sender, otp)) return undefined;
  const numbers = normaliseNumbers(to, () => undefined);
  if (!numbers) return undefined;
  // zod's output order: the shared fields in shape order, then `to`.
  const fields = { text: composed(text), iysType, recipientType: recipientType ?? 'BIREYSEL' } as BulkFields;
  if ('sender' in input) fields.sender = sender as string | undefined;
  fields.otp = (otp as boolean | undefined) ?? false;
  fields.to = numbers;
  return fields;
}

/** What `BulkMessageSchema.safeParse` would say, in Rota's issue shape. */
export function validateBulkMessage(input: unknown): { ok: true; bulk: BulkMessage } | { ok: false; issues: ValidationIssue[] } {
  const result = fastThenExact(BulkMessageSchema, input, () => {
    const fields = plainBulkFields(input);
    return fields ? analysed(fields) : undefined;
  });
  return result.ok ? { ok: true, bulk: result.value } : result;
}

/**
 * Every message goes through here, so valid input takes a fast path without
 * zod (plainMessageFields, plainBulkFields). `fast` returns the value the schema
 * would, or undefined when anything is off; then the schema parses the input
 * itself, so the issues are exactly the schema's.
 */
function fastThenExact<T>(schema: z.ZodType<T>, input: unknown, fast: () => T | undefined): { ok: true; value: T } | { ok: false; issues: ValidationIssue[] } {
  const value = fast();
  if (value !== undefined) return { ok: true, value };
  const parsed = schema.safeParse(input);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, issues: toValidationIssues(parsed.error) };
}

/** withAnalysis for the fast path, with the schema's checks that need the analysis or two fields: undefined if one fails. */
function analysed<T extends { text: string; sendAt?: Date | undefined; validUntil?: Date | undefined }>(fields: T): (T & { analysis: TextAnalysis }) | undefined {
  const value = withAnalysis(fields);
  return segmentsProblem(value.analysis) || windowProblem(fields.sendAt, fields.validUntil) ? undefined : value;
}

/** The reason given for a key a strict schema does not know (see toValidationIssues). */
export const UNKNOWN_FIELD = 'is not a known field';

/** zod issues as `{ path: 'to', reason: '…' }`, the shape every Rota error uses. */
export function toValidationIssues(error: z.ZodError, pathPrefix: readonly PropertyKey[] = []): ValidationIssue[] {
  return toldIssues(error.issues).flatMap((issue) => {
    const path = [...pathPrefix, ...issue.path];
    // One issue per unknown key, at the key's own path, so a caller sees which field to drop.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: formatPath([...path, key]), reason: UNKNOWN_FIELD }));
    }
    return [{ path: formatPath(path), reason: issueReason(issue) }];
  });
}

/** A key in an issue path is cut to this many characters: an unknown 4 MB key would otherwise come back whole in the 400. */
const MAX_PATH_KEY_LENGTH = 64;

function formatPath(path: readonly PropertyKey[]): string {
  // An empty key still needs a visible name, or the caller could not tell which field is meant.
  return path.length > 0 ? path.map((key) => pathKey(String(key))).join('.') : '(root)';
}

function pathKey(key: string): string {
  if (key === '') return '""';
  return shortened(key, MAX_PATH_KEY_LENGTH, '…');
}
