import { WaiterList, type Waiter } from './waiter-list.js';

/**
 * One 'abort' listener per signal, fanning out to the requests waiting on it.
 * The router hands many concurrent calls the same deadline signal; a listener
 * per request would make every add/remove walk a long EventTarget list (and
 * trip Node's MaxListeners warning at 11).
 */
export class AbortFanout {
  private readonly waiting = new WeakMap<AbortSignal, WaiterList<void>>();

  /** `onAbort` runs if `signal` aborts before the returned waiter leaves. */
  join(signal: AbortSignal, onAbort: () => void): Waiter<void> {
    let list = this.waiting.get(signal);
    if (!list) {
      const created = new WaiterList<void>();
      list = created;
      this.waiting.set(signal, created);
      signal.addEventListener('abort', () => created.release(), { once: true });
    }
    return list.join(onAbort);
  }
}
