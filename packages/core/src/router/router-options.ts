import { silentLogger, toValidationIssues, type Logger, type Provider, type ValidationIssue } from '@rota/provider';
import { z } from 'zod';
import {
  BreakerSettingsSchema,
  RankSchema,
  RetrySettingsSchema,
  UnknownOutcomeSettingsSchema,
  type BreakerSettings,
  type RetrySettings,
  type RouterOptions,
  type UnknownOutcomeSettings,
} from './router-types.js';

const DEFAULT_ATTEMPT_TIMEOUT_MS = 30_000;
const DEFAULT_BATCH_CONCURRENCY = 4;

/**
 * Router options that do not validate: every problem with its path
 * (`providers.1.rank`, `batchConcurrency`) and reason. Thrown by `createRouter`
 * and `reconfigure` before anything changes.
 */
export class RouterOptionsError extends Error {
  override readonly name = 'RouterOptionsError';
  readonly issues: ValidationIssue[];

  constructor(issues: ValidationIssue[]) {
    super(`invalid router options: ${issues.map((issue) => `${issue.path}: ${issue.reason}`).join('; ')}`);
    this.issues = issues;
  }
}

const isProvider = (value: unknown): value is Provider => {
  const p = value as Partial<Provider> | null;
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.id === 'string' &&
    p.id.length > 0 &&
    typeof p.select === 'function' &&
    typeof p.send === 'function' &&
    Array.isArray(p.accountIds) &&
    typeof p.capabilities === 'object' &&
    p.capabilities !== null &&
    Number.isInteger(p.capabilities.maxRecipientsPerRequest) &&
    p.capabilities.maxRecipientsPerRequest > 0
  );
};

/** An override holds only what the caller wrote; its fields are checked once merged with the defaults they override. */
const OverrideSchema = z.record(z.string(), z.unknown(), { error: 'must be an object' }).optional();

/** The shape of the options; the merged breaker and retry settings are checked in `resolveRouterSettings`. */
const RouterOptionsShapeSchema = z.strictObject({
  providers: z
    .array(
      z.strictObject({
        provider: z.custom<Provider>(isProvider, 'must be a Provider (id, capabilities with maxRecipientsPerRequest ≥ 1, accountIds, select, send)'),
        rank: RankSchema,
        enabled: z.boolean({ error: 'must be true or false' }).optional(),
        breaker: OverrideSchema,
        retry: OverrideSchema,
      }),
      { error: 'must be a list of { provider, rank }' },
    )
    .superRefine((providers, ctx) => {
      const first = new Map<string, number>();
      providers.forEach(({ provider }, index) => {
        const seen = first.get(provider.id);
        if (seen === undefined) first.set(provider.id, index);
        else ctx.addIssue({ code: 'custom', path: [index, 'provider'], message: `"${provider.id}" is listed twice (also at providers.${seen})` });
      });
    }),
  breaker: OverrideSchema,
  retry: OverrideSchema,
  unknownOutcome: UnknownOutcomeSettingsSchema.optional(),
  batchConcurrency: z.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(1_024, 'must be at most 1024').optional(),
  attemptTimeoutMs: z
    .number({ error: 'must be a number' })
    .int('must be a whole number of milliseconds')
    .min(1, 'must be at least 1')
    .max(3_600_000, 'must be at most 3600000 (one hour)')
    .optional(),
  logger: z.custom<Logger>((value) => typeof (value as Logger | null)?.error === 'function', 'must be a Logger').optional(),
  onProviderRetired: z.custom<(provider: Provider) => void>((value) => typeof value === 'function', 'must be a function').optional(),
});

/** One provider's place and settings, validated and merged with the router-wide defaults. */
export interface ResolvedProvider {
  provider: Provider;
  rank: number;
  enabled: boolean;
  breaker: BreakerSettings;
  retry: RetrySettings;
}

/** Everything the router runs on, derived from `RouterOptions` in one step that either succeeds whole or changes nothing. */
export interface RouterSettings {
  providers: ResolvedProvider[];
  unknownOutcome: UnknownOutcomeSettings;
  batchConcurrency: number;
  attemptTimeoutMs: number;
  logger: Logger;
  onProviderRetired: ((provider: Provider) => void) | undefined;
}

/**
 * Validates `options` whole — shape, ids, every provider's breaker and retry
 * settings merged over the router-wide ones — and only then builds the
 * settings. Throws `RouterOptionsError` naming every problem.
 */
export function resolveRouterSettings(options: RouterOptions): RouterSettings {
  const shape = RouterOptionsShapeSchema.safeParse(options);
  if (!shape.success) throw new RouterOptionsError(toValidationIssues(shape.error));
  const valid = shape.data;
  const issues: ValidationIssue[] = [];
  const merged = <S extends z.ZodType>(schema: S, base: Record<string, unknown> | undefined, own: Record<string, unknown> | undefined, ownPath: string, basePath: string) => {
    const parsed = schema.safeParse({ ...base, ...own });
    if (parsed.success) return parsed.data as z.output<S>;
    for (const issue of toValidationIssues(parsed.error)) {
      const field = issue.path.split('.')[0]!;
      // minDelayMs past maxDelayMs, where only maxDelayMs is this provider's own: the provider's setting is the one to mend.
      if (field === 'minDelayMs' && own && !('minDelayMs' in own) && 'maxDelayMs' in own) {
        const minDelayMs = base?.minDelayMs ?? RetrySettingsSchema.parse({}).minDelayMs;
        issues.push({ path: `${ownPath}.maxDelayMs`, reason: `must be at least minDelayMs (${String(minDelayMs)}): the backoff never waits longer than maxDelayMs` });
        continue;
      }
      issues.push({ path: `${own && field in own ? ownPath : basePath}.${issue.path}`, reason: issue.reason });
    }
    return undefined;
  };
  // The router-wide settings are checked on their own too: a router with no providers still gets them.
  merged(BreakerSettingsSchema, undefined, valid.breaker, 'breaker', 'breaker');
  merged(RetrySettingsSchema, undefined, valid.retry, 'retry', 'retry');
  const providers: ResolvedProvider[] = [];
  valid.providers.forEach((routed, index) => {
    const breaker = merged(BreakerSettingsSchema, valid.breaker, routed.breaker, `providers.${index}.breaker`, 'breaker');
    const retry = merged(RetrySettingsSchema, valid.retry, routed.retry, `providers.${index}.retry`, 'retry');
    if (breaker && retry) providers.push({ provider: routed.provider, rank: routed.rank, enabled: routed.enabled ?? true, breaker, retry });
  });
  // A router-wide setting that is wrong is reported once, not once per provider.
  const unique = [...new Map(issues.map((issue) => [`${issue.path}\u0000${issue.reason}`, issue])).values()];
  if (unique.length > 0) throw new RouterOptionsError(unique);
  return {
    providers,
    unknownOutcome: valid.unknownOutcome ?? 'stop',
    batchConcurrency: valid.batchConcurrency ?? DEFAULT_BATCH_CONCURRENCY,
    attemptTimeoutMs: valid.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS,
    logger: valid.logger ?? silentLogger,
    onProviderRetired: valid.onProviderRetired,
  };
}
