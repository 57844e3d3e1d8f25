import type { BreakerOverride } from '@rota/core';
import type { Ledger, OperatorChange, StoredOperatorOverride } from '@rota/ledger';
import type { Logger } from 'pino';
import { providerIdOf } from '../config/rota-config.js';
import type { GatewayRuntimeView } from '../http/gateway-context.js';

/** One operator action on a provider: its rank, its switch, its accounts' breakers, or back to the configuration's values. */
export type OperatorAction =
  | { kind: 'set'; providerId: string; rank?: number; enabled?: boolean }
  | { kind: 'breaker'; providerId: string; accountIds: readonly string[]; state: BreakerOverride }
  | { kind: 'reset'; providerId: string; accountIds: readonly string[] };

/**
 * Where an operator's changes to providers take effect.
 *
 * One process (SQLite, memory): on this router, at once; run-time overrides
 * that a reload which changes the same setting in the file puts back.
 *
 * Many processes on PostgreSQL: written to the database first (a change the
 * database did not take changes nothing and answers 503), then applied here;
 * every other gateway and worker hears of it (NOTIFY `operator`) and applies
 * the stored settings over its configuration within a second, and re-reads
 * them after a reload, a lost notification connection, and at start. There
 * the stored setting wins over the file until an operator resets it.
 */
export class OperatorControls {
  readonly #runtime: GatewayRuntimeView;
  readonly #ledger: Ledger | undefined;
  readonly #logger: Logger | undefined;
  #detach: (() => void)[] = [];
  #refreshing: Promise<void> | undefined;
  #again = false;

  /** `ledger`: the PostgreSQL-backed ledger whose processes share the settings; without one, changes stay in this process. */
  constructor(runtime: GatewayRuntimeView, shared?: { ledger: Ledger; logger: Logger }) {
    this.#runtime = runtime;
    this.#ledger = shared?.ledger.store.dialect === 'postgres' ? shared.ledger : undefined;
    this.#logger = shared?.logger;
  }

  /** Whether changes are shared with other processes through the database. */
  get shared(): boolean {
    return this.#ledger !== undefined;
  }

  /** Applies the stored settings now, and from now on whenever another process changes them. */
  async start(): Promise<void> {
    const notifications = this.#ledger?.notifications;
    if (!notifications) return;
    this.#detach = [notifications.on('operator', () => void this.refresh()), notifications.onReconnect(() => void this.refresh())];
    await this.refresh();
  }

  stop(): void {
    for (const detach of this.#detach) detach();
    this.#detach = [];
  }

  /** Takes an operator's action: stored and announced first when shared (a database error is thrown, and nothing changed). */
  async apply(action: OperatorAction, by: string): Promise<void> {
    if (!this.#ledger) {
      this.#applyHere(action);
      return;
    }
    await this.#ledger.store.changeOperatorOverrides({ ...toChange(action), by });
    await this.refresh();
  }

  /**
   * Reads the stored settings and makes this router match them: a stored
   * setting over the configuration's value, the configuration's where none is
   * stored. Calls that overlap run once more after the one in progress.
   */
  async refresh(): Promise<void> {
    if (!this.#ledger) return;
    if (this.#refreshing) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      do {
        this.#again = false;
        try {
          this.#match(await this.#ledger!.store.operatorOverrides());
        } catch (error) {
          // The next notification, reconnect or reload tries again; routing keeps its current settings meanwhile.
          this.#logger?.warn({ error: error instanceof Error ? error.message : String(error) }, 'operator settings could not be read from the database; keeping the current ones');
        }
      } while (this.#again);
    })().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  #match(stored: readonly StoredOperatorOverride[]): void {
    const { router } = this.#runtime;
    const entries = new Map(this.#runtime.config().providers.map((entry) => [providerIdOf(entry), entry]));
    for (const status of router.status()) {
      const entry = entries.get(status.providerId);
      if (!entry) continue;
      let { rank, enabled } = entry;
      const forced = new Map<string, BreakerOverride>();
      for (const override of stored) {
        if (override.providerId !== status.providerId) continue;
        if (override.setting === 'rank') rank = override.value;
        else if (override.setting === 'enabled') enabled = override.value;
        else forced.set(override.accountId, override.value);
      }
      if (status.rank !== rank) router.setRank(status.providerId, rank);
      if (status.enabled !== enabled) router.setEnabled(status.providerId, enabled);
      for (const account of status.accounts) {
        const state = forced.get(account.accountId) ?? 'auto';
        if (account.override !== state) router.forceBreaker(status.providerId, account.accountId, state);
      }
    }
  }

  #applyHere(action: OperatorAction): void {
    const { router } = this.#runtime;
    switch (action.kind) {
      case 'set':
        if (action.rank !== undefined) router.setRank(action.providerId, action.rank);
        if (action.enabled !== undefined) router.setEnabled(action.providerId, action.enabled);
        return;
      case 'breaker':
        for (const accountId of action.accountIds) router.forceBreaker(action.providerId, accountId, action.state);
        return;
      case 'reset': {
        const entry = this.#runtime.config().providers.find((candidate) => providerIdOf(candidate) === action.providerId);
        if (entry) {
          router.setRank(action.providerId, entry.rank);
          router.setEnabled(action.providerId, entry.enabled);
        }
        for (const accountId of action.accountIds) router.forceBreaker(action.providerId, accountId, 'auto');
      }
    }
  }
}

/** An action as the stored settings it sets and drops. */
function toChange(action: OperatorAction): OperatorChange {
  const { providerId } = action;
  switch (action.kind) {
    case 'set':
      return {
        set: [
          ...(action.rank === undefined ? [] : [{ providerId, setting: 'rank' as const, value: action.rank }]),
          ...(action.enabled === undefined ? [] : [{ providerId, setting: 'enabled' as const, value: action.enabled }]),
        ],
      };
    case 'breaker': {
      const { state } = action;
      return state === 'auto'
        ? { clear: action.accountIds.map((accountId) => ({ providerId, setting: 'breaker' as const, accountId })) }
        : { set: action.accountIds.map((accountId) => ({ providerId, accountId, setting: 'breaker' as const, value: state })) };
    }
    case 'reset':
      return { clear: [{ providerId, setting: 'rank' }, { providerId, setting: 'enabled' }, { providerId, setting: 'breaker' }] };
  }
}
