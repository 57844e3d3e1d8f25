import pRetry from 'p-retry';
import { abortableSleep, linkedSignal } from './abort-signals.js';
import { ProviderError } from '@rota/provider';
import type { RetrySettings } from './router-types.js';

export interface RetryOutcome<T> {
  value: T;
  tries: number;
}

/**
 * The error that ended the retries, and how many tries it took. Not an Error:
 * it is control flow inside the router, and capturing a stack for it was a
 * tenth of the failover path's cost.
 */
export class RetriesEnded {
  constructor(
    readonly error: unknown,
    readonly tries: number,
    /** The reason of the stop that ended the retries (cut a wait short), when one did: a RouteClosed, the router's or the caller's abort. */
    readonly cutShortBy?: unknown,
  ) {}
}

/**
 * Called after the first try of `once` failed with `first`, when
 * `worthRetrying(first)`. Tries again, while failures stay `retryable`, with
 * exponential backoff and jitter (p-retry), waiting at least as long as the
 * provider's Retry-After, within a deadline counted from `startedAt`,
 * abortable (by the caller, or by the router closing: `signal` carries both). The first try is the caller's own, outside p-retry: almost every
 * call succeeds at once and should not pay for retry machinery.
 * Throws `RetriesEnded` with the last error when no try succeeded.
 */
export async function retryAfterFailure<T>(
  first: unknown,
  once: () => Promise<T>,
  settings: RetrySettings,
  startedAt: number,
  stops: readonly (AbortSignal | undefined)[] = [],
): Promise<RetryOutcome<T>> {
  let tries = 1;
  let last: unknown = first;
  // A try that answered: p-retry looks at its signal after every answer, and an answer that came as a stop
  // arrived (the route closing, the router closing) must be kept, or the message would be sent again elsewhere.
  let answered: { value: T } | undefined;
  const stopped = linkedSignal(stops);
  try {
    await waitBeforeRetry(retryAfterOf(first), backoff(0, settings), settings.deadlineMs - (performance.now() - startedAt), stopped.signal);
    const value = await pRetry(
      async () => {
        tries += 1;
        try {
          const result = await once();
          answered = { value: result };
          return result;
        } catch (error) {
          last = error;
          throw error;
        }
      },
      {
        retries: settings.retries - 1,
        factor: settings.factor,
        minTimeout: Math.min(settings.minDelayMs * settings.factor, settings.maxDelayMs),
        maxTimeout: settings.maxDelayMs,
        randomize: true,
        // Referenced timers: a send waiting to retry keeps the process alive (a script's
        // top-level await must settle); a stop ends the wait through the signal.
        maxRetryTime: Math.max(0, settings.deadlineMs - (performance.now() - startedAt)),
        signal: stopped.signal,
        shouldRetry: ({ error }) => isRetryable(error),
        // p-retry has no notion of Retry-After: wait out the part of it that its own backoff will not cover.
        onFailedAttempt: async ({ error, retriesConsumed, retriesLeft }) => {
          const retryAfter = retryAfterOf(error);
          // After the last try there is nothing to wait for: moving on to the next provider must not wait out a Retry-After.
          if (retryAfter === undefined || !isRetryable(error) || retriesLeft === 0) return;
          const minimumBackoff = Math.min(settings.minDelayMs * settings.factor ** (retriesConsumed + 1), settings.maxDelayMs);
          const remaining = settings.deadlineMs - (performance.now() - startedAt);
          await waitBeforeRetry(retryAfter, minimumBackoff, remaining, stopped.signal, true);
        },
      },
    );
    return { value, tries };
  } catch (error) {
    if (answered) return { value: answered.value, tries };
    throw new RetriesEnded(last, tries, stopped.signal.aborted && error === stopped.signal.reason ? error : undefined);
  } finally {
    stopped.dispose();
  }
}

/** Whether a first failure goes on to `retryAfterFailure`; most do not, and skip it entirely. */
export function worthRetrying(first: unknown, settings: RetrySettings): boolean {
  return isRetryable(first) && settings.retries > 0;
}

function isRetryable(error: unknown): boolean {
  return error instanceof ProviderError && error.kind === 'retryable';
}

function retryAfterOf(error: unknown): number | undefined {
  return error instanceof ProviderError ? error.retryAfterMs : undefined;
}

function backoff(retry: number, settings: RetrySettings): number {
  const base = Math.min(settings.minDelayMs * settings.factor ** retry, settings.maxDelayMs);
  return Math.round(base * (1 + Math.random()));
}

/**
 * Waits `max(retryAfter, backoff)` (or only the part of Retry-After beyond the
 * backoff when p-retry adds that itself). A wait that would end past the
 * deadline gives up at once: waiting could not lead to a try anyway.
 */
async function waitBeforeRetry(
  retryAfterMs: number | undefined,
  backoffMs: number,
  remainingMs: number,
  signal: AbortSignal,
  backoffFollows = false,
): Promise<void> {
  const total = Math.max(retryAfterMs ?? 0, backoffMs);
  if (total >= remainingMs) throw new Error('deadline reached before the next try');
  const wait = backoffFollows ? Math.max(0, (retryAfterMs ?? 0) - backoffMs) : total;
  if (wait > 0) await abortableSleep(wait, [signal]);
}
