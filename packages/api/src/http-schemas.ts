import { z } from 'zod';
import { BulkFieldsSchema, MessageFieldsSchema } from '@rota/provider';
import { MESSAGE_STATES, ReferenceSchema } from '@rota/ledger';
import { RankSchema } from '@rota/core';

/**
 * The request bodies the gateway accepts. A message is core's own
 * `MessageSchema` (its fields, `MessageFieldsSchema`, extended here), so the gateway refuses exactly what the router would refuse
 * (and says so with a 400 before anything is sent); the rest are the gateway's
 * own operations. Every object is strict: an unknown field is an error, never
 * silently dropped.
 */

/**
 * One message, as `POST /v1/messages` takes it: core's message, plus the
 * client's own `reference`, which the ledger keeps (and webhooks will carry)
 * but no provider sees. Only for the OpenAPI document and the fuzz tests: a
 * request is checked once, by `validateMessage` (see message-request.ts).
 */
export const MessageRequestSchema = MessageFieldsSchema.extend({ reference: ReferenceSchema.optional() });

/** `POST /v1/messages/batch`. The upper bound is the running configuration's `gateway.maxBatchSize`, checked beside the schema. */
export const BatchRequestSchema = z.strictObject({
  messages: z.array(MessageRequestSchema, { error: 'is required (an array of messages)' }).min(1, 'must hold at least one message'),
});

/**
 * `POST /v1/bulk`: one text to many numbers, recorded whole before anything
 * is sent. The recipients' upper bound is `gateway.maxBulkRecipients`.
 * `idempotencyKey` stands for the whole bulk.
 */
export const BulkRequestSchema = BulkFieldsSchema.omit({ to: true }).extend({
  recipients: z.array(z.string(), { error: 'is required (an array of phone numbers)' }).min(1, 'must hold at least one number'),
  reference: ReferenceSchema.optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
});

/** Only the outer shape of a batch; the messages are validated one by one so each issue carries its index. */
export const BatchEnvelopeSchema = z.strictObject({
  messages: z.array(z.unknown(), { error: 'is required (an array of messages)' }).min(1, 'must hold at least one message'),
});

/** `POST /v1/messages/{id}/resend`: no body, or `force` to send an unknown message again while its provider's reports are still read. */
export const ResendRequestSchema = z.strictObject({
  force: z
    .boolean()
    .optional()
    .meta({ description: "`true`: send it again although its provider's delivery reports are still being read for it (a report would show the provider has it, and make it accepted); the recipient may get both." }),
});

/** `PATCH /v1/providers/:id`: at least one of the two. */
export const ProviderPatchSchema = z
  .strictObject({
    enabled: z.boolean().optional(),
    rank: RankSchema.optional(),
  })
  .refine((patch) => patch.enabled !== undefined || patch.rank !== undefined, 'must set enabled, rank or both');
export type ProviderPatch = z.infer<typeof ProviderPatchSchema>;

/** `POST /v1/providers/:id/breaker`: force a breaker open or closed, or hand it back to the failure counts (`auto`). */
export const BreakerRequestSchema = z.strictObject({
  state: z.enum(['open', 'closed', 'auto']),
  /** One account of the provider; all of its accounts when left out. */
  accountId: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
});
export type BreakerRequest = z.infer<typeof BreakerRequestSchema>;

/** `POST /v1/webhooks/endpoints/enable`: the receiver to turn back on, exactly as it was switched off. */
export const EnableEndpointRequestSchema = z.strictObject({
  url: z.string({ error: (issue) => (issue.input === undefined ? 'is required (the receiver URL)' : 'must be a string (the receiver URL)') }).min(1, 'must not be empty'),
});

// ---------------------------------------------------------------------------
// Response shapes. They describe what the handlers return for the OpenAPI
// document; test/openapi.test.ts checks at compile time that core's result
// types still fit them, so the document cannot drift from the code.

