import { silentLogger, type Logger } from '@rota/provider';
import type { RouterEventName, RouterEvents } from './router-types.js';

type Listener<E extends RouterEventName> = (payload: RouterEvents[E]) => void;

/**
 * A tiny typed emitter. Emitting is skipped entirely when nobody listens (the
 * common case on the hot path), and a listener that throws is isolated: it
 * cannot break a send or the other listeners, and its error goes to the logger.
 */
export class RouterEventBus {
  /** Where a listener's failure is reported (the router's logger). */
  logger: Logger = silentLogger;
  private readonly listeners = new Map<RouterEventName, Set<Listener<RouterEventName>>>();

  on<E extends RouterEventName>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<RouterEventName>);
    return () => set.delete(listener as Listener<RouterEventName>);
  }

  has(event: RouterEventName): boolean {
    const set = this.listeners.get(event);
    return set !== undefined && set.size > 0;
  }

  emit<E extends RouterEventName>(event: E, payload: RouterEvents[E]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of set) {
      try {
        listener(payload);
      } catch (error) {
        // A broken log or metrics listener must never change a routing outcome, but it is reported.
        this.logger.error(
          { event, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) },
          `a router "${event}" listener threw; the send went on`,
        );
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
