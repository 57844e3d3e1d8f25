import type { Message } from '@rota/provider';
import { sharedAbortController } from './abort-signals.js';
import { DeadlineSignals } from './deadline-signals.js';
import { ProviderTable } from './provider-table.js';
import { resolveRouterSettings, type RouterSettings } from './router-options.js';
import { RouterEventBus } from './router-events.js';
import type { RouterOptions, SendResult, UnknownOutcomePolicy } from './router-types.js';

/**
 * What one router's parts share: its settings (replaced whole by a
 * reconfigure), the providers and their breakers, the event bus, the
 * deadlines of provider calls, and whether it is closed.
 */
export class RouterState {
  settings: RouterSettings;
  readonly events = new RouterEventBus();
  readonly table: ProviderTable;
  readonly deadlines: DeadlineSignals;
  /** Aborted by close(): retry waits end, and walks stop instead of moving down the ranks. */
  readonly lifetime = sharedAbortController();
  closed = false;

  /** Throws a `RouterOptionsError` naming every invalid option. */
  constructor(options: RouterOptions) {
    this.settings = resolveRouterSettings(options);
    this.events.logger = this.settings.logger;
    this.table = new ProviderTable((providerId, accountId, state) => this.events.emit('breaker', { providerId, accountId, state }), this.settings.onProviderRetired);
    this.table.apply(this.settings.providers, this.settings.onProviderRetired);
    this.deadlines = new DeadlineSignals(this.settings.attemptTimeoutMs);
  }

  /** Tells the result's listeners (`accepted`, `rejected`, …), if any. */
  emitResult(result: SendResult): void {
    if (this.events.has(result.status)) this.events.emit(result.status, { result } as never);
  }

  /** What to do when a provider may have a message but never said: per IYS type, or one for all. */
  unknownOutcomeFor(iysType: Message['iysType']): UnknownOutcomePolicy {
    const policy = this.settings.unknownOutcome;
    return typeof policy === 'string' ? policy : (policy[iysType] ?? 'stop');
  }
}

/** The answer to a send made after close(). */
export function closedResult(): SendResult {
  return { status: 'failed', reason: 'the router is closed', attempts: [] };
}
