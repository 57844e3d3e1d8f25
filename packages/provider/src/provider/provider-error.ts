import { z } from 'zod';

/**
 * What a provider failure means for routing — the heart of the router:
 * - `retryable`: nothing was sent; the same provider may be tried again.
 * - `provider-unavailable`: this provider/account cannot send now; try the next one.
 * - `message-rejected`: the message itself is refused; no other provider is asked.
 * - `outcome-unknown`: the provider may have accepted it; failing over risks a duplicate.
 */
export const ProviderErrorKindSchema = z.enum(['retryable', 'provider-unavailable', 'message-rejected', 'outcome-unknown']);
export type ProviderErrorKind = z.infer<typeof ProviderErrorKindSchema>;

export interface ProviderErrorOptions {
  /** The provider's own code (a body status code, an HTTP status, a socket error name). */
  code?: string;
  /** How long the provider asked us to wait before trying again. */
  retryAfterMs?: number;
  /** The underlying error. Never an object that carries a request body or credentials. */
  cause?: unknown;
  /**
   * An `outcome-unknown` send's ids, one a recipient in the request's order,
   * when the sender named its messages before sending (Infobip takes the
   * client's messageId): a delivery report under one of them later shows the
   * provider has that message, and settles its outcome.
   */
  providerMessageIds?: readonly string[];
}

/**
 * The only error a provider may throw from `send`, `status` or `health`.
 * Its message must never contain credentials or a request body.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly kind: ProviderErrorKind;
  readonly code: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly providerMessageIds: readonly string[] | undefined;

  constructor(kind: ProviderErrorKind, message: string, options: ProviderErrorOptions = {}) {
    // A ProviderError is an expected routing outcome, not a bug: its trail says where it
    // came from. Capturing a stack (deep, async) was the largest cost of the failover path,
    // so only the message line is kept. Bugs stay ordinary errors, with their stacks.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    Error.stackTraceLimit = stackTraceLimit;
    this.kind = kind;
    this.code = options.code;
    this.retryAfterMs = options.retryAfterMs;
    this.providerMessageIds = options.providerMessageIds;
  }

  static is(error: unknown): error is ProviderError {
    return error instanceof ProviderError;
  }
}
