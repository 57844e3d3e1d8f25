import { LedgerInputError, type MessageRecord } from '@rota/ledger';
import { BULK_LIST_PARAMETERS, listQueryIssues, MESSAGE_LIST_PARAMETERS } from '../http/query-parameters.js';
import { maskPhoneNumber, shortened } from '@rota/provider';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { guard, sendInvalid, type GatewayContext } from '../http/gateway-context.js';
import { viewOf, type MessageView } from '../http/message-view.js';
import type { ConsoleBulkSchema, ConsoleConfigSchema, ConsoleMessageSchema, ConsoleProvidersSchema, ConsoleTrafficSchema } from '@rota/api';
import { emptyCounts, type TrafficSeries } from './traffic-series.js';
import { maskWrittenNumbers } from '../logging/redaction.js';
import { maskedMessage } from './masked-message.js';
import { answerResend } from '../http/resend-answer.js';

/**
 * The operations console's data routes, under /v1/admin: the admin token only
 * (a send key gets 403, like every admin route), the same guard curl meets.
 * They give out ids, states and counts, never a provider account's username,
 * password or URL, and phone numbers masked unless the operator asks for one
 * number, which is logged.
 */

const RECENT_MINUTES = 5;
/** Delivery reports come minutes to hours after the send: the rate looks back further than the traffic counts. */
const DELIVERY_WINDOW_MINUTES = 60;
/** Who the console says is at the keyboard (`X-Rota-Operator`), for the audit log only: it grants nothing. */
const OPERATOR_HEADER = 'x-rota-operator';

export function operatorOf(request: FastifyRequest): string | undefined {
  const header = request.headers[OPERATOR_HEADER];
  if (typeof header !== 'string') return undefined;
  // Percent-encoded by the page: a header value carries no Turkish letter as it is.
  let raw: string;
  try {
    raw = decodeURIComponent(header);
  } catch {
    return undefined;
  }
  // Logged as it is: a phone number typed as a name is masked as a number a person writes (`0532 123 45 67`).
  const cleaned = maskWrittenNumbers(shortened(raw.replace(/[^\p{L}\p{N} ._@-]/gu, '').trim(), 64, ''));
  return cleaned.length > 0 ? cleaned : undefined;
}

/** A message's view with its delivery timeline, as GET /v1/messages/:id gives it. */
async function fullView(store: GatewayContext['ledger']['store'], record: MessageRecord): Promise<MessageView> {
  return viewOf(record, (await store.timeline(record.id)) ?? []);
}

function maskedView(record: MessageRecord): z.input<typeof ConsoleMessageSchema> {
  return maskedMessage(viewOf(record), record);
}

type Deliveries = { delivered: number; final: number };
const rateOf = ({ delivered, final }: Deliveries): number | null => (final > 0 ? delivered / final : null);
const sumOf = (accounts: readonly { deliveries: Deliveries }[], name: keyof Deliveries): number => accounts.reduce((sum, account) => sum + account.deliveries[name], 0);

function minutesFrom(value: unknown, fallback: number, max: number): number | undefined {
  if (value === undefined) return fallback;
  const minutes = Number(value);
  return typeof value === 'string' && /^\d{1,3}$/.test(value) && minutes >= 1 && minutes <= max ? minutes : undefined;
}

