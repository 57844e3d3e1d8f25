import { z } from 'zod';
import {
  BatchRequestSchema,
  BatchResponseSchema,
  BreakerRequestSchema,
  DeliveryStatusResponseSchema,
  ErrorResponseSchema,
  LivenessResponseSchema,
  MessageRequestSchema,
  ProviderPatchSchema,
  ProviderStatusSchema,
  ProvidersResponseSchema,
  PublicReadinessResponseSchema,
  ReadinessResponseSchema,
  SendResultSchema,
} from './http-schemas.js';

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas the handlers
 * validate with (requests) and return (responses), so the description cannot
 * drift from the behaviour. OpenAPI 3.1 speaks JSON Schema 2020-12, which is
 * what `z.toJSONSchema` writes.
 */

type JsonSchema = Record<string, unknown>;

/** What the request fields mean; zod holds the rules, this holds the words. */
const MESSAGE_FIELD_DOCS: Record<string, { description: string; example?: unknown }> = {
  to: { description: 'Recipient phone number in any common form (+90 532 …, 0532…, 532…, 90532…); normalised to E.164.', example: '+905321234567' },
  text: { description: 'The SMS text. Its encoding (GSM-7, GSM-7 Turkish shift, UCS-2) and segment count are reported in the result.', example: 'Siparişiniz kargoya verildi.' },
  iysType: { description: 'IYS message type: NOTIFICATION (informational: OTP, order, invoice) or CAMPAIGN (commercial, needs IYS consent).' },
  recipientType: { description: 'IYS recipient type, meaningful for CAMPAIGN: BIREYSEL (individual, default) or TACIR (merchant).' },
  sender: { description: "Sender ID (başlık), 3–11 characters without Turkish letters; must be on the chosen account's sender list. Default: the account's first sender." },
  idempotencyKey: { description: 'The same key twice never sends twice: the second request gets the first result.' },
  sendAt: { description: 'Scheduled send time (ISO 8601 with offset), where the provider supports scheduling.' },
  validUntil: { description: 'Give up delivery after this time (ISO 8601 with offset); must be later than sendAt.' },
  otp: { description: 'Hint for providers with a separate OTP channel.' },
};

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override(ctx) {
      // A date field accepts a Date in-process and an ISO string over HTTP; JSON only carries the string.
      const def = (ctx.zodSchema as unknown as { _zod: { def: { type: string; options?: { _zod: { def: { type: string } } }[] } } })._zod.def;
      if (def.type === 'union' && def.options?.some((option) => option._zod.def.type === 'date')) {
        for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
        Object.assign(ctx.jsonSchema, { type: 'string', format: 'date-time' });
      }
    },
  }) as JsonSchema;
  delete json.$schema;
  return json;
}

