import { z } from 'zod';

/*
 * What `new Ledger(options)` checks before anything starts, as the router
 * checks its options: a misspelt key (`dispach`), a count of 0, or a limit
 * keyed other than `provider/account` is refused naming the field, where it
 * was taken silently (a default in its place, or a limit no account matched).
 * The objects and functions (store, router, logger, hooks) are checked for
 * their kind only; LedgerOptions (ledger.ts) types them.
 */

const wholeNumber = (min: number, why = '') => z.number({ error: 'must be a number' }).int('must be a whole number').min(min, `must be at least ${min}${why}`);
const milliseconds = wholeNumber(0);
const object = (what: string) => z.custom<object>((value) => typeof value === 'object' && value !== null, `must be ${what}`);
const fn = (what: string) => z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', `must be a function (${what})`);

/** `provider/account` → messages per second, as throttleKey writes the key. */
export const LimitsShapeSchema = z.map(
  z.string().regex(/^[^/\s]+\/\S+$/, 'must be "provider/account" (a provider id and one of its account ids)'),
  z.number({ error: 'must be a number' }).int('must be a whole number of messages per second').min(1, 'must be at least 1 (0 would never let a message through)'),
  { error: 'must be a Map of "provider/account" to messages per second' },
);

export const LedgerOptionsShapeSchema = z.strictObject({
  store: object('a LedgerStore (openLedgerStore)'),
  role: z.enum(['embedded', 'gateway', 'worker'], { error: 'must be embedded, gateway or worker' }).optional(),
  waitMs: milliseconds.optional(),
  name: z.string({ error: 'must be a string' }).min(1, 'must not be empty').optional(),
  router: object('a router (createRouter)'),
  logger: object('a logger').optional(),
  dispatch: z
    .strictObject({
      concurrency: wholeNumber(2, ' (one unit is kept for OTPs)').optional(),
      pollMs: milliseconds.optional(),
      writeRetryMs: milliseconds.optional(),
      resultFlushMs: milliseconds.optional(),
      claimSize: wholeNumber(1).optional(),
      holdWithoutRouteMs: milliseconds.optional(),
    })
    .optional(),
  retention: z.strictObject({ messagesMs: wholeNumber(1).optional(), idempotencyMs: wholeNumber(1).optional(), pruneEveryMs: wholeNumber(1).optional() }).optional(),
  limits: LimitsShapeSchema.optional(),
  limiterFor: fn('a limiter factory').optional(),
  reports: z
    .strictObject({
      scheduleMs: z.array(milliseconds, { error: 'must be a list of waits in milliseconds' }).min(1, 'must list at least one wait').optional(),
      ttlMs: milliseconds.optional(),
      readsPerSecond: wholeNumber(1).optional(),
      roundSize: wholeNumber(1).optional(),
      pollMs: milliseconds.optional(),
    })
    .optional(),
  pushes: z
    .strictObject({
      rematchMs: z.array(milliseconds, { error: 'must be a list of waits in milliseconds' }).optional(),
      maxHeld: wholeNumber(0).optional(),
      pollMs: milliseconds.optional(),
    })
    .optional(),
  webhooks: z
    .strictObject({
      deliver: fn('deliver'),
      sign: fn('sign'),
      concurrency: wholeNumber(1).optional(),
      perEndpoint: wholeNumber(1).optional(),
      deliveryTimeoutMs: wholeNumber(1).optional(),
      retryForMs: milliseconds.optional(),
      pollMs: milliseconds.optional(),
      random: fn('random').optional(),
    })
    .optional(),
  observer: object('an observer').optional(),
  clock: fn('a clock').optional(),
});
