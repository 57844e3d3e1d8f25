// What the delivery-report and webhook benchmarks start each round from: messages a
// provider accepted, recorded in a ledger store as the dispatcher leaves them (one
// transaction to record them, one to write the accepted results), made outside the
// timed part of a round.
import { randomBytes } from 'node:crypto';
import { openLedgerStore } from '@rota/ledger';
import { validateMessage } from '@rota/provider';

export const OWNER = 'bench';
export const TEXT = 'Kargonuz yola çıktı';

/** A SQLite file, as the gateway's default store keeps its ledger (synchronous=normal). */
export function openBenchStore(path) {
  return openLedgerStore({ kind: 'sqlite', path }, { hashKey: randomBytes(32) });
}

/** `count` distinct numbers from `first`, wire form (905321234567) and E.164. */
export function benchNumbers(first, count) {
  const wire = Array.from({ length: count }, (_, i) => `90532${String((first + i) % 10_000_000).padStart(7, '0')}`);
  return { wire, e164: wire.map((n) => `+${n}`) };
}

/**
 * Records `sends` (`{ to: E.164, iysType, accountId, providerMessageId }`) as accepted by
 * FigenSoft: their status is due `firstReportAfterMs` later, and with `callbackUrl` each
 * has its `message.accepted` webhook waiting in the outbox. Returns the record ids.
 */
export async function recordAccepted(store, sends, { callbackUrl, firstReportAfterMs }) {
  const outcomes = await store.recordMessages(
    sends.map(({ to, iysType }) => ({ message: validated({ to, text: TEXT, iysType, sender: 'ROTA' }), owner: OWNER, state: 'dispatching', ...(callbackUrl ? { callbackUrl } : {}) })),
  );
  const entries = outcomes.map((outcome, i) => {
    const { record } = outcome;
    const send = sends[i];
    return {
      id: record.id,
      result: { status: 'accepted', to: record.to, providerId: 'figensoft', accountId: send.accountId, providerMessageId: send.providerMessageId, segments: record.segments, encoding: record.encoding, attempts: [] },
    };
  });
  const finished = await store.finishMany(entries, { firstReportAfterMs });
  if (finished !== sends.length) throw new Error(`seed: ${finished} of ${sends.length} records finished`);
  return entries.map((entry) => entry.id);
}

function validated(input) {
  const result = validateMessage(input);
  if (!result.ok) throw new Error(`seed: ${JSON.stringify(result.issues)}`);
  return result.message;
}
