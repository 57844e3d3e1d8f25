import { z } from 'zod';

/**
 * The FigenSoft JSON API's bodies (docs: shared/design/figensoft-api.md).
 * Request schemas exist for their inferred types and for tests; the client
 * never validates its own requests at run time (it builds them from typed
 * values). Response schemas are deliberately light: they check what the
 * provider reads and let everything else through, because the service adds
 * fields without notice.
 */

// PascalCase keys are the API's.
const Credentials = { Username: z.string(), Password: z.string() };

/** `yyyyMMdd HH:mm`, Turkey time. */
export const FigenSoftDateSchema = z.string().regex(/^\d{8} \d{2}:\d{2}$/, 'must be formatted yyyyMMdd HH:mm');

export const ChannelSchema = z.enum(['OTP', 'BULK']);
export type Channel = z.infer<typeof ChannelSchema>;

const SendOptionalFields = {
  Originator: z.string().optional(),
  SendDate: FigenSoftDateSchema.optional(),
  ExpireDate: FigenSoftDateSchema.optional(),
  Channel: ChannelSchema.optional(),
};

/** `POST /v1/Sms/Send_1_N`: one text to many numbers. */
export const Send1NRequestSchema = z.object({
  ...Credentials,
  Message: z.string(),
  Receivers: z.array(z.string()),
  ...SendOptionalFields,
});
export type Send1NRequest = z.infer<typeof Send1NRequestSchema>;

export const SendNNItemSchema = z.object({ Receiver: z.string(), Message: z.string() });
export type SendNNItem = z.infer<typeof SendNNItemSchema>;

/** `POST /v1/Sms/Send_N_N`: a different text per number. */
export const SendNNRequestSchema = z.object({
  ...Credentials,
  Messages: z.array(SendNNItemSchema),
  ...SendOptionalFields,
});
export type SendNNRequest = z.infer<typeof SendNNRequestSchema>;

/** `POST /v1/Sms/Status`. */
export const StatusRequestSchema = z.object({ ...Credentials, MessageIds: z.array(z.string()) });
export type StatusRequest = z.infer<typeof StatusRequestSchema>;

/** `POST /v1/Sms/CreditBalance`. */
export const CreditBalanceRequestSchema = z.object(Credentials);
export type CreditBalanceRequest = z.infer<typeof CreditBalanceRequestSchema>;

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
  sendNN: '/v1/Sms/Send_N_N',
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
