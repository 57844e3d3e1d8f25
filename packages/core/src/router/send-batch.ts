import type { Message } from '@rota/provider';
import type { Recipients } from './route-walk.js';
import type { SendResult } from './router-types.js';

/** Messages of a batch that share everything but their number travel together: one request per provider chunk. */
export interface BatchGroup extends Recipients {
  template: Message;
  to: string[];
  index: number[];
}

/**
 * Groups validated messages by everything but their number: each group is one
 * provider request per chunk. A number at most once a group: a provider that
 * names its receipts by request and number (Message Center's and Mobildev's
 * `<order>+<number>`) would give two messages to one number the same id, and
 * each report would then be taken for either. A second message to a number goes
 * in a group of its own.
 */
export function planBatch(messages: readonly Message[]): BatchGroup[] {
  // Per shared key: its groups, and how often each number came so far (its next message goes in that group).
  const groups = new Map<string, { alike: BatchGroup[]; seen: Map<string, number> }>();
  const planned: BatchGroup[] = [];
  messages.forEach((message, index) => {
    const sharedKey = groupKey(message);
    let shared = groups.get(sharedKey);
    if (!shared) groups.set(sharedKey, (shared = { alike: [], seen: new Map() }));
    const times = shared.seen.get(message.to) ?? 0;
    shared.seen.set(message.to, times + 1);
    let group = shared.alike[times];
    if (!group) {
      group = { template: message, to: [], index: [] };
      shared.alike.push(group);
      planned.push(group);
    }
    group.to.push(message.to);
    group.index.push(index);
  });
  return planned;
}

/** Everything a provider request carries besides the numbers. */
function groupKey(message: Message): string {
  return `${message.iysType}\u0000${message.sender ?? ''}\u0000${message.recipientType}\u0000${message.otp}\u0000${message.sendAt?.getTime() ?? ''}\u0000${message.validUntil?.getTime() ?? ''}\u0000${message.text}`;
}
