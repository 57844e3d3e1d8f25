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
  const groups = new Map<string, { group: BatchGroup; numbers: Set<string> }[]>();
  const planned: BatchGroup[] = [];
  messages.forEach((message, index) => {
    const sharedKey = groupKey(message);
    let alike = groups.get(sharedKey);
    if (!alike) groups.set(sharedKey, (alike = []));
    let slot = alike.find(({ numbers }) => !numbers.has(message.to));
    if (!slot) {
      slot = { group: { template: message, to: [], index: [] }, numbers: new Set() };
      alike.push(slot);
      planned.push(slot.group);
    }
    slot.numbers.add(message.to);
    slot.group.to.push(message.to);
    slot.group.index.push(index);
  });
  return planned;
}

/** Everything a provider request carries besides the numbers. */
function groupKey(message: Message): string {
  return `${message.iysType}\u0000${message.sender ?? ''}\u0000${message.recipientType}\u0000${message.otp}\u0000${message.sendAt?.getTime() ?? ''}\u0000${message.validUntil?.getTime() ?? ''}\u0000${message.text}`;
}
