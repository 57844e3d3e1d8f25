import type { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { sanitizeText } from '../logging/redaction.js';
import { guard, type GatewayContext } from './gateway-context.js';
import type { ReadinessResponseSchema } from '@rota/api';

export interface ReadinessOptions {
  /** Longest wait for one provider's health(); a provider slower than this counts as unhealthy. */
  timeoutMs: number;
  /** How long one readiness answer is reused, so frequent probes do not hammer the providers' balance APIs. */
  cacheMs: number;
}

type Readiness = z.output<typeof ReadinessResponseSchema>;
type ProviderReadiness = Readiness['providers'][number];
type StoreReadiness = Readiness['store'];

/**
 * `/healthz` says the process serves HTTP (liveness: no provider is asked).
 * `/readyz` says whether the message store answers and at least one enabled
 * provider reports itself, or one of its accounts, healthy, and nothing else: it is unauthenticated. `/v1/readiness` (admin token) gives
 * every provider's and account's detail — free text from providers, sanitised
 * before it leaves.
 */
export function registerHealthRoutes(app: FastifyInstance, context: GatewayContext, options: ReadinessOptions): void {
  let cached: { at: number; body: Readiness } | undefined;
  let pending: Promise<Readiness> | undefined;

  // Every check runs through the router, so a reload cannot close a provider's pool mid-check.
  const check = async (): Promise<Readiness> => {
    const { router } = context.runtime;
    const clean = (text: string) => sanitizeText(text, context.secrets());
    const store = checkStore();
    const providers = await Promise.all(
      router.status().map(async (status): Promise<ProviderReadiness> => {
        const base = { providerId: status.providerId, enabled: status.enabled };
        if (!status.enabled) return { ...base, healthy: null, detail: 'disabled', accounts: [] };
        try {
          const health = await router.health(status.providerId, { signal: AbortSignal.timeout(options.timeoutMs) });
          if (!health) return { ...base, healthy: null, detail: 'no health check', accounts: [] };
          return { ...base, healthy: health.healthy, accounts: health.accounts.map((a) => ({ ...a, detail: clean(a.detail) })) };
        } catch (error) {
          return { ...base, healthy: false, detail: clean(`health check failed: ${error instanceof Error ? error.message : String(error)}`), accounts: [] };
        }
      }),
    );
    const storeReadiness = await store;
    // One account that can send is enough: every gateway shares the configuration, so one broken account (a
    // wrong CAMPAIGN password) taking them all out of the load balancer would stop the traffic the others carry.
    const sending = (p: ProviderReadiness) => p.enabled && (p.healthy === true || p.accounts.some((account) => account.healthy));
    return { ready: storeReadiness.reachable && providers.some(sending), store: storeReadiness, providers };
  };

  const checkStore = async (): Promise<StoreReadiness> => {
    const { store } = context.ledger;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs)));
    try {
      await Promise.race([store.ping(), late]);
      return { kind: store.dialect, reachable: true };
    } catch (error) {
      return { kind: store.dialect, reachable: false, detail: sanitizeText(`the database cannot be reached: ${error instanceof Error ? error.message : String(error)}`, context.secrets()) };
    } finally {
      clearTimeout(timer);
    }
  };

  const readiness = async (): Promise<Readiness> => {
    if (!cached || Date.now() - cached.at >= options.cacheMs) {
      // Concurrent probes share one round of health checks.
      pending ??= check().finally(() => (pending = undefined));
      cached = { at: Date.now(), body: await pending };
    }
    return cached.body;
  };

  app.get('/healthz', async () => ({ status: 'ok' as const }));

  // Public: ready or not, nothing more. Account names, balances and provider errors are for operators.
  app.get('/readyz', async (_request, reply) => {
    const { ready } = await readiness();
    return reply.code(ready ? 200 : 503).send({ ready });
  });

  app.get('/v1/readiness', { onRequest: guard(context, 'admin') }, async (_request, reply) => {
    const body = await readiness();
    return reply.code(body.ready ? 200 : 503).send(body);
  });
}
