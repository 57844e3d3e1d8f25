import { validateBulkMessage, validateMessage, type BulkMessage, type Message } from '@rota/provider';
import { openLedgerStore } from '../src/index.js';
import type { LedgerStore } from '../src/index.js';
import type { StoreConfigInput } from '../src/store-config.js';

export const HASH_KEY = Buffer.alloc(32, 7);

/** A message as @rota/provider's validation gives it; throws on a bad fixture. */
export function message(input: Record<string, unknown>): Message {
  const result = validateMessage({ iysType: 'NOTIFICATION', text: 'Kargonuz yolda', ...input });
  if (!result.ok) throw new Error(`bad fixture: ${JSON.stringify(result.issues)}`);
  return result.message;
}

export function bulkTemplate(input: Record<string, unknown> = {}): BulkMessage {
  const result = validateBulkMessage({ iysType: 'CAMPAIGN', text: 'Indirim basladi', to: ['+905321234567'], ...input });
  if (!result.ok) throw new Error(`bad fixture: ${JSON.stringify(result.issues)}`);
  return result.bulk;
}

/** A clock the test moves by hand. */
export class TestClock {
  #ms: number;
  constructor(start = Date.parse('2025-03-01T09:00:00Z')) {
    this.#ms = start;
  }
  now = (): Date => new Date(this.#ms);
  advance(ms: number): Date {
    this.#ms += ms;
    return this.now();
  }
}

export async function openTestStore(clock = new TestClock(), config: StoreConfigInput = { kind: 'memory' }): Promise<LedgerStore> {
  return openLedgerStore(config, { hashKey: HASH_KEY, clock: clock.now });
}

/** `count` distinct Turkish mobile numbers in E.164. */
export function numbers(count: number, start = 0): string[] {
  return Array.from({ length: count }, (_, i) => `+90532${String(start + i).padStart(7, '0')}`);
}
