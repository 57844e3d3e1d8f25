import type { FastifyInstance } from 'fastify';
import type { BulkProgress } from '@rota/ledger';
import { guard, ownerScope, sendInvalid, type GatewayContext } from './gateway-context.js';
import { headerIssues, withHeaderKey } from './idempotency-header.js';
import { keyConflict, keyErased } from './key-refusals.js';
import { parseBulkRequest } from './message-request.js';
import { webhookTarget } from './webhook-target.js';
import { scheduleIssues } from './schedule-horizon.js';
import { sendingRightsIssues, unlessTakenBefore } from './sending-rights.js';

/**
 * A campaign handed over whole: every recipient's record is durable before the
 * answer, then the dispatcher sends it in provider-sized requests. Progress is
 * read by state, and what has not gone out yet canceled, by the client that
 * sent it (or the admin).
 */
export function registerBulkRoutes(app: FastifyInstance, context: GatewayContext): void {
  const { runtime, ledger } = context;

  app.post('/v1/bulk', { onRequest: guard(context, 'send') }, async (request, reply) => {
    const keyed = withHeaderKey(request.headers, request.body);
    if (!keyed.ok) return sendInvalid(reply, keyed.issues, 'the bulk is invalid; nothing was recorded or sent');
    const parsed = parseBulkRequest(keyed.body, runtime.config().gateway.maxBulkRecipients);
    if (!parsed.ok) return sendInvalid(reply, headerIssues(parsed.issues, keyed.fromHeader), 'the bulk is invalid; nothing was recorded or sent');
    const config = runtime.config();
    const client = request.rotaClient;
    const target = webhookTarget(config, client, parsed.callbackUrl);
    const refusals = [...sendingRightsIssues(config, client, parsed.template), ...scheduleIssues(config, parsed.template, Date.now()), ...(target.ok ? [] : [target.issue])];
    const refused = await unlessTakenBefore(refusals, parsed.idempotencyKey, async (key) => (await ledger.store.bulkIdByKey(client, key)) !== undefined);
    if (refused.length > 0) return sendInvalid(reply, refused, 'the bulk is invalid; nothing was recorded or sent');
    const outcome = await ledger.submitBulk({
      template: parsed.template,
      recipients: parsed.recipients,
      owner: request.rotaClient,
      ...(parsed.reference === undefined ? {} : { reference: parsed.reference }),
      ...(parsed.idempotencyKey === undefined ? {} : { idempotencyKey: parsed.idempotencyKey }),
      ...(target.ok && target.url !== undefined ? { callbackUrl: target.url } : {}),
    });
    if (outcome.kind === 'conflict') return keyConflict(reply, outcome.existingId, 'bulk');
    if (outcome.kind === 'erased') return keyErased(reply);
    if (outcome.kind === 'recording') {
      // Another gateway on the same file is still recording it (or died doing so, and deletes it when it starts again).
      return reply.code(409).header('retry-after', '5').send({
        error: 'bulk-recording',
        message: 'the same bulk under this idempotencyKey is still being recorded; retry later for its answer',
        bulkId: outcome.bulkId,
      });
    }
    if (outcome.kind === 'existing') {
      // A retry after a lost answer, of a bulk that has ended since (sent, or canceled): "queued" would promise
      // what will never be sent. One still going answers as it did.
      const progress = await ledger.store.bulkProgress(outcome.bulkId, ownerScope(request));
      if (progress && !(progress.byState.queued ?? 0) && !(progress.byState.dispatching ?? 0)) return reply.code(200).send({ ...progressView(progress), status: 'completed' });
    }
    return reply.code(202).send({ bulkId: outcome.bulkId, count: outcome.count, status: 'queued' });
  });

  app.get<{ Params: { id: string } }>('/v1/bulk/:id', { onRequest: guard(context, 'read') }, async (request, reply) => {
    const progress = await ledger.store.bulkProgress(request.params.id, ownerScope(request));
    if (!progress) return reply.code(404).send({ error: 'not-found', message: 'no such bulk' });
    return reply.code(200).send(progressView(progress));
  });

  // What of a campaign has not gone out yet, taken back: every record still queued is canceled, a slice at a time;
  // those a dispatcher has taken are sent. Calling it again cancels what is left (nothing, once all are taken back).
  app.post<{ Params: { id: string } }>('/v1/bulk/:id/cancel', { onRequest: guard(context, 'read'), config: { body: 'none' } }, async (request, reply) => {
    const outcome = await ledger.cancelBulk(request.params.id, ownerScope(request), request.rotaAdmin ? 'operator' : 'client');
    if (!outcome) return reply.code(404).send({ error: 'not-found', message: 'no such bulk' });
    const { progress, canceled } = outcome;
    if (canceled > 0) context.logger.info({ bulkId: progress.bulkId, canceled, by: request.rotaClient }, "a bulk's queued records were canceled");
    return reply.code(200).send({ ...progressView(progress), canceled });
  });
}

/** A bulk's counts as the API answers them. */
function progressView(progress: BulkProgress) {
  return { ...progress, createdAt: progress.createdAt.toISOString() };
}