const AttemptSchema = z.object({
  providerId: z.string(),
  accountId: z.string().optional(),
  outcome: z.enum(['accepted', 'rejected', 'failed', 'unknown', 'skipped']),
  errorKind: z.enum(['retryable', 'provider-unavailable', 'message-rejected', 'outcome-unknown']).optional(),
  code: z.string().optional(),
  reason: z.string().optional(),
  retryAfterMs: z.number().optional(),
  field: z.enum(['to', 'text', 'sender', 'sendAt', 'validUntil', 'recipientType', 'otp']).optional().meta({ description: 'On a skip: the message field this provider refused.' }),
  tries: z.number().int(),
  durationMs: z.number(),
});

const IssueSchema = z.object({
  path: z.string().meta({ description: 'The field at fault, e.g. `to` or `messages.3.to`.' }),
  reason: z.string(),
});

const EncodingEnum = z.enum(['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2']);

export const SendResultSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('accepted'),
    id: z.string().meta({ description: 'Opaque Rota message id; read its delivery status with GET /v1/messages/{id}.' }),
    to: z.string(),
    providerId: z.string(),
    accountId: z.string(),
    providerMessageId: z.string(),
    segments: z.number().int(),
    encoding: EncodingEnum,
    shift: z.string().optional(),
    simulated: z.boolean().optional().meta({ description: 'True when a development (simulated) transport took the message: nothing was delivered.' }),
    attempts: z.array(AttemptSchema),
  }),
  z.object({
    status: z.literal('rejected'),
    to: z.string().optional(),
    reason: z.string(),
    issues: z.array(IssueSchema),
    providerId: z.string().optional(),
    attempts: z.array(AttemptSchema),
  }),
  z.object({ status: z.literal('failed'), to: z.string().optional(), reason: z.string(), attempts: z.array(AttemptSchema) }),
  z.object({
    status: z.literal('unknown'),
    to: z.string(),
    providerId: z.string(),
    accountId: z.string(),
    providerMessageId: z.string().optional().meta({ description: 'The id the provider would know it by, when Rota named it in the request (Infobip): a delivery report under it later settles the outcome.' }),
    encoding: EncodingEnum.optional().meta({ description: 'The text as that provider encodes it: what it sent and bills, if it sent it (UCS2 where it has no Turkish shift tables).' }),
    shift: z.string().optional(),
    segments: z.number().int().optional(),
    reason: z.string(),
    attempts: z.array(AttemptSchema),
  }),
]);

/**
 * A message's record, as the API gives it out: the router's result fields
 * (status, provider, attempts…) and the ledger's (id, owner, reference, times).
 * `status` is the record's state; `queued` and `dispatching` are not final.
 */
