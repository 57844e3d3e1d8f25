import { z } from 'zod';
import {
  BatchRequestSchema,
  BatchResponseSchema,
  BulkAcceptedSchema,
  BulkRepeatEndedSchema,
  ResendRequestSchema,
  BulkProgressSchema,
  BulkCancelSchema,
  BulkRequestSchema,
  BreakerRequestSchema,
  DisabledEndpointsSchema,
  EnableEndpointRequestSchema,
  EndpointEnabledSchema,
  ErrorResponseSchema,
  LivenessResponseSchema,
  MessageListSchema,
  MessageRequestSchema,
  MessageViewSchema,
  ProviderPatchSchema,
  ProviderStatusSchema,
  ProvidersResponseSchema,
  PublicReadinessResponseSchema,
  ReadinessResponseSchema,
  ReportsReceivedSchema,
  WebhookRedeliveredSchema,
} from '@rota/api';
import { consoleOpenApi } from '../console/console-openapi.js';
import { PUSH_BODY_LIMIT, PUSH_BYTES_IN_FLIGHT } from './report-routes.js';
import { REFRESH_BURST, REFRESHES_PER_SECOND } from './refresh-budget.js';

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
  text: { description: 'The SMS text, at most 1,600 characters counted after composition to Unicode NFC, and at most 10 segments. Its encoding (GSM-7, GSM-7 Turkish shift, UCS-2) and segment count are reported in the result.', example: 'Siparişiniz kargoya verildi.' },
  iysType: { description: 'IYS message type: NOTIFICATION (informational: OTP, order, invoice) or CAMPAIGN (commercial, needs IYS consent).' },
  recipientType: { description: 'IYS recipient type, meaningful for CAMPAIGN: BIREYSEL (individual, default) or TACIR (merchant).' },
  sender: { description: "Sender ID (başlık), 3–11 characters without Turkish letters; must be on the chosen account's sender list. Default: the account's first sender." },
  idempotencyKey: { description: 'Per API client, kept durably (gateway restarts included) for retention.idempotencyHours (48 h) from the creation of its message, or from its later sendAt once that came: the same key with the same message answers the first record and sends nothing; with a different message it is 409 idempotency-conflict.' },
  reference: { description: 'Your own reference for the message (order id, say), kept on the record and given back with it.' },
  sendAt: { description: 'Scheduled send time (ISO 8601 with offset), at most gateway.maxScheduleDays (default 365) ahead.' },
  validUntil: { description: 'Give up delivery after this time (ISO 8601 with offset); must be later than sendAt.' },
  otp: { description: 'A one-time password: dispatched first, sent through an OTP channel where the provider has one, and its text is never stored (only its length, segments and a keyed hash).' },
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

