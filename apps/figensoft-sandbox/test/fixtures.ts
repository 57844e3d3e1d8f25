import type { SandboxAccountInput } from '../src/index.js';

export const NOTIFY = { username: 'notify-user', password: 'notify-secret-pw' } as const;
export const CAMPAIGN = { username: 'campaign-user', password: 'campaign-secret-pw' } as const;

export const TEST_ACCOUNTS: SandboxAccountInput[] = [
  { ...NOTIFY, iysType: 'NOTIFICATION', senders: ['ROTA', 'ROTAOTP'] },
  { ...CAMPAIGN, iysType: 'CAMPAIGN', senders: ['ROTA'] },
];

export const APPROVED = '905321234567';
export const OPTED_OUT = '905559998877';
export const NOT_LISTED = '905440001122';

/** `count` distinct valid Turkish mobiles in wire form. */
export function mobiles(count: number, start = 0): string[] {
  return Array.from({ length: count }, (_, i) => `9053${String(start + i).padStart(8, '0')}`);
}