export const MessageViewSchema = z.object({
  id: z.string().meta({ description: 'Opaque, random message id (128 bits); read it back with GET /v1/messages/{id}.' }),
  status: z.enum(MESSAGE_STATES),
  owner: z.string().meta({ description: 'The API client that sent it.' }),
  to: z.string(),
  iysType: z.enum(['NOTIFICATION', 'CAMPAIGN']),
  recipientType: z.enum(['BIREYSEL', 'TACIR']),
  sender: z.string().optional(),
  otp: z.boolean(),
  text: z.string().optional().meta({ description: 'Absent for an OTP: its text is never stored.' }),
  reference: z.string().optional(),
  bulkId: z.string().optional(),
  idempotencyKey: z.string().optional(),
  sendAt: z.string().optional(),
  validUntil: z.string().optional(),
  encoding: EncodingEnum,
  shift: z.string().optional(),
  segments: z.number().int(),
  providerId: z.string().optional(),
  accountId: z.string().optional(),
  providerMessageId: z.string().optional(),
  simulated: z.boolean().optional().meta({ description: 'True when a development (simulated) transport took the message: nothing was delivered.' }),
  reason: z.string().optional(),
  issues: z.array(IssueSchema).optional(),
  attempts: z.array(AttemptSchema),
  resendOf: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  dispatchedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  acceptedAt: z.string().optional(),
  heldSince: z.string().optional().meta({ description: 'When it was first held in the queue because no route was open (its hold, dispatch.holdWithoutRouteMinutes, counts from then).' }),
  callbackUrl: z.string().optional().meta({ description: 'Where this message\'s webhooks go.' }),
  delivery: z
    .object({
      state: z.enum(['queued', 'sending', 'sent', 'delivered', 'undelivered', 'rejected', 'expired', 'unknown']),
      reason: z.string().optional(),
      providerCode: z.string().optional(),
      at: z.string().optional(),
      final: z.boolean(),
    })
    .optional()
    .meta({ description: 'The last delivery report, normalised (rejected with opted-out or iys-consent-missing is an IYS refusal after acceptance).' }),
  timeline: z
    .array(
      z.object({
        kind: z.enum(['state', 'delivery']),
        state: z.string().meta({ description: "A record state (kind state), or `held`: queued while no route was open (its first hold; the record's reason says until when); a delivery state (kind delivery)." }),
        reason: z.string().optional(),
        providerCode: z.string().optional(),
        source: z.string().meta({ description: 'dispatch, recovery, poll, push, refresh or expiry.' }),
        at: z.string(),
        recordedAt: z.string(),
      }),
    )
    .optional()
    .meta({ description: 'Every state and report, oldest first; on a message read on its own.' }),
});

/** A batch is recorded whole or not at all (a key that stands for another message is a 409 for the whole batch): each entry is its message's record. */
export const BatchResponseSchema = z.object({
  results: z.array(MessageViewSchema).meta({ description: 'One record per message, in request order.' }),
  summary: z.record(z.string(), z.number().int()).meta({ description: 'How many messages ended in each status.' }),
});

export const MessageListSchema = z.object({
  items: z.array(MessageViewSchema).meta({ description: 'Newest first.' }),
  nextCursor: z.string().optional().meta({ description: 'Pass as `cursor` for the next page; absent on the last page.' }),
});

export const BulkAcceptedSchema = z.object({ bulkId: z.string(), count: z.number().int(), status: z.literal('queued') });

export const BulkProgressSchema = z.object({
  bulkId: z.string(),
  count: z.number().int().meta({ description: 'Recipients the bulk was created with: `byState` and `erased` add up to it.' }),
  byState: z.record(z.string(), z.number().int()),
  erased: z.number().int().meta({ description: "Records erased since (a number's erasure deletes its records); in no state." }),
  createdAt: z.string(),
});

/** `POST /v1/bulk` again under the key of a bulk that has ended: its counts, not "queued". */
export const BulkRepeatEndedSchema = BulkProgressSchema.extend({
  status: z
    .literal('completed')
    .meta({ description: 'Nothing of the bulk is queued or on its way: `byState` says how it ended (`canceled` counts what a cancel took back). Nothing is sent for this request.' }),
});

/** `POST /v1/bulk/{id}/cancel`: the bulk's counts after, and how many records this call canceled. */
export const BulkCancelSchema = BulkProgressSchema.extend({
  canceled: z.number().int().meta({ description: 'Records this call took back (queued, or claimed with no request to their provider yet). Those in a request under way are sent.' }),
});

const BreakerStateEnum = z.enum(['closed', 'open', 'half-open']);

export const ProviderStatusSchema = z.object({
  providerId: z.string(),
  rank: z.number(),
  enabled: z.boolean(),
  accounts: z.array(z.object({ accountId: z.string(), breaker: BreakerStateEnum, override: z.enum(['open', 'closed', 'auto']) })),
  capabilities: z
    .object({
      deliveryStatus: z.boolean().meta({ description: 'Whether Rota can read its delivery reports.' }),
      scheduling: z.boolean().meta({ description: 'Whether it honours sendAt and validUntil.' }),
      maxRecipientsPerRequest: z.number().int(),
      statusBatchSize: z.number().int().meta({ description: 'Message ids one status read carries.' }),
    })
    .meta({ description: 'What the provider can do.' }),
  inFlight: z.number().int(),
  counts: z.object({
    accepted: z.number().int(),
    rejected: z.number().int(),
    failed: z.number().int(),
    unknown: z.number().int(),
    skipped: z.number().int(),
  }),
  meanLatencyMs: z.number(),
});

