import type { SendResult } from './router-types.js';

/**
 * Remembers the result of each idempotency key (oldest forgotten first), so the
 * same key twice never sends twice: a repeat waits for the first send's result.
 * A `failed` result is forgotten — nothing was sent, so trying again is safe and
 * what the caller wants.
 */
export class IdempotencyCache {
  private readonly entries = new Map<string, Promise<SendResult>>();

  constructor(private readonly capacity: number) {}

  get(key: string): Promise<SendResult> | undefined {
    return this.entries.get(key);
  }

  remember(key: string, result: Promise<SendResult>): void {
    this.entries.set(key, result);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    void result.then((settled) => {
      if (settled.status === 'failed' && this.entries.get(key) === result) this.entries.delete(key);
    });
  }
}
