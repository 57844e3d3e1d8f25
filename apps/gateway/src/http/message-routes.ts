import { UnknownProviderError } from '@rota/core';
import { ERASED_REASON, keyConflict, keyErased } from './key-refusals.js';
import { LedgerInputError, WholeCallConflictError, type MessageRecord, type MessageState, type Submission, type SubmitMode, type SubmitOutcome } from '@rota/ledger';
import { ProviderError, toValidationIssues, type ValidationIssue } from '@rota/provider';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RefreshBudget, REFRESHES_PER_SECOND } from './refresh-budget.js';
import { guard, ownerScope, sendInvalid, type GatewayContext } from './gateway-context.js';
import { BatchEnvelopeSchema } from '@rota/api';
import { keyWritten, parseMessageRequest, type ParsedMessage } from './message-request.js';
import { headerIssues, refuseHeaderKey, withHeaderKey } from './idempotency-header.js';
import { webhookTarget } from './webhook-target.js';
import { scheduleIssues } from './schedule-horizon.js';
import { sendingRightsIssues, unlessTakenBefore } from './sending-rights.js';
import { sanitizeText } from '../logging/redaction.js';
import { viewOf } from './message-view.js';
import { answerResend } from './resend-answer.js';
import { listQueryIssues, MESSAGE_LIST_PARAMETERS } from './query-parameters.js';

/**
 * How a message's state reads as HTTP. Every state but the two final refusals
 * and `canceled` is 202: the message is taken (queued, on its way, accepted by
 * a provider, or — `unknown` — possibly with one: the caller must not send it
 * elsewhere; a repeat with the same idempotencyKey is safe and answers this
 * same record).
 */
const STATUS_OF_STATE: Record<MessageState, number> = {
  queued: 202,
  dispatching: 202,
  accepted: 202,
  unknown: 202,
  rejected: 422,
  failed: 503,
  // Taken back by its client or an operator before it was sent (a repeat under its key finds it so): final, nothing sent.
  canceled: 200,
};

/**
 * How a failed status read (`?refresh=true`) reads as HTTP: the provider's
 * trouble is a gateway's (502/503/504), never the client's, and each says
 * what it was — an answer we could not read is not a timeout.
 */
function statusReadError(error: ProviderError): { status: number; error: string } {
  if (error.code === 'unsupported') return { status: 501, error: 'status-unsupported' };
  if (error.code === 'attempt-timeout') return { status: 504, error: 'provider-timeout' };
  if (error.kind === 'outcome-unknown') return { status: 502, error: 'provider-bad-answer' };
  if (error.kind === 'message-rejected') return { status: 502, error: 'provider-refused' };
  return { status: 503, error: 'provider-unavailable' };
}

/**
 * Whether a failed status read failed because the message's provider (the
 * router has no such slot) or account (the provider says `unknown-account`)
 * is not in the configuration in force: a reload or restart removed it.
 * Nobody can be asked, now or on a retry, so this is no provider's trouble
 * (5xx) but a conflict between the request and the configuration.
 */
function isNotConfigured(error: unknown): boolean {
  return error instanceof UnknownProviderError || (error instanceof ProviderError && error.code === 'unknown-account');
}

/** What a `provider-not-configured` answer says: which provider or account is gone, and that the record is still there to read. */
function notConfiguredMessage(error: unknown, record: MessageRecord | undefined): string {
  const provider = record?.providerId === undefined ? 'provider' : `provider "${record.providerId}"`;
  const what = error instanceof UnknownProviderError || record?.accountId === undefined ? provider : `account "${record.accountId}" of ${provider}`;
  return `the message's ${what} is not in the configuration in force (a reload or restart removed it), so its status cannot be read; without refresh=true the record answers as stored`;
}

/** RFC 7240: `Prefer: respond-async` (among other preferences) asks for a 202 as soon as the record is durable. */
export function submitModeOf(request: FastifyRequest): SubmitMode {
  const prefer = request.headers.prefer;
  const values = Array.isArray(prefer) ? prefer : prefer === undefined ? [] : [prefer];
  const async = values.some((value) => value.split(',').some((preference) => preference.split(';')[0]!.split('=')[0]!.trim().toLowerCase() === 'respond-async'));
  return async ? 'queue' : 'wait';
}