/** `POST /v1/providers/{id}/reports`: what a provider's push carried, and how much of it was ours. */
export const ReportsReceivedSchema = z.object({
  received: z.number().int().meta({ description: 'Reports the push carried.' }),
  matched: z
    .number()
    .int()
    .meta({ description: "Of those, the reports naming a message this gateway sent through that provider: each goes to that message's timeline (one that says nothing new adds no step)." }),
  held: z
    .number()
    .int()
    .meta({ description: 'Reports naming no message yet (a push can outrun the write of its send result): held and matched again after 1 s, 5 s, 30 s and 2 min, then dropped.' }),
  dropped: z.number().int().meta({ description: 'Reports naming no message, more than a provider may ever have held at once (10,000): dropped now.' }),
});

/** `POST /v1/webhooks/events/{id}/redeliver`: the event is due again. */
export const WebhookRedeliveredSchema = z.object({ id: z.string(), status: z.literal('pending') });

export const DisabledEndpointsSchema = z.object({
  disabled: z.array(
    z.object({
      url: z.string().meta({ description: 'The receiver, whole: enable it with exactly this URL.' }),
      disabledAt: z.string(),
      reason: z.string().nullable(),
      held: z.number().int().meta({ description: 'Events kept for it; released when it is turned back on.' }),
    }),
  ),
});

export const EndpointEnabledSchema = z.object({ released: z.number().int().meta({ description: 'How many held events are due again.' }) });

/**
 * `GET /v1/providers`. `inFlight`, `counts` and `meanLatencyMs` are every client's traffic together:
 * the admin token reads them, an API key (one client of several) does not.
 */
export const ProvidersResponseSchema = z.object({
  providers: z.array(
    ProviderStatusSchema.partial({ inFlight: true, counts: true, meanLatencyMs: true }).meta({
      description: '`inFlight`, `counts` and `meanLatencyMs` sum every client\'s traffic: given to the admin token only.',
    }),
  ),
});

export const ErrorResponseSchema = z.object({
  error: z.string().meta({ description: 'A stable machine-readable code, e.g. `invalid-request`, `unauthorized`, `payload-too-large`.' }),
  message: z.string().optional(),
  issues: z.array(IssueSchema).optional(),
  ids: z.array(z.string()).optional().meta({ description: '`result-not-recorded`: the messages whose outcome was not recorded. Read them later; do not send them again.' }),
});

export const ReadinessResponseSchema = z.object({
  ready: z.boolean().meta({ description: 'The store answers and at least one enabled provider, or one of its accounts, is healthy.' }),
  store: z
    .object({
      kind: z.enum(['sqlite', 'postgres']),
      reachable: z.boolean(),
      detail: z.string().optional().meta({ description: "Why not: the database's error, with secrets blanked." }),
    })
    .meta({ description: 'The message store: no message is accepted while it cannot be reached (sends answer 503 store-unavailable).' }),
  providers: z.array(
    z.object({
      providerId: z.string(),
      enabled: z.boolean(),
      healthy: z.boolean().nullable().meta({ description: 'null when the provider has no health check.' }),
      detail: z.string().optional(),
      accounts: z.array(
        z.object({
          accountId: z.string(),
          healthy: z.boolean(),
          detail: z.string(),
          balance: z.number().optional().meta({ description: "The account's credit, where its provider tells it (FigenSoft: SMS credits)." }),
        }),
      ),
    }),
  ),
});

/** `/readyz`: public, so it says ready or not and nothing else. */
export const PublicReadinessResponseSchema = z.object({ ready: z.boolean() });

export const LivenessResponseSchema = z.object({ status: z.literal('ok') });
