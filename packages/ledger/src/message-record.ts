import type { Attempt } from '@rota/core';
import { DeliveryReasonSchema, DeliveryStateSchema, EncodingSchema, IysTypeSchema, RecipientTypeSchema, type ValidationIssue } from '@rota/provider';
import { z } from 'zod';

/**
 * `queued → dispatching → accepted | rejected | failed | unknown`, or
 * `queued → canceled` (its client or an operator took it back before a
 * dispatcher claimed it). A record found `dispatching` at start becomes
 * `unknown` (`interrupted`), never `queued` again: a duplicate SMS is worse
 * than an honest "unknown".
 */
export const MessageStateSchema = z.enum(['queued', 'dispatching', 'accepted', 'rejected', 'failed', 'unknown', 'canceled']);
export type MessageState = z.infer<typeof MessageStateSchema>;
export const MESSAGE_STATES = MessageStateSchema.options;

/** States a record may be created in: `queued` for the dispatcher, `dispatching` for a send the caller makes at once. */
export const InitialStateSchema = z.enum(['queued', 'dispatching']);
export type InitialState = z.infer<typeof InitialStateSchema>;

/** States a record never leaves by itself (it is still owed a send or an answer). */
export const UNFINISHED_STATES = ['queued', 'dispatching'] as const satisfies readonly MessageState[];

/** Dispatch order: lower first. An OTP goes first whatever its IYS type. */
export const PRIORITY = { otp: 0, notification: 1, campaign: 2 } as const;
export const PrioritySchema = z.union([z.literal(PRIORITY.otp), z.literal(PRIORITY.notification), z.literal(PRIORITY.campaign)]);
export type Priority = z.infer<typeof PrioritySchema>;

const ValidationIssueSchema: z.ZodType<ValidationIssue> = z.object({ path: z.string(), reason: z.string() });
/** @rota/core's Attempt, written by the router and kept as it was. */
const AttemptSchema = z.custom<Attempt>((value) => typeof value === 'object' && value !== null && 'providerId' in value);

/**
 * A message's record as the ledger gives it out. Instants are `Date`s,
 * durations elsewhere are milliseconds. A field the record does not have is
 * absent, never null. `text` is absent for an OTP: only its length, encoding,
 * segments and keyed hash are kept.
 */
export const MessageRecordSchema = z.object({
  id: z.string(),
  /** The API client that created the record; only it (or an admin) may read it. */
  owner: z.string(),
  bulkId: z.string().optional(),
  /** Kept until the idempotency retention has passed, then cleared so the key may be used again. */
  idempotencyKey: z.string().optional(),
  state: MessageStateSchema,
  reason: z.string().optional(),
  priority: PrioritySchema,
  /** When the dispatcher may send it: `sendAt`, or the time it was recorded. */
  dueAt: z.date(),
  to: z.string(),
  iysType: IysTypeSchema,
  recipientType: RecipientTypeSchema,
  sender: z.string().optional(),
  otp: z.boolean(),
  sendAt: z.date().optional(),
  validUntil: z.date().optional(),
  /** The client's own reference for the message. */
  reference: z.string().optional(),
  text: z.string().optional(),
  /** HMAC-SHA256 of the text under the store's key (base64url). */
  textHash: z.string(),
  textLength: z.number().int(),
  encoding: EncodingSchema,
  shift: z.enum(['single', 'locking']).optional(),
  segments: z.number().int(),
  providerId: z.string().optional(),
  accountId: z.string().optional(),
  providerMessageId: z.string().optional(),
  simulated: z.boolean(),
  attempts: z.array(AttemptSchema),
  issues: z.array(ValidationIssueSchema).optional(),
  /** The record this one was sent again for. */
  resendOf: z.string().optional(),
  createdAt: z.date(),
  updatedAt: z.date(),
  /** When the record entered `dispatching`. */
  dispatchedAt: z.date().optional(),
  finishedAt: z.date().optional(),
  /** Where this message's webhooks go. */
  callbackUrl: z.string().optional(),
  /** When a provider accepted it. */
  acceptedAt: z.date().optional(),
  /** When it was first held in the queue for want of an open route; its hold counts from then. */
  heldSince: z.date().optional(),
  /** A caller waits for its result (a gateway on a shared store): it is answered, never held. */
  awaited: z.literal(true).optional(),
  /** The last delivery report, normalised: absent until the first arrives. */
  delivery: z
    .object({
      state: DeliveryStateSchema,
      reason: DeliveryReasonSchema.optional(),
      providerCode: z.string().optional(),
      at: z.date().optional(),
      final: z.boolean(),
    })
    .optional(),
});
export type MessageRecord = z.infer<typeof MessageRecordSchema>;