function messageRequestSchema(): JsonSchema {
  const json = schemaOf(MessageRequestSchema, 'input');
  const properties = json.properties as Record<string, JsonSchema>;
  for (const [field, docs] of Object.entries(MESSAGE_FIELD_DOCS)) {
    const property = properties[field];
    if (!property) continue;
    property.description = docs.description;
    if (docs.example !== undefined) property.examples = [docs.example];
  }
  return json;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(ref('Error'), description);
const body = (name: string) => ({ required: true, content: { 'application/json': { schema: ref(name) } } });

const AUTH_ERRORS = {
  '401': error('No credential, or an unknown one.'),
  '403': error('The credential is of the wrong kind (a send key on an admin endpoint, or the admin token on a send endpoint).'),
};
const BODY_ERRORS = {
  '400': error('Invalid body (`invalid-request` with `issues`, each naming a field) or malformed JSON (`invalid-json`). Nothing was sent or changed.'),
  '413': error('The body is larger than gateway.bodyLimitBytes.'),
  '415': error('Content-Type is not application/json.'),
};

export function buildOpenApiDocument(info: { version: string } = { version: '0.1.0' }): Record<string, unknown> {
  const schemas: Record<string, JsonSchema> = {
    MessageRequest: messageRequestSchema(),
    BatchRequest: schemaOf(BatchRequestSchema, 'input'),
    ProviderPatch: schemaOf(ProviderPatchSchema, 'input'),
    BreakerRequest: schemaOf(BreakerRequestSchema, 'input'),
    SendResult: schemaOf(SendResultSchema, 'output'),
    BatchResponse: schemaOf(BatchResponseSchema, 'output'),
    DeliveryStatus: schemaOf(DeliveryStatusResponseSchema, 'output'),
    ProviderStatus: schemaOf(ProviderStatusSchema, 'output'),
    Providers: schemaOf(ProvidersResponseSchema, 'output'),
    Readiness: schemaOf(ReadinessResponseSchema, 'output'),
    PublicReadiness: schemaOf(PublicReadinessResponseSchema, 'output'),
    Liveness: schemaOf(LivenessResponseSchema, 'output'),
    Error: schemaOf(ErrorResponseSchema, 'output'),
  };
  // The batch's message items are the single-message schema; point at it rather than repeat it.
  (schemas.BatchRequest!.properties as Record<string, JsonSchema>).messages!.items = ref('MessageRequest');

  const sendKey = [{ apiKey: [] }];
  const adminToken = [{ adminToken: [] }];
  const idParam = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });

  return {
    openapi: '3.1.0',
    info: {
      title: 'Rota gateway',
      version: info.version,
      description:
        'Priority-based SMS routing for the Turkish market. Send keys (Authorization: Bearer <API key>) send and read; ' +
        'the admin token changes providers and reads them, but cannot send.',
    },
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from gateway.apiKeys: sends messages and reads status.' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'gateway.adminToken: changes providers and breakers; cannot send.' },
      },
      schemas,
    },
    paths: {
      '/v1/messages': {
        post: {
          summary: 'Send one message',
          description:
            'Routes the message to the highest-ranked enabled provider that can take it. The HTTP status follows the result: ' +
            '202 accepted (or unknown: the provider may have it — do not resend elsewhere), 422 rejected (final), 503 failed (no provider took it; nothing was sent).',
          security: sendKey,
          requestBody: body('MessageRequest'),
          responses: {
            '202': json(ref('SendResult'), 'Accepted (`status: accepted`, with `id`) or outcome unknown (`status: unknown`).'),
            '422': json(ref('SendResult'), 'Rejected: the message itself was refused (e.g. no IYS consent). Final; no other provider was asked.'),
            '503': json(ref('SendResult'), 'Failed: no provider could take it. Nothing was sent; safe to retry later.'),
            ...BODY_ERRORS,
            ...AUTH_ERRORS,
          },
        },
      },
      '/v1/messages/batch': {
        post: {
          summary: 'Send many messages',
          description:
            'Up to gateway.maxBatchSize messages. If any message is invalid the whole batch is refused with 400 before anything is sent; ' +
            'each issue path names the message index (messages.3.to). Otherwise one result per message, in order.',
          security: sendKey,
          requestBody: body('BatchRequest'),
          responses: { '200': json(ref('BatchResponse'), 'One result per message, in request order.'), ...BODY_ERRORS, ...AUTH_ERRORS },
        },
      },
      '/v1/messages/{id}': {
        get: {
          summary: 'Read the delivery status of a message',
          description: 'Asks the provider (and account) that accepted the message. `id` is the opaque id of an accepted result.',
          security: sendKey,
          parameters: [idParam('id', 'The `id` of an accepted send result.')],
          responses: {
            '200': json(ref('DeliveryStatus'), 'The normalised delivery report.'),
            '400': error('Not a Rota message id.'),
            '404': error('The provider is no longer configured, or has no status for this message.'),
            '501': error('The provider cannot read delivery status.'),
            '502': error('The provider refused the status request.'),
            '503': error('The provider is unavailable.'),
            ...AUTH_ERRORS,
          },
        },
      },
      '/v1/providers': {
        get: {
          summary: 'Provider status',
          description: 'Rank, enabled flag, breaker state per account, attempt counts and mean latency. Readable with a send key or the admin token.',
          security: [...sendKey, ...adminToken],
          responses: { '200': json(ref('Providers'), 'Providers in rank order.'), ...AUTH_ERRORS },
        },
      },
      '/v1/providers/{id}': {
        patch: {
          summary: 'Enable, disable or re-rank a provider (admin)',
          description: 'Takes effect for the next message; in-flight messages finish where they are. Survives a reload unless the file changes the same field.',
          security: adminToken,
          parameters: [idParam('id', 'Provider id, e.g. figensoft.')],
          requestBody: body('ProviderPatch'),
          responses: { '200': json(ref('ProviderStatus'), 'The provider after the change.'), '404': error('No such provider.'), ...BODY_ERRORS, ...AUTH_ERRORS },
        },
      },
      '/v1/providers/{id}/breaker': {
        post: {
          summary: 'Force a circuit breaker (admin)',
          description: '`open` stops traffic to the account(s), `closed` lets it through regardless of failures, `auto` hands the breaker back to the failure counts. All accounts unless accountId is given.',
          security: adminToken,
          parameters: [idParam('id', 'Provider id, e.g. figensoft.')],
          requestBody: body('BreakerRequest'),
          responses: { '200': json(ref('ProviderStatus'), 'The provider after the change.'), '404': error('No such provider or account.'), ...BODY_ERRORS, ...AUTH_ERRORS },
        },
      },
      '/healthz': {
        get: { summary: 'Liveness', security: [], responses: { '200': json(ref('Liveness'), 'The process serves HTTP.') } },
      },
      '/readyz': {
        get: {
          summary: 'Readiness',
          description: 'Asks every enabled provider for its health (answers are reused for a few seconds). 200 when at least one enabled provider is healthy. Unauthenticated, so it says nothing more; /v1/readiness has the detail.',
          security: [],
          responses: { '200': json(ref('PublicReadiness'), 'Ready.'), '503': json(ref('PublicReadiness'), 'No enabled provider is healthy.') },
        },
      },
      '/v1/readiness': {
        get: {
          summary: 'Readiness with every provider\'s and account\'s detail (admin)',
          security: adminToken,
          responses: { '200': json(ref('Readiness'), 'Ready.'), '503': json(ref('Readiness'), 'No enabled provider is healthy.'), ...AUTH_ERRORS },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          security: [],
          responses: { '200': { description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } } },
        },
      },
      '/openapi.json': {
        get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1 document.', content: { 'application/json': {} } } } },
      },
    },
  };
}
