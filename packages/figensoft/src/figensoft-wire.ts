import { z } from 'zod';

/**
 * The FigenSoft JSON API's answers, and the readers the client reads them with.
 * Requests are written by the client from typed values (see figensoft-client.ts
 * and figensoft-send-body.ts) and never validated at run time. Response schemas
 * are deliberately light: they check what the provider reads and let everything
 * else through, because the service adds fields without notice.
 */

/** The `Channel` a send may carry; `OTP` for otp messages when the account uses FigenSoft's OTP channel. */
export type Channel = 'OTP' | 'BULK';

const Envelope = {
  StatusCode: z.number(),
  // Seen as null in failure answers of public clients' tests.
  StatusDescription: z.string().nullish(),
};

/** One receipt per receiver, in the order of the request's receivers. */
export const SendResultEntrySchema = z.object({
  MessageId: z.string(),
  Receiver: z.string(),
  /** Billed SMS segments. */
  Charge: z.number(),
});
export type SendResultEntry = z.infer<typeof SendResultEntrySchema>;

/**
 * `Result` is checked by one guard over the whole list rather than
 * `z.array(SendResultEntrySchema)`: a bulk answer has 800 entries, and zod
 * copies each entry and allocates a parse state per element — at 800 a request
 * that was a large share of the client's cost per recipient. The guard checks
 * the same fields as SendResultEntrySchema.
 */
export const SendResponseSchema = z.object({
  ...Envelope,
  Result: z.custom<SendResultEntry[]>(isSendResultList, 'must be a list of { MessageId, Receiver, Charge }').nullish(),
});

export function isSendResultEntry(entry: unknown): entry is SendResultEntry {
  if (typeof entry !== 'object' || entry === null) return false;
  const { MessageId, Receiver, Charge } = entry as Record<string, unknown>;
  return typeof MessageId === 'string' && typeof Receiver === 'string' && typeof Charge === 'number' && Number.isFinite(Charge);
}

function isSendResultList(value: unknown): value is SendResultEntry[] {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (!isSendResultEntry(value[i])) return false;
  return true;
}
export type SendResponse = z.infer<typeof SendResponseSchema>;

/**
 * A send answer as SendResponseSchema reads it, or undefined when it does not
 * fit. The usual answer — a plain object with a finite StatusCode, a string or
 * null description and a list of receipts — is read here without zod: measured
 * in place, zod's parse of each answer was the last zod call on the send path
 * (docs/benchmarks.md).
 * Anything unusual goes to the schema; a property test holds the two together.
 */
export function readSendResponse(json: unknown): SendResponse | undefined {
  return plainSendResponse(json) ?? readWithSendResponseSchema(json);
}

/** A reader of answers from a response schema: the parsed answer, or undefined if it does not fit. */
function readWith<S extends z.ZodType>(schema: S): (json: unknown) => z.infer<S> | undefined {
  return (json) => {
    const parsed = schema.safeParse(json);
    return parsed.success ? (parsed.data as z.infer<S>) : undefined;
  };
}

const readWithSendResponseSchema = readWith(SendResponseSchema);

function plainSendResponse(json: unknown): SendResponse | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json) || Object.getPrototypeOf(json) !== Object.prototype) return undefined;
  const { StatusCode, StatusDescription, Result } = json as Record<string, unknown>;
  if (typeof StatusCode !== 'number' || !Number.isFinite(StatusCode)) return undefined;
  if (StatusDescription !== undefined && StatusDescription !== null && typeof StatusDescription !== 'string') return undefined;
  if (Result !== undefined && Result !== null && !isSendResultList(Result)) return undefined;
  // zod's output: known keys only, each kept if the answer has it (`in`, as zod looks).
  const response: SendResponse = { StatusCode };
  if ('StatusDescription' in json) response.StatusDescription = StatusDescription as SendResponse['StatusDescription'];
  if ('Result' in json) response.Result = Result as SendResponse['Result'];
  return response;
}

/** Every value of a status entry is a string on the wire, flags and charges included. */
export const StatusResultEntrySchema = z.object({
  MessageId: z.string(),
  Receiver: z.string().nullish(),
  /** Empty for an id the service does not know. */
  SmsStatus: z.string(),
  SmsStatusDescription: z.string().nullish(),
  IsFinalStatus: z.string().nullish(),
  StatusTime: z.string().nullish(),
  SmsCharge: z.string().nullish(),
});
export type StatusResultEntry = z.infer<typeof StatusResultEntrySchema>;

export const StatusResponseSchema = z.object({ ...Envelope, Result: z.array(StatusResultEntrySchema).nullish() });

/**
 * What the sandbox's push mode posts (FigenSoft itself is not known to push):
 * the entries a Status answer would carry, in a `Reports` list.
 */
export const PushedReportsBodySchema = z.object({ Reports: z.array(StatusResultEntrySchema) });
export type StatusResponse = z.infer<typeof StatusResponseSchema>;
export const readStatusResponse = readWith(StatusResponseSchema);

export const CreditBalanceResponseSchema = z.object({
  ...Envelope,
  Result: z.object({ Balance: z.number() }).nullish(),
});
export type CreditBalanceResponse = z.infer<typeof CreditBalanceResponseSchema>;
export const readCreditBalanceResponse = readWith(CreditBalanceResponseSchema);

/** Endpoint paths below the base URL. */
export const ENDPOINTS = {
  send1N: '/v1/Sms/Send_1_N',
  status: '/v1/Sms/Status',
  creditBalance: '/v1/Sms/CreditBalance',
} as const;
export type Endpoint = keyof typeof ENDPOINTS;

/** `+905321234567` → `905321234567`: country code and national number, no `+` [one]. */
export function toWireNumber(number: string): string {
  return number.slice(wireNumberStart(number));
}

/** Where a number's wire form starts: after a leading `+`, if there is one. */
export function wireNumberStart(number: string): 0 | 1 {
  return number.charCodeAt(0) === 0x2b /* + */ ? 1 : 0;
}

/** The body StatusCode of an accepted request. */
export const STATUS_OK = 200;
