import type { AccountHealth, Provider, ProviderHealth } from '@rota/provider';
import type { FastifyInstance } from 'fastify';
import { sanitizeText } from '../logging/redaction.js';
import type { GatewayContext } from './gateway-context.js';

export interface ReadinessOptions {
  /** Longest wait for one provider's health(); a provider slower than this counts as unhealthy. */
  timeoutMs: number;
  /** How long one readiness answer is reused, so frequent probes do not hammer the providers' balance APIs. */
  cacheMs: number;
}

interface ProviderReadiness {
  providerId: string;
  enabled: boolean;
  /** null: the provider has no health check, so it cannot make the gateway ready on its own. */
  healthy: boolean | null;
  detail?: string;
  accounts: AccountHealth[];
}

/**
 * `/healthz` says the process serves HTTP (liveness: no provider is asked).
 * `/readyz` says at least one enabled provider reports healthy, with every
 * provider's detail — free text from providers, sanitised before it leaves.
 */
export function registerHealthRoutes(app: FastifyInstance, context: GatewayContext, options: ReadinessOptions): void {
  let cached: { at: number; body: { ready: boolean; providers: ProviderReadiness[] } } | undefined;
  let pending: Promise<{ ready: boolean; providers: ProviderReadiness[] }> | undefined;

  const check = async (): Promise<{ ready: boolean; providers: ProviderReadiness[] }> => {
    const { router } = context.runtime;
    const statuses = router.status();
    const byId = context.runtime.providers?.() ?? new Map<string, Provider>();
    const providers = await Promise.all(
      statuses.map(async (status): Promise<ProviderReadiness> => {
        const provider = byId.get(status.providerId);
        const base = { providerId: status.providerId, enabled: status.enabled };
        if (!status.enabled) return { ...base, healthy: null, detail: 'disabled', accounts: [] };
        if (!provider?.health) return { ...base, healthy: null, detail: 'no health check', accounts: [] };
        const health = await healthWithin(provider, options.timeoutMs);
        const clean = (text: string) => sanitizeText(text, context.secrets());
        return {
          ...base,
          healthy: health.healthy,
          ...(health.detail === undefined ? {} : { detail: clean(health.detail) }),
          accounts: health.accounts.map((a) => ({ accountId: a.accountId, healthy: a.healthy, detail: clean(a.detail) })),
        };
      }),
    );
    return { ready: providers.some((p) => p.enabled && p.healthy === true), providers };
  };

  app.get('/healthz', async () => ({ status: 'ok' as const }));

  app.get('/readyz', async (_request, reply) => {
    if (!cached || Date.now() - cached.at >= options.cacheMs) {
      // Concurrent probes share one round of health checks.
      pending ??= check().finally(() => (pending = undefined));
      cached = { at: Date.now(), body: await pending };
    }
    return reply.code(cached.body.ready ? 200 : 503).send(cached.body);
  });
}

async function healthWithin(provider: Provider, timeoutMs: number): Promise<ProviderHealth & { detail?: string }> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProviderHealth & { detail: string }>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ healthy: false, accounts: [], detail: `health check did not answer within ${timeoutMs} ms` });
    }, timeoutMs);
  });
  try {
    return await Promise.race([
      provider.health!({ signal: controller.signal }).catch((error: unknown) => ({
        healthy: false,
        accounts: [],
        detail: `health check failed: ${error instanceof Error ? error.message : String(error)}`,
      })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