/** A request body's message fields described (a message's, and a bulk's template's). */
function withFieldDocs(json: JsonSchema): JsonSchema {
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
const STORE_UNAVAILABLE = "`store-unavailable`: the message store cannot be reached or did not answer in time. Nothing was accepted; retry later with the same idempotency key.";
/** A send the caller waited for whose outcome the store could not take. */
const RESULT_NOT_RECORDED = '`result-not-recorded` (`ids`): the messages went to a provider but their outcome could not be recorded. Do not send them again; read them later (`unknown` where a provider may have them).';
/** What any /v1 request can get wrong, whatever its route (query-parameters.ts, the header and URL checks). */
const REQUEST_MISTAKES = '`invalid-request`: a query parameter the route does not take (`issues` name it), a header given twice, or a bad percent-encoding. Nothing was sent or changed.';
/** The 400 of an operation that takes no body (bodiless-routes.ts). */
const NO_BODY = '`invalid-request`: a body with fields (`issues` name them): this operation takes none (send no body, or `{}`). Nothing was done.';
const BODY_ERRORS = {
  '400': error('Invalid body (`invalid-request` with `issues`, each naming a field) or malformed JSON (`invalid-json`). Nothing was sent or changed.'),
  '413': error('The body is larger than gateway.bodyLimitBytes.'),
  '415': error('Content-Type is not application/json.'),
};

export function buildOpenApiDocument(info: { version: string } = { version: '0.1.0' }): Record<string, unknown> {
  const schemas: Record<string, JsonSchema> = {
    MessageRequest: withFieldDocs(schemaOf(MessageRequestSchema, 'input')),
    BatchRequest: schemaOf(BatchRequestSchema, 'input'),
    ProviderPatch: schemaOf(ProviderPatchSchema, 'input'),
    BreakerRequest: schemaOf(BreakerRequestSchema, 'input'),
    ResendRequest: schemaOf(ResendRequestSchema, 'input'),
    BulkRequest: withFieldDocs(schemaOf(BulkRequestSchema, 'input')),
    Message: schemaOf(MessageViewSchema, 'output'),
    MessageList: schemaOf(MessageListSchema, 'output'),
    BatchResponse: schemaOf(BatchResponseSchema, 'output'),
    BulkAccepted: schemaOf(BulkAcceptedSchema, 'output'),
    BulkProgress: schemaOf(BulkProgressSchema, 'output'),
    BulkCancel: schemaOf(BulkCancelSchema, 'output'),
    BulkRepeatEnded: schemaOf(BulkRepeatEndedSchema, 'output'),
    ProviderStatus: schemaOf(ProviderStatusSchema, 'output'),
    Providers: schemaOf(ProvidersResponseSchema, 'output'),
    Readiness: schemaOf(ReadinessResponseSchema, 'output'),
    PublicReadiness: schemaOf(PublicReadinessResponseSchema, 'output'),
    Liveness: schemaOf(LivenessResponseSchema, 'output'),
    EnableEndpointRequest: schemaOf(EnableEndpointRequestSchema, 'input'),
    WebhookRedelivered: schemaOf(WebhookRedeliveredSchema, 'output'),
    DisabledEndpoints: schemaOf(DisabledEndpointsSchema, 'output'),
    EndpointEnabled: schemaOf(EndpointEnabledSchema, 'output'),
    ReportsReceived: schemaOf(ReportsReceivedSchema, 'output'),
    Error: schemaOf(ErrorResponseSchema, 'output'),
  };
  const operationsConsole = consoleOpenApi(schemaOf);
  Object.assign(schemas, operationsConsole.schemas);
  // The batch's message items are the single-message schema; point at it rather than repeat it.
  (schemas.BatchRequest!.properties as Record<string, JsonSchema>).messages!.items = ref('MessageRequest');

  const sendKey = [{ apiKey: [] }];
  const adminToken = [{ adminToken: [] }];
  const idParam = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
  const query = (name: string, description: string) => ({ name, in: 'query', required: false, description, schema: { type: 'string' } });
  const PREFER = {
    name: 'Prefer',
    in: 'header',
    required: false,
    description: 'RFC 7240. `respond-async`: answer 202 as soon as the record is durable, and send it in the background (the answer then carries `Preference-Applied: respond-async`).',
    schema: { type: 'string', examples: ['respond-async'] },
  };
  const IDEMPOTENCY_KEY = {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description: 'The idempotencyKey, given as a header instead of in the body (the same key in both is fine; two different keys are 400).',
    schema: { type: 'string', minLength: 1, maxLength: 200 },
  };

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
        metricsToken: { type: 'http', scheme: 'bearer', description: 'gateway.metricsToken, when set: reads /metrics and nothing else.' },
      },
      schemas,
    },
    paths: withRequestErrors({
      '/v1/messages': {
        post: {
          summary: 'Send one message',
          description:
            'Records the message (durably, before any provider is asked), then either sends it and answers with the outcome, or — with `Prefer: respond-async` — ' +
            'answers 202 `status: queued` as soon as the record is durable and leaves it to the dispatcher (OTP first, then NOTIFICATION, then CAMPAIGN). ' +
            'A future sendAt is always queued. The answer is the message record: 202 queued, dispatching, accepted or unknown (the provider may have it: never resend it elsewhere), ' +
            '422 rejected (final; no other provider was asked), 503 failed (nothing was sent).',
          security: sendKey,
          parameters: [PREFER, IDEMPOTENCY_KEY],
          requestBody: body('MessageRequest'),
          responses: {
            '200': json(ref('Message'), 'A repeat under the key of a message since canceled: its record (`status: canceled`). Nothing is sent.'),
            '202': json(ref('Message'), 'Taken: queued, on its way, accepted by a provider, or unknown. With `Prefer: respond-async`, every answer carrying a record, a repeat\'s whatever its `status`.'),
            '409': error('`idempotency-conflict`: the key stands for a different message or bulk of yours (`existingId`). Nothing was sent.'),
            '410': error("`message-erased`: the key was a message of yours erased since at its recipient's request (KVKK). Nothing was recorded or sent, and a retry under the key never sends it again."),
            '422': json(ref('Message'), 'Rejected: the message itself was refused (by a provider, or by every provider for one of its fields). Final.'),
            '503': json({ oneOf: [ref('Message'), ref('Error')] }, `Failed: no provider could take it (a Message; nothing was sent, safe to retry later). Or ${STORE_UNAVAILABLE} Or ${RESULT_NOT_RECORDED}`),
            ...BODY_ERRORS,
            ...AUTH_ERRORS,
          },
        },
        get: {
          summary: 'List your messages',
          description: 'Newest first, a page at a time. An API key lists its own messages; the admin token lists everyone\'s (or one client\'s with `owner`).',
          security: [...sendKey, ...adminToken],
          parameters: [
            query('state', 'queued, dispatching, accepted, rejected, failed, unknown or canceled.'),
            query('bulkId', 'Only the recipients of this bulk.'),
            query('to', 'Only this number (any common form).'),
            query('createdFrom', 'Created at or after: an ISO 8601 date and time with its offset (2030-01-01T10:00:00+03:00), or a date (from midnight UTC).'),
            query('createdUntil', 'Created before: an ISO 8601 date and time with its offset, or a date (midnight UTC).'),
            query('limit', 'Page size, 1–500 (default 50).'),
            query('cursor', 'The `nextCursor` of the previous page.'),
            query('owner', 'Admin token: one client\'s messages. An API key may give only its own name (another is refused with 403).'),
          ],
          responses: {
            '200': json(ref('MessageList'), 'A page of records.'),
            '400': error('A filter is invalid (`issues` name it).'),
            ...AUTH_ERRORS,
            '403': error("`forbidden`: `owner` names another client with an API key (`issues` name `owner`): only the admin token may read another client's messages."),
          },
        },
      },
      '/v1/messages/batch': {
        post: {
          summary: 'Send many messages',
          description:
            'Up to gateway.maxBatchSize messages, recorded in one transaction. If any message is invalid the whole batch is refused with 400 before anything is recorded or sent; ' +
            'each issue path names the message index (messages.3.to). An idempotency key that stands for a different message or bulk of yours refuses the whole batch with 409 ' +
            '(issues name messages.N.idempotencyKey) and nothing is recorded or sent; a key that stands for the same message answers its first record. ' +
            'Otherwise one record per message, in order. ' +
            'With `Prefer: respond-async`, 202 once every record is durable.',
          security: sendKey,
          parameters: [PREFER],
          requestBody: body('BatchRequest'),
          responses: {
            '200': json(ref('BatchResponse'), 'One entry per message, in request order.'),
            '202': json(ref('BatchResponse'), 'Queued (respond-async): one entry per message, in request order.'),
            '409': error("`idempotency-conflict`: keys of the batch stand for different messages or bulks of yours, or for messages erased at their recipient's request (`issues` name each, with the id it stands for where it stands for one). Nothing of the batch was recorded or sent."),
            '503': error(`${STORE_UNAVAILABLE} Or ${RESULT_NOT_RECORDED}`),
            ...BODY_ERRORS,
            ...AUTH_ERRORS,
          },
        },
      },
      '/v1/messages/{id}': {
        get: {
          summary: 'Read a message',
          description:
            'The record as the ledger keeps it, with its timeline: no provider is asked, unless `refresh=true`. Another client\'s message answers 404, as an id that never existed does; the admin token reads all.',
          security: [...sendKey, ...adminToken],
          parameters: [
            idParam('id', 'The `id` of a message.'),
            query('refresh', '`true`: ask the provider for the status now and write what it says before answering (an accepted message not yet final, or an unknown one under an id its provider knows, which a report makes accepted; any other is answered as it is). `false` (the default): the record alone.'),
          ],
          responses: {
            '200': json(ref('Message'), 'The record.'),
            '400': error('`invalid-request`: `refresh` is neither true nor false.'),
            '404': error('No such message (or not yours).'),
            '429': error(
              `\`rate-limited\` (refresh): this client asked for more than ${REFRESHES_PER_SECOND} refreshes a second (bursts of ${REFRESH_BURST}); \`Retry-After\` says when to ask again. Reads without refresh are not limited.`,
            ),
            '409': error(
              "`provider-not-configured` (refresh): the message's provider, or its account, is not in the configuration in force (a reload or restart removed it), so no status can be read; retrying will not help. The record is unchanged: read it without `refresh`.",
            ),
            '501': error("`status-unsupported` (refresh): the message's provider cannot read statuses."),
            '502': error("`provider-bad-answer` (refresh): the provider's answer could not be read; or `provider-refused`: it refused the status request. The record is unchanged."),
            '503': error('`provider-unavailable` (refresh): the provider or account cannot answer now. The record is unchanged.'),
            '504': error('`provider-timeout` (refresh): no answer within routing.attemptTimeoutMs. The record is unchanged.'),
            ...AUTH_ERRORS,
          },
        },
      },
      '/v1/messages/{id}/resend': {
        post: {
          summary: 'Send an unknown message again (admin)',
          description:
            'Only a message whose outcome is unknown: a new record, linked by `resendOf`, queued. The provider that may have the first one may deliver both. ' +
            'Once: a second call answers 200 with the copy the first made (its idempotency key is `resend:{id}`, kept as long as idempotency keys are).',
          security: adminToken,
          parameters: [idParam('id', 'The `id` of an unknown message.')],
          requestBody: { required: false, content: { 'application/json': { schema: ref('ResendRequest') } } },
          responses: {
            '200': json(ref('Message'), 'The message was resent already: the copy that resend made, as it is now.'),
            '202': json(ref('Message'), 'The new, queued record.'),
            '400': error('`invalid-request`: the body is not `{ force?: boolean }`. Nothing was sent.'),
            '404': error('No such message.'),
            '409': error(
              "`not-resendable`: the message is not unknown, or it is an OTP (its text was never kept). `status-pending`: its provider knows it by an id Rota named (Infobip), and its status is still read — a report would show the provider has it; the message says until when. `{ \"force\": true }` sends it again anyway.",
            ),
            ...AUTH_ERRORS,
          },
        },
      },
      '/v1/messages/{id}/cancel': {
        post: {
          summary: 'Cancel a message not on its way yet',
          description:
            'Takes back a message not sent yet (queued: scheduled for later with sendAt, or waiting its turn; or claimed by a dispatcher that has made no request for it yet, waiting for its account\'s rate limit): its status becomes `canceled`, final, and it is never sent; ' +
            'a `message.canceled` webhook follows where it has a callback URL. One in a request to its provider under way, or finished: 409. ' +
            "A client cancels its own messages (another client's answers 404); the admin token any. A second call answers the canceled message again.",
          security: [...sendKey, ...adminToken],
          parameters: [idParam('id', 'The `id` of a message not on its way yet.')],
          responses: {
            '200': json(ref('Message'), 'The message, canceled.'),
            '400': error(NO_BODY),
            '404': error('No such message (or not yours).'),
            '409': error('`not-cancelable`: the message is on its way or finished (the message names its status).'),
            ...AUTH_ERRORS,
          },
        },
      },
      '/v1/bulk': {
        post: {
          summary: 'Hand over a campaign: one text, many numbers',
          description:
            'Up to gateway.maxBulkRecipients numbers. Every recipient\'s record is durable before the answer; the dispatcher sends them in provider-sized requests (FigenSoft: 800). ' +
            'One bad number or field refuses the whole bulk (400, issues name recipients.N). `idempotencyKey` stands for the whole bulk.',
          security: sendKey,
          parameters: [IDEMPOTENCY_KEY],
          requestBody: body('BulkRequest'),
          responses: {
            '200': json(ref('BulkRepeatEnded'), 'A repeat under the key of a bulk that has ended (nothing queued or on its way; sent, or canceled): its counts. Nothing is sent.'),
            '202': json(ref('BulkAccepted'), 'Recorded and queued (a repeat under its key answers the same while the bulk is still going).'),
            '409': error('`idempotency-conflict`: the key stands for a different bulk or message of yours (`existingId`). Nothing was recorded. `bulk-recording`: the same bulk under this key is still being recorded by another gateway on the same ledger file (`bulkId`, `Retry-After`); retry for its answer.'),
            '410': error("`message-erased`: the key was a message of yours erased since at its recipient's request (KVKK). Nothing was recorded or sent."),
            '503': error(STORE_UNAVAILABLE),
            ...BODY_ERRORS,
            ...AUTH_ERRORS,
          },
        },
      },
      '/v1/bulk/{id}': {
        get: {
          summary: 'A bulk\'s progress',
          description: 'Its recipients counted by state. Another client\'s bulk answers 404; the admin token reads all.',
          security: [...sendKey, ...adminToken],
          parameters: [idParam('id', 'The `bulkId` POST /v1/bulk answered.')],
          responses: { '200': json(ref('BulkProgress'), 'Counts by state.'), '404': error('No such bulk (or not yours).'), ...AUTH_ERRORS },
        },
      },
      '/v1/bulk/{id}/cancel': {
        post: {
          summary: "Cancel what of a bulk has not gone out yet",
          description:
            'Every record of the bulk not on its way yet — queued, or claimed with no request to its provider yet — becomes `canceled` (final, never sent; a `message.canceled` webhook each where the bulk has a callback URL, and `bulk.completed` once none is left unfinished). ' +
            "Records in a request under way are sent. Another client's bulk answers 404; the admin token cancels any. Calling it again cancels what is left.",
          security: [...sendKey, ...adminToken],
          parameters: [idParam('id', 'The `bulkId` POST /v1/bulk answered.')],
          responses: { '200': json(ref('BulkCancel'), 'How many this call canceled, and the counts by state after.'), '400': error(NO_BODY), '404': error('No such bulk (or not yours).'), ...AUTH_ERRORS },
        },
      },
      '/v1/numbers/{number}/messages': {
        delete: {
          summary: 'Erase every record of a number (admin, KVKK)',
          security: adminToken,
          parameters: [idParam('number', 'The phone number, in any common form.')],
          responses: { '200': json({ type: 'object', properties: { erased: { type: 'integer' } } }, 'How many records were erased.'), '400': error(`Not a phone number. Or ${NO_BODY}`), ...AUTH_ERRORS },
        },
      },
      '/v1/providers': {
        get: {
          summary: 'Provider status',
          description: 'Rank, enabled flag and breaker state per account; with the admin token also the attempt counts, mean latency and calls in flight (every client\'s traffic together, which a send key is not given).',
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
      '/v1/providers/{id}/overrides': {
        delete: {
          summary: "Back to the configuration's settings (admin)",
          description: "The provider's rank and switch return to the configuration's values and every breaker to its failure counts. On a PostgreSQL store this drops the stored settings, for every gateway and worker.",
          security: adminToken,
          parameters: [idParam('id', 'Provider id, e.g. figensoft.')],
          responses: { '200': json(ref('ProviderStatus'), 'The provider after the reset.'), '400': error(NO_BODY), '404': error('No such provider.'), '503': error('The store cannot be reached (PostgreSQL): nothing changed.'), ...AUTH_ERRORS },
        },
      },
      '/v1/providers/{id}/reports': {
        post: {
          summary: 'A provider pushes delivery reports',
          description:
            'For providers that push reports instead of being polled; they feed the same timeline as polled reports. ' +
            'No API key: the provider proves the push is its own as it specifies — `?token=<pushToken>` in the URL (Message Center, Infobip, FigenSoft\'s sandbox), ' +
            'or `X-Twilio-Signature` over the URL and the posted fields (Twilio). A push to no provider, or to one that takes none, is answered before its body is read. ' +
            'The body reaches the provider as raw bytes, whatever its Content-Type, ' +
            `up to ${PUSH_BODY_LIMIT / (1024 * 1024)} MiB (gateway.bodyLimitBytes does not apply here).`,
          security: [],
          parameters: [idParam('id', 'Provider id, e.g. infobip.')],
          requestBody: { required: false, content: { '*/*': { schema: { description: "The provider's own push format, read by its package." } } } },
          responses: {
            '200': json(ref('ReportsReceived'), 'The push was proven and read; the reports naming our messages are in their timelines, those naming none yet held to be matched again.'),
            '400': error("`invalid-request`: the provider's package could not read the body (not its format). Nothing was written."),
            '401': error('`unauthorized`: the proof is missing or wrong, or this provider takes no pushed reports. Nothing was written.'),
            '404': error('`not-found`: no such provider.'),
            '413': error(`\`payload-too-large\`: the body is over ${PUSH_BODY_LIMIT / (1024 * 1024)} MiB.`),
            '503': error(
              `\`store-unavailable\`: the message store cannot be reached; or \`overloaded\` (with Retry-After): more than ${PUSH_BYTES_IN_FLIGHT / (1024 * 1024)} MiB of pushes (by their Content-Length; one without it counts ${PUSH_BODY_LIMIT / (1024 * 1024)} MiB) are being read at once. Nothing was written (the provider should push again). Or \`reports-held-full\` (Retry-After: 60): the push names messages Rota has no record of yet, and the provider's held reports (10,000) have no room for them; the reports that matched were written, and the provider should push again.`,
            ),
          },
        },
      },
      '/v1/webhooks/events/{id}/redeliver': {
        post: {
          summary: 'Send a webhook event again',
          description:
            'Due now, whatever became of it, with the same id and body, its tries and 24 h of retries counted afresh. An API key redelivers its own events; the admin token any.',
          security: [...sendKey, ...adminToken],
          parameters: [idParam('id', 'The event id (the `Rota-Event-Id` header of a delivery).')],
          responses: {
            '202': json(ref('WebhookRedelivered'), 'The event is due again.'),
            '400': error(NO_BODY),
            '404': error('No such event (or not yours).'),
            '409': error(
              '`endpoint-disabled`: its receiver answered 410 and is switched off (the event is held behind the switch, or was sent before it); turning the receiver back on sends the held events, and an event sent before may be redelivered then. `in-flight`: the event is on its way now; redeliver it once that delivery has ended.',
            ),
            ...AUTH_ERRORS,
          },
        },
      },
      '/v1/webhooks/endpoints': {
        get: {
          summary: 'Receivers switched off (admin)',
          description: 'A receiver that answered 410 gets nothing more until it is turned back on; its events are held.',
          security: adminToken,
          responses: { '200': json(ref('DisabledEndpoints'), 'The switched-off receivers, with the events held for each.'), ...AUTH_ERRORS },
        },
      },
      '/v1/webhooks/endpoints/enable': {
        post: {
          summary: 'Turn a receiver back on (admin)',
          description: 'Its held events are due at once.',
          security: adminToken,
          requestBody: body('EnableEndpointRequest'),
          responses: {
            '200': json(ref('EndpointEnabled'), 'How many held events were released.'),
            '404': error('`not-disabled`: the URL is not a switched-off receiver (a typo, or already on); nothing was changed.'),
            ...BODY_ERRORS,
            ...AUTH_ERRORS,
          },
        },
      },
      '/healthz': {
        get: { summary: 'Liveness', security: [], responses: { '200': json(ref('Liveness'), 'The process serves HTTP.') } },
      },
      '/readyz': {
        get: {
          summary: 'Readiness',
          description: 'Asks the message store and every enabled provider (answers are reused for a few seconds). 200 when the store answers and at least one enabled provider, or one of its accounts, is healthy. Unauthenticated, so it says nothing more; /v1/readiness has the detail.',
          security: [],
          responses: { '200': json(ref('PublicReadiness'), 'Ready.'), '503': json(ref('PublicReadiness'), 'The store cannot be reached, or no enabled provider has a healthy account.') },
        },
      },
      '/v1/readiness': {
        get: {
          summary: 'Readiness with every provider\'s and account\'s detail (admin)',
          security: adminToken,
          responses: { '200': json(ref('Readiness'), 'Ready.'), '503': json(ref('Readiness'), 'The store cannot be reached, or no enabled provider has a healthy account.'), ...AUTH_ERRORS },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          description: 'Open unless `gateway.metricsToken` is set; then the metrics token (or the admin token) is required.',
          // No token, or a bearer token: OpenAPI's way of saying the credential is optional.
          security: [{}, { metricsToken: [] }, { adminToken: [] }],
          responses: { '200': { description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } }, ...AUTH_ERRORS },
        },
      },
      '/openapi.json': {
        get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1 document.', content: { 'application/json': {} } } } },
      },
      ...operationsConsole.paths,
    }),
  };
}

/** Adds REQUEST_MISTAKES to each /v1 operation's 400: the operation's own reasons, if any, and these. */
function withRequestErrors<Paths extends Record<string, Record<string, { responses: Record<string, { description: string }> }>>>(paths: Paths): Paths {
  for (const [path, operations] of Object.entries(paths)) {
    if (!path.startsWith('/v1/')) continue;
    for (const operation of Object.values(operations)) {
      const own = operation.responses['400'];
      operation.responses['400'] = own ? { ...own, description: `${own.description} Or ${REQUEST_MISTAKES}` } : error(REQUEST_MISTAKES);
    }
  }
  return paths;
}
