import type { Message } from '@rota/provider';
import type { Recipients } from './route-walk.js';
import type { SendResult } from './router-types.js';

/** Messages of a batch that share everything but their number travel together: one request per provider chunk. */
export interface BatchGroup extends Recipients {
  template: Message;
  to: string[];
  index: number[];
}

/** Groups validated messages by everything but their number: each group is one provider request per chunk. */
export function planBatch(messages: readonly Message[]): BatchGroup[] {
  const groups = new Map<string, BatchGroup>();
  messages.forEach((message, index) => {
    const sharedKey = groupKey(message);
    let group = groups.get(sharedKey);
    if (!group) groups.set(sharedKey, (group = { template: message, to: [], index: [] }));
    group.to.push(message.to);
    group.index.push(index);
  });
  return [...groups.values()];
}

/** Everything a provider request carries besides the numbers. */
function groupKey(message: Message): string {
  return `${message.iysType}\u0000${message.sender ?? ''}\u0000${message.recipientType}\u0000${message.otp}\u0000${message.sendAt?.getTime() ?? ''}\u0000${message.validUntil?.getTime() ?? ''}\u0000${message.text}`;
}
