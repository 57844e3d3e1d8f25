import { z } from 'zod';
import { MessageSchema } from '@rota/provider';

/**
 * The request bodies the gateway accepts. A message is core's own
 * `MessageSchema`, so the gateway refuses exactly what the router would refuse
 * (and says so with a 400 before anything is sent); the rest are the gateway's
 * own operations. Every object is strict: an unknown field is an error, never
 * silently dropped.
 */

/** One message, as `POST /v1/messages` takes it. */
export const MessageRequestSchema = MessageSchema;

/** `POST /v1/messages/batch`. The upper bound is the running configuration's `gateway.maxBatchSize`, checked beside the schema. */
export const BatchRequestSchema = z.strictObject({
  messages: z.array(MessageRequestSchema, { error: 'is required (an array of messages)' }).min(1, 'must hold at least one message'),
});

/** Only the outer shape of a batch; the messages are validated one by one so each issue carries its index. */
export const BatchEnvelopeSchema = z.strictObject({
  messages: z.array(z.unknown(), { error: 'is required (an array of messages)' }).min(1, 'must hold at least one message'),
});

/** `PATCH /v1/providers/:id`: at least one of the two. */
export const ProviderPatchSchema = z
  .strictObject({
    enabled: z.boolean().optional(),
    rank: z.number().int('must be a whole number').min(0, 'must be 0 or more').max(1_000_000, 'must be at most 1000000').optional(),
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
    reason: z.string(),
    attempts: z.array(AttemptSchema),
  }),
]);

export const BatchResponseSchema = z.object({
  results: z.array(SendResultSchema).meta({ description: 'One result per message, in request order.' }),
  summary: z.object({ accepted: z.number().int(), rejected: z.number().int(), failed: z.number().int(), unknown: z.number().int() }),
});

export const DeliveryStatusResponseSchema = z.object({
  id: z.string(),
  providerId: z.string(),
  accountId: z.string(),
  providerMessageId: z.string(),
  state: z.enum(['queued', 'sending', 'sent', 'delivered', 'undelivered', 'rejected', 'expired', 'unknown']),
  reason: z.string().optional(),
  final: z.boolean(),
  providerCode: z.string().optional(),
  at: z.string().optional().meta({ description: 'ISO 8601 time of the last state change, when the provider says.' }),
  to: z.string().optional(),
});

const BreakerStateEnum = z.enum(['closed', 'open', 'half-open']);

export const ProviderStatusSchema = z.object({
  providerId: z.string(),
  rank: z.number(),
  enabled: z.boolean(),
  accounts: z.array(z.object({ accountId: z.string(), breaker: BreakerStateEnum, override: z.enum(['open', 'closed', 'auto']) })),
  counts: z.object({
    accepted: z.number().int(),
    rejected: z.number().int(),
    failed: z.number().int(),
    unknown: z.number().int(),
    skipped: z.number().int(),
  }),
  meanLatencyMs: z.number(),
});

export const ProvidersResponseSchema = z.object({ providers: z.array(ProviderStatusSchema) });

export const ErrorResponseSchema = z.object({
  error: z.string().meta({ description: 'A stable machine-readable code, e.g. `invalid-request`, `unauthorized`, `payload-too-large`.' }),
  message: z.string().optional(),
  issues: z.array(IssueSchema).optional(),
});

export const ReadinessResponseSchema = z.object({
  ready: z.boolean(),
  providers: z.array(
    z.object({
      providerId: z.string(),
      enabled: z.boolean(),
      healthy: z.boolean().nullable().meta({ description: 'null when the provider has no health check.' }),
      detail: z.string().optional(),
      accounts: z.array(z.object({ accountId: z.string(), healthy: z.boolean(), detail: z.string() })),
    }),
  ),
});

/** `/readyz`: public, so it says ready or not and nothing else. */
export const PublicReadinessResponseSchema = z.object({ ready: z.boolean() });

export const LivenessResponseSchema = z.object({ status: z.literal('ok') });