export function registerConsoleRoutes(app: FastifyInstance, context: GatewayContext, traffic: TrafficSeries): void {
  const { runtime, ledger, logger } = context;
  const admin = { onRequest: guard(context, 'admin') };

  app.get<{ Querystring: { minutes?: string } }>('/v1/admin/providers', { ...admin, config: { query: ['minutes'] } }, async (request, reply) => {
    const minutes = minutesFrom(request.query.minutes, RECENT_MINUTES, 60);
    if (minutes === undefined) return sendInvalid(reply, [{ path: 'minutes', reason: 'must be a whole number from 1 to 60' }], 'the query is invalid');
    const recent = traffic.recent(minutes * 60_000);
    // From the ledger, not this process's memory: on PostgreSQL the workers take the reports in.
    const deliveries = await ledger.store.accountDeliveries(new Date(Date.now() - DELIVERY_WINDOW_MINUTES * 60_000));
    const body: z.input<typeof ConsoleProvidersSchema> = {
      // On a shared store the queue's workers send: this process's breakers and counts are not the traffic's.
      sendsHere: ledger.store.queue === undefined,
      windowMinutes: minutes,
      deliveryWindowMinutes: DELIVERY_WINDOW_MINUTES,
      providers: runtime.router.status().map((status) => {
        const mine = recent.filter((r) => r.providerId === status.providerId);
        const total = emptyCounts();
        for (const { counts } of mine) for (const name of Object.keys(total) as (keyof typeof total)[]) total[name] += counts[name];
        const accounts = status.accounts.map((account) => {
          const reported = deliveries.find((d) => d.providerId === status.providerId && d.accountId === account.accountId);
          const counted = { delivered: reported?.delivered ?? 0, final: reported?.final ?? 0 };
          return { ...account, recent: mine.find((r) => r.accountId === account.accountId)?.counts ?? emptyCounts(), deliveries: counted, deliveryRate: rateOf(counted) };
        });
        const counted = { delivered: sumOf(accounts, 'delivered'), final: sumOf(accounts, 'final') };
        return { ...status, recent: total, deliveries: counted, deliveryRate: rateOf(counted), accounts };
      }),
    };
    return reply.code(200).send(body);
  });

  app.get<{ Querystring: { minutes?: string } }>('/v1/admin/traffic', { ...admin, config: { query: ['minutes'] } }, async (request, reply) => {
    const minutes = minutesFrom(request.query.minutes, 60, 60);
    if (minutes === undefined) return sendInvalid(reply, [{ path: 'minutes', reason: 'must be a whole number from 1 to 60' }], 'the query is invalid');
    const window = traffic.window((minutes * 60_000) / traffic.bucketMs);
    const stats = await ledger.store.stats(new Date());
    const body: z.input<typeof ConsoleTrafficSchema> = {
      ...window,
      queue: { depth: stats.queueDepth, oldestQueuedAgeMs: stats.oldestQueuedAgeMs },
      byState: stats.byState,
    };
    return reply.code(200).send(body);
  });

  // Every client's messages (or one client's with ?owner=), newest first, numbers masked.
  app.get<{ Querystring: Record<string, string> }>('/v1/admin/messages', { ...admin, config: { query: 'own' } }, async (request, reply) => {
    try {
      const page = await ledger.store.list(request.query);
      return reply.code(200).send({ items: page.items.map(maskedView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
    } catch (error) {
      if (error instanceof LedgerInputError) return sendInvalid(reply, listQueryIssues(error.issues, MESSAGE_LIST_PARAMETERS), 'the query is invalid');
      throw error;
    }
  });

  app.get<{ Params: { id: string }; Querystring: { reveal?: string } }>('/v1/admin/messages/:id', { ...admin, config: { query: ['reveal'] } }, async (request, reply) => {
    const { reveal } = request.query;
    if (reveal !== undefined && reveal !== 'true' && reveal !== 'false') return sendInvalid(reply, [{ path: 'reveal', reason: 'must be true or false' }], 'the query is invalid');
    const record = await ledger.store.get(request.params.id);
    if (!record) return reply.code(404).send({ error: 'not-found', message: 'no such message' });
    const view = await fullView(ledger.store, record);
    if (reveal !== 'true') return reply.code(200).send(maskedMessage(view, record));
    const operator = operatorOf(request);
    logger.warn(
      { id: record.id, to: maskPhoneNumber(record.to), by: request.rotaClient, ...(operator ? { operator } : {}) },
      'a phone number was revealed in the operations console',
    );
    return reply.code(200).send(view);
  });

  // The admin API's resend, answering the new record with its number masked.
  app.post<{ Params: { id: string } }>('/v1/admin/messages/:id/resend', { ...admin, config: { body: 'optional' } }, (request, reply) =>
    answerResend(ledger, request, reply, {
      view: maskedView,
      logSent: (id, copy) => {
        const operator = operatorOf(request);
        logger.warn({ id, resent: copy.id, by: request.rotaClient, ...(operator ? { operator } : {}) }, 'an unknown message was sent again through the operations console');
      },
    }),
  );

  app.get<{ Querystring: Record<string, string> }>('/v1/admin/bulks', { ...admin, config: { query: 'own' } }, async (request, reply) => {
    try {
      const page = await ledger.store.listBulks(request.query);
      const items: z.input<typeof ConsoleBulkSchema>[] = page.items.map((bulk) => ({ ...bulk, createdAt: bulk.createdAt.toISOString() }));
      return reply.code(200).send({ items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
    } catch (error) {
      if (error instanceof LedgerInputError) return sendInvalid(reply, listQueryIssues(error.issues, BULK_LIST_PARAMETERS), 'the query is invalid');
      throw error;
    }
  });

  app.get<{ Params: { id: string } }>('/v1/admin/bulks/:id', admin, async (request, reply) => {
    const progress = await ledger.store.bulkProgress(request.params.id);
    if (!progress) return reply.code(404).send({ error: 'not-found', message: 'no such bulk' });
    return reply.code(200).send({ ...progress, createdAt: progress.createdAt.toISOString() });
  });

  app.get('/v1/admin/config', admin, async (_request, reply) => {
    const state = runtime.configState?.();
    const body: z.input<typeof ConsoleConfigSchema> = {
      file: state?.file ?? null,
      appliedAt: state ? state.appliedAt.toISOString() : null,
      changed: state?.changed ?? [],
      waitingForRestart: state?.waitingForRestart ?? [],
      lastRefused: state?.lastRefused ? { ...state.lastRefused, at: state.lastRefused.at.toISOString() } : null,
      providers: runtime.router.status().map((s) => s.providerId),
    };
    return reply.code(200).send(body);
  });
}
