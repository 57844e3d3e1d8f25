import type { Message, ValidationIssue } from '@rota/provider';
import type { RotaConfig } from '../config/rota-config.js';

const DAY_MS = 86_400_000;

/**
 * A sendAt further ahead than `gateway.maxScheduleDays` (in the configuration in
 * force): refused, naming the limit. A year typed wrong (2062 for 2026) would
 * otherwise sit in the queue unseen for decades, holding its idempotency key.
 * Like a client's sending rights it refuses a new request, never a repeat of one
 * taken before (unlessTakenBefore): that one is answered with its record.
 */
export function scheduleIssues(config: RotaConfig, fields: Pick<Message, 'sendAt'>, now: number): ValidationIssue[] {
  const { maxScheduleDays } = config.gateway;
  if (fields.sendAt === undefined || fields.sendAt.getTime() - now <= maxScheduleDays * DAY_MS) return [];
  return [{ path: 'sendAt', reason: `must be at most ${maxScheduleDays} days ahead (gateway.maxScheduleDays)` }];
}
