import { storable, type BulkMessage, type Message } from '@rota/provider';
import { z } from 'zod';
import { InitialStateSchema, MessageRecordSchema } from './message-record.js';

/** The API client a record belongs to (its name in the gateway's client list). */
export const OwnerSchema = storable(z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(200, 'must be at most 200 characters'));
/** The client's own reference for a message or a bulk. */
export const ReferenceSchema = storable(z.string({ error: 'must be a string (your own reference, e.g. "order-7")' }).min(1, 'must not be empty').max(200, 'must be at most 200 characters'));
const IdempotencyKeySchema = storable(z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(200, 'must be at most 200 characters'));
const CallbackUrlSchema = storable(z.string().min(1));

/** Whether a value came out of @rota/provider's validation (only that adds `analysis`). */
function isAnalysed(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { text, analysis } = value as { text?: unknown; analysis?: { segments?: unknown } };
  return typeof text === 'string' && typeof analysis?.segments === 'number';
}
const NOT_VALIDATED = 'must be validated by @rota/provider (validateMessage / validateBulkMessage) first';

/** One message to record: the validated message and what the gateway knows about it. */
export const NewMessageSchema = z.strictObject({
  message: z.custom<Message>((value) => isAnalysed(value) && typeof (value as { to?: unknown }).to === 'string', NOT_VALIDATED),
  owner: OwnerSchema,
  /** A bulk recorded before (recordBulk); the database refuses an unknown one. */
  bulkId: storable(z.string().min(1)).optional(),
  reference: ReferenceSchema.optional(),
  state: InitialStateSchema.default('queued'),
  resendOf: storable(z.string().min(1)).optional(),
  /** Where this message's webhooks go; checked against the client's allowlist before it gets here. */
  callbackUrl: CallbackUrlSchema.optional(),
  /** The caller waits for the result (another process sends it): its finish is announced. */
  awaited: z.boolean().optional(),
});
export type NewMessage = z.input<typeof NewMessageSchema>;
/** A NewMessage as its schema gives it back: what the store's writes take. */
export type ParsedNewMessage = z.output<typeof NewMessageSchema>;

/**
 * What became of one entry of `recordMessages`: a new record; the record an
 * earlier request with the same owner, key and message made (nothing new was
 * written); a conflict, the key already standing for another message; or
 * erased, the key's message erased at its recipient's request (KVKK), so
 * nothing is written and nothing sent again — for a resend's copy
 * (recordResend), its original is gone.
 */
export const RecordOutcomeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('created'), record: MessageRecordSchema }),
  z.object({ kind: z.literal('existing'), record: MessageRecordSchema }),
  z.object({ kind: z.literal('conflict'), existingId: z.string() }),
  z.object({ kind: z.literal('erased') }),
]);
export type RecordOutcome = z.infer<typeof RecordOutcomeSchema>;

/** A validated bulk's shared fields; its own `to` list, if it has one, is not read (the recipients are). */
export type BulkTemplate = Omit<BulkMessage, 'to'>;

/**
 * One text to many numbers. `idempotencyKey` stands for the whole bulk (its
 * recipients have none of their own): a retried campaign request must not send
 * the campaign twice.
 */
export const NewBulkSchema = z.strictObject({
  template: z.custom<BulkTemplate>(isAnalysed, NOT_VALIDATED),
  owner: OwnerSchema,
  reference: ReferenceSchema.optional(),
  idempotencyKey: IdempotencyKeySchema.optional(),
  state: InitialStateSchema.default('queued'),
  /** Where the bulk's webhooks (each recipient's, and bulk.completed) go. */
  callbackUrl: CallbackUrlSchema.optional(),
});
export type NewBulk = z.input<typeof NewBulkSchema>;

/** What became of a `recordBulk`: as for a message, at the level of the bulk. */
export const BulkOutcomeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('created'), bulkId: z.string(), count: z.number().int() }),
  z.object({ kind: z.literal('existing'), bulkId: z.string(), count: z.number().int() }),
  z.object({ kind: z.literal('conflict'), existingId: z.string() }),
  /** The same bulk under this key is still being recorded, by another process (or by one that died, until it starts again): retry later. */
  z.object({ kind: z.literal('recording'), bulkId: z.string() }),
  /** The key was one of the owner's messages', erased at its recipient's request (KVKK): nothing is recorded under it. */
  z.object({ kind: z.literal('erased') }),
]);
export type BulkOutcome = z.infer<typeof BulkOutcomeSchema>;
