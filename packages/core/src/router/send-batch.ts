import { validateMessage, type Message } from '@rota/provider';
import type { IdempotencyCache } from './idempotency-cache.js';
import type { Recipients } from './route-walk.js';
import type { SendResult } from './router-types.js';

/** Messages of a batch that share everything but their number travel together: one request per provider chunk. */
export interface BatchGroup extends Recipients {
  template: Message;
  to: string[];
  index: number[];
}

export type BatchPlan =
  | { ok: false; results: SendResult[] }
  | {
      ok: true;
      groups: BatchGroup[];
      /** Positions whose idempotency key an earlier send (or an earlier message of this batch) holds: they get its result. */
      repeats: Array<{ index: number; of: Promise<SendResult> }>;
      /** Settles the idempotency entry a message of this batch opened, once its result is known. */
      settle(index: number, result: SendResult): void;
    };

/**
 * Validates a batch whole and groups it. Never a half-sent batch: one invalid
 * message refuses all of them, each answered `rejected` (the invalid ones with
 * their issues, the others saying the batch was refused), and nothing is sent.
 */
export function planBatch(inputs: readonly unknown[], idempotency: IdempotencyCache): BatchPlan {
  const validations = inputs.map((input) => validateMessage(input));
  const invalid = validations.flatMap((v, index) => (v.ok ? [] : [index]));
  if (invalid.length > 0) {
    return {
      ok: false,
      results: validations.map((v, index): SendResult =>
        v.ok
          ? {
              status: 'rejected',
              to: v.message.to,
              reason: `batch refused: ${invalid.length} invalid message(s), nothing was sent`,
              issues: invalid.slice(0, 20).map((i) => ({ path: `[${i}]`, reason: 'is invalid' })),
              attempts: [],
            }
          : { status: 'rejected', reason: 'invalid message', issues: v.issues.map((issue) => ({ ...issue, path: `[${index}].${issue.path}` })), attempts: [] },
      ),
    };
  }

  const groups = new Map<string, BatchGroup>();
  const repeats: Array<{ index: number; of: Promise<SendResult> }> = [];
  const keyed = new Map<number, (result: SendResult) => void>();
  validations.forEach((v, index) => {
    const message = (v as { ok: true; message: Message }).message;
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
  return { ok: true, groups: [...groups.values()], repeats, settle: (index, result) => keyed.get(index)?.(result) };
}

/** Everything a provider request carries besides the numbers. */
function groupKey(message: Message): string {
  return `${message.iysType}\u0000${message.sender ?? ''}\u0000${message.recipientType}\u0000${message.otp}\u0000${message.sendAt?.getTime() ?? ''}\u0000${message.validUntil?.getTime() ?? ''}\u0000${message.text}`;
}
