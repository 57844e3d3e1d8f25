import type { SandboxOutcomes } from './sandbox-options.js';

/**
 * How a message that passed the consent check ends on the network, drawn from
 * its counter so that the same message always ends the same way (every wire
 * of the sandbox draws the same way; each writes the verdict in its own codes).
 */
export type NetworkOutcome = 'delivered' | 'undelivered' | 'expired' | 'unknown';

export function networkOutcome(outcomes: SandboxOutcomes, counter: number): NetworkOutcome {
  const lot = (Math.imul(counter ^ 0x9e3779b9, 0x85ebca6b) >>> 0) / 0x1_0000_0000;
  if (lot < outcomes.undelivered) return 'undelivered';
  if (lot < outcomes.undelivered + outcomes.expired) return 'expired';
  if (lot < outcomes.undelivered + outcomes.expired + outcomes.unknown) return 'unknown';
  return 'delivered';
}