export function registerMessageRoutes(app: FastifyInstance, context: GatewayContext): void {
  const { runtime, ledger } = context;

  /**
   * A parsed message as the ledger takes it, and what its client may not send now: its sending
   * rights, its allowed webhook URLs and the schedule horizon, which refuse a new message but not a
   * repeat (unlessTakenBefore).
   */
  const submissionOf = (parsed: Extract<ParsedMessage, { ok: true }>, client: string): { submission: Submission; refusals: ValidationIssue[] } => {
    const config = runtime.config();
    const target = webhookTarget(config, client, parsed.callbackUrl);
    const refusals = [...sendingRightsIssues(config, client, parsed.message), ...scheduleIssues(config, parsed.message, Date.now())];
    if (!target.ok) refusals.push(target.issue);
    const callbackUrl = target.ok ? target.url : undefined;
    return {
      submission: {
        message: parsed.message,
        owner: client,
        ...(parsed.reference === undefined ? {} : { reference: parsed.reference }),
        ...(callbackUrl === undefined ? {} : { callbackUrl }),
      },
      refusals,
    };
  };
  const keyTaken = (client: string) => async (key: string) => (await ledger.store.keysTaken(client, [key])).has(key);

  app.post('/v1/messages', { onRequest: guard(context, 'send') }, async (request, reply) => {
    const keyed = withHeaderKey(request.headers, request.body);
    if (!keyed.ok) return sendInvalid(reply, keyed.issues);
    const parsed = parseMessageRequest(keyed.body);
    if (!parsed.ok) return sendInvalid(reply, headerIssues(parsed.issues, keyed.fromHeader));
    const client = request.rotaClient;
    const { submission, refusals } = submissionOf(parsed, client);
    const refused = await unlessTakenBefore(refusals, parsed.message.idempotencyKey, keyTaken(client));
    if (refused.length > 0) return sendInvalid(reply, refused);
    const mode = submitModeOf(request);
    const [outcome] = (await ledger.submit([submission], mode)) as [SubmitOutcome];
    if (mode === 'queue') reply.header('preference-applied', 'respond-async');
    if (outcome.kind === 'conflict') return keyConflict(reply, outcome.existingId, 'message');
    if (outcome.kind === 'erased') return keyErased(reply);
    return reply.code(mode === 'queue' ? 202 : STATUS_OF_STATE[outcome.record.state]).send(viewOf(outcome.record));
  });

  app.post('/v1/messages/batch', { onRequest: guard(context, 'send') }, async (request, reply) => {
    const headerKey = refuseHeaderKey(request.headers);
    if (headerKey.length > 0) return sendInvalid(reply, headerKey);
    const envelope = BatchEnvelopeSchema.safeParse(request.body);
    if (!envelope.success) return sendInvalid(reply, toValidationIssues(envelope.error));
    const { messages } = envelope.data;
    const { maxBatchSize } = runtime.config().gateway;
    if (messages.length > maxBatchSize) {
      return sendInvalid(reply, [{ path: 'messages', reason: `must hold at most ${maxBatchSize} messages (got ${messages.length})` }]);
    }
    // Every message is checked before any is recorded or sent: one bad message refuses the whole batch.
    const issues: ValidationIssue[] = [];
    // A key stands for one message: two messages of one batch under one key would be sent in part (one, the other a conflict).
    const keyedAt = new Map<string, number>();
    // Looked at as written, so that a repeat is named beside the message's other problems.
    const keyRepeat = (body: unknown, index: number): ValidationIssue[] => {
      const key = keyWritten(body);
      const first = key === undefined ? undefined : keyedAt.get(key);
      if (first !== undefined) return [{ path: 'idempotencyKey', reason: `repeats the key of messages.${first}: each message of a batch needs its own key` }];
      if (key !== undefined) keyedAt.set(key, index);
      return [];
    };
    const client = request.rotaClient;
    const check = (body: unknown, index: number): { ok: true; submission: Submission; refusals: ValidationIssue[] } | { ok: false; issues: ValidationIssue[] } => {
      const repeat = keyRepeat(body, index);
      const parsed = parseMessageRequest(body);
      if (!parsed.ok) return { ok: false, issues: [...parsed.issues, ...repeat] };
      const made = submissionOf(parsed, client);
      return repeat.length > 0 ? { ok: false, issues: [...made.refusals, ...repeat] } : { ok: true, ...made };
    };
    const checked = messages.map(check);
    // A repeat of a message taken before under its key is answered as such, whatever the client may send now: one look-up for all.
    const keysOfRefused = checked.flatMap((result) => (result.ok && result.refusals.length > 0 && result.submission.message.idempotencyKey !== undefined ? [result.submission.message.idempotencyKey] : []));
    const taken = keysOfRefused.length > 0 ? await ledger.store.keysTaken(client, keysOfRefused) : new Set<string>();
    const within = (index: number) => (issue: ValidationIssue) => ({ ...issue, path: issue.path === '(root)' ? `messages.${index}` : `messages.${index}.${issue.path}` });
    const submissions = checked.map((result, index) => {
      // A message that is not an object is `messages.3` itself, not `messages.3.(root)`.
      const key = result.ok ? result.submission.message.idempotencyKey : undefined;
      const refused = !result.ok ? result.issues : key !== undefined && taken.has(key) ? [] : result.refusals;
      issues.push(...refused.map(within(index)));
      return result.ok && refused.length === 0 ? result.submission : undefined;
    });
    // sendInvalid lists the first issues and counts the rest.
    if (issues.length > 0) return sendInvalid(reply, issues, 'the batch is invalid; nothing was sent');
    const mode = submitModeOf(request);
    let outcomes: SubmitOutcome[];
    try {
      // Whole or none: a key that stands for another message must not leave the rest of the batch sent.
      outcomes = await ledger.submit(
        submissions.map((s) => s!),
        mode,
        { whole: true },
      );
    } catch (error) {
      if (!(error instanceof WholeCallConflictError)) throw error;
      return reply.code(409).send({
        error: 'idempotency-conflict',
        message: 'idempotency keys of this batch stand for different or erased messages; nothing of the batch was recorded or sent (use new keys for new messages)',
        issues: [
          ...error.conflicts.map(({ index, existingId }) => ({ index, reason: `stands for a different message or bulk (${existingId})` })),
          ...error.erased.map((index) => ({ index, reason: ERASED_REASON })),
        ]
          .sort((a, b) => a.index - b.index)
          .map(({ index, reason }) => ({ path: `messages.${index}.idempotencyKey`, reason })),
      });
    }
    if (mode === 'queue') reply.header('preference-applied', 'respond-async');
    const summary: Record<string, number> = {};
    const results = outcomes.map((outcome) => {
      if (outcome.kind === 'conflict' || outcome.kind === 'erased') throw new Error(`a batch recorded whole came back with an entry ${outcome.kind}`);
      summary[outcome.record.state] = (summary[outcome.record.state] ?? 0) + 1;
      return viewOf(outcome.record);
    });
    return reply.code(mode === 'queue' ? 202 : 200).send({ results, summary });
  });

  const refreshes = new RefreshBudget();

  // A record is its owner's: another client's id answers 404, as an id that never existed does.
  // The record alone by default; `?refresh=true` asks the provider for the status now.
  app.get<{ Params: { id: string }; Querystring: { refresh?: string } }>('/v1/messages/:id', { onRequest: guard(context, 'read'), config: { query: ['refresh'] } }, async (request, reply) => {
    const scope = ownerScope(request);
    const { refresh } = request.query;
    if (refresh !== undefined && refresh !== 'true' && refresh !== 'false') return sendInvalid(reply, [{ path: 'refresh', reason: 'must be true or false' }], 'the query is invalid');
    const waitMs = refresh === 'true' ? refreshes.take(request.rotaClient) : 0;
    if (waitMs > 0) {
      return reply
        .code(429)
        .header('retry-after', String(Math.ceil(waitMs / 1_000)))
        .send({ error: 'rate-limited', message: `at most ${REFRESHES_PER_SECOND} refreshes a second per client; read the record without refresh, or ask again shortly` });
    }
    let record;
    try {
      record = refresh === 'true' ? await ledger.refresh(request.params.id, scope) : await ledger.store.get(request.params.id, scope);
    } catch (error) {
      if (isNotConfigured(error)) {
        const stored = await ledger.store.get(request.params.id, scope);
        return reply.code(409).send({ error: 'provider-not-configured', message: notConfiguredMessage(error, stored) });
      }
      if (!(error instanceof ProviderError)) throw error;
      const row = statusReadError(error);
      return reply.code(row.status).send({ error: row.error, message: sanitizeText(error.message, context.secrets()) });
    }
    if (!record) return reply.code(404).send({ error: 'not-found', message: 'no such message' });
    const timeline = (await ledger.store.timeline(record.id)) ?? [];
    return reply.code(200).send(viewOf(record, timeline));
  });

  // The caller's own messages (an admin's: everyone's), newest first, filtered; the store checks every filter and names it.
  app.get<{ Querystring: Record<string, string> }>('/v1/messages', { onRequest: guard(context, 'read'), config: { query: 'own' } }, async (request, reply) => {
    const { owner, ...filters } = request.query;
    const scope = ownerScope(request);
    if (owner === '') return sendInvalid(reply, [{ path: 'owner', reason: 'must not be empty (leave owner out to list your own, or everyone\'s with the admin token)' }], 'the query is invalid');
    // An API client lists its own; the admin lists everyone's, or one client's with ?owner=. A key naming
    // another client is refused rather than answered its own list: that page would read as the other's.
    if (scope.owner !== undefined && owner !== undefined && owner !== scope.owner) {
      const reason = `names another client: only the admin token may read another client's messages (this API key is "${scope.owner}"; leave owner out to list its own)`;
      return reply.code(403).send({ error: 'forbidden', message: `owner ${reason}`, issues: [{ path: 'owner', reason }] });
    }
    const whose = scope.owner === undefined && owner !== undefined ? { owner } : scope;
    try {
      const page = await ledger.store.list({ ...filters, ...whose });
      return reply.code(200).send({ items: page.items.map((record) => viewOf(record)), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
    } catch (error) {
      if (error instanceof LedgerInputError) return sendInvalid(reply, listQueryIssues(error.issues, MESSAGE_LIST_PARAMETERS), 'the query is invalid');
      throw error;
    }
  });

  // A queued message (one scheduled for later, most often) taken back by its client or an operator. One a dispatcher has
  // taken is on its way and cannot be: 409 with its state. A second cancel answers the canceled record again.
  app.post<{ Params: { id: string } }>('/v1/messages/:id/cancel', { onRequest: guard(context, 'read'), config: { body: 'none' } }, async (request, reply) => {
    const outcome = await ledger.cancel(request.params.id, ownerScope(request), request.rotaAdmin ? 'operator' : 'client');
    if (outcome.kind === 'not-found') return reply.code(404).send({ error: 'not-found', message: 'no such message' });
    const { record } = outcome;
    if (outcome.kind === 'not-cancelable' && record.state !== 'canceled') {
      return reply.code(409).send({ error: 'not-cancelable', message: `the message is ${record.state}: only one not on its way yet can be canceled (queued, or claimed with no request to its provider yet); this one is in a request under way, or finished` });
    }
    if (outcome.kind === 'canceled') context.logger.info({ id: record.id, owner: record.owner, by: request.rotaClient }, 'a queued message was canceled');
    return reply.code(200).send(viewOf(record));
  });

  app.post<{ Params: { id: string } }>('/v1/messages/:id/resend', { onRequest: guard(context, 'admin'), config: { body: 'optional' } }, (request, reply) =>
    answerResend(ledger, request, reply, {
      view: viewOf,
      logSent: (id, copy) => context.logger.warn({ id, resent: copy.id, by: request.rotaClient }, 'an unknown message was sent again through the admin API'),
    }),
  );
}
