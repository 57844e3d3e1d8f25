import type { Message } from '@rota/provider';
import type { IdempotencyCache } from './idempotency-cache.js';
import type { Recipients } from './route-walk.js';
import type { SendResult } from './router-types.js';

/** Messages of a batch that share everything but their number travel together: one request per provider chunk. */
export interface BatchGroup extends Recipients {
  template: Message;
  to: string[];
  index: number[];
}

export interface BatchPlan {
  groups: BatchGroup[];
  /** Positions whose idempotency key an earlier send (or an earlier message of this batch) holds: they get its result. */
  repeats: Array<{ index: number; of: Promise<SendResult> }>;
  /** Settles the idempotency entry a message of this batch opened, once its result is known. */
  settle(index: number, result: SendResult): void;
}

/** Groups validated messages by everything but their number: each group is one provider request per chunk. */
export function planBatch(messages: readonly Message[], idempotency: IdempotencyCache): BatchPlan {
  const groups = new Map<string, BatchGroup>();
  const repeats: Array<{ index: number; of: Promise<SendResult> }> = [];
  const keyed = new Map<number, (result: SendResult) => void>();
  messages.forEach((message, index) => {
    const key = message.idempotencyKey;
    if (key !== undefined) {
      const earlier = idempotency.get(key);
      if (earlier) return void repeats.push({ index, of: earlier });
      let resolve!: (r: SendResult) => void;
      idempotency.remember(key, new Promise<SendResult>((r) => (resolve = r)));
      keyed.set(index, resolve);
    }
    const sharedKey = groupKey(message);
    let group = groups.get(sharedKey);
    if (!group) groups.set(sharedKey, (group = { template: message, to: [], index: [] }));
    group.to.push(message.to);
    group.index.push(index);
  });
  return { groups: [...groups.values()], repeats, settle: (index, result) => keyed.get(index)?.(result) };
}

/** Everything a provider request carries besides the numbers. */
function groupKey(message: Message): string {
  return `${message.iysType}\u0000${message.sender ?? ''}\u0000${message.recipientType}\u0000${message.otp}\u0000${message.sendAt?.getTime() ?? ''}\u0000${message.validUntil?.getTime() ?? ''}\u0000${message.text}`;
}
