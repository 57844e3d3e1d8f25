// Rota's side of the FigenSoft benchmarks, shared by run.js (against the bare client)
// and ab.js (two builds against each other): the router over one FigenSoft account on
// the sandbox, the numbers it sends to, and the loops that drive it.
import { BENCH_ACCOUNTS } from '../lib/sandbox-process.js';
import { concurrent } from '../lib/measure.js';

export const TEXT = 'Doğrulama kodunuz: 482913';
export const CONNECTIONS = 64;
export const BULK = 800;
export const BULK_IN_FLIGHT = 4;
export const NOTIFY_ACCOUNT = BENCH_ACCOUNTS[0];

/** A router over the sandbox's NOTIFICATION account, built with the given `@rota/core` and `@rota/figensoft` (ab.js passes two builds). */
export function rotaSide(core, figensoft, sandboxUrl) {
  const provider = figensoft.createFigenSoftProvider({
    connections: CONNECTIONS,
    accounts: [
      { username: NOTIFY_ACCOUNT.username, password: NOTIFY_ACCOUNT.password, smsIysMessageType: 'NOTIFICATION', senderList: ['ROTA'], customApiActive: true, customApiUrl: sandboxUrl },
    ],
  });
  const router = core.createRouter({ providers: [{ provider, rank: 3 }] });
  return {
    router,
    close: async () => {
      await router.close();
      await provider.close();
    },
  };
}

// The numbers are made once, before the warm-up, as a caller holds them: the
// bare client gets wire numbers (905321234567), rota E.164 (+905321234567)
// parsed from JSON, as the gateway receives them. Every round reuses them.
// - Made inside the timed loop, a '+' prefix turned every number into a V8 cons
//   string, and flattening those cost rota ~0.3 µs a number JSON input never pays.
// - Made fresh before each round, a bulk round's 200,000 numbers filled the young
//   generation, so every scavenge copied them: garbage collection then cost each
//   side in proportion to what it allocated, several times over.
let next = 0;
const numberAt = (i) => `90532${String(i % 10_000_000).padStart(7, '0')}`;
export function benchNumbers(count) {
  const wire = Array.from({ length: count }, () => numberAt(next++));
  return { wire, e164: JSON.parse(JSON.stringify(wire.map((n) => `+${n}`))) };
}

export const inChunks = (list, size) => Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));

/** `count` single sends, `inFlight` at a time, to `numbers[i]` (E.164). */
export function rotaSingles({ router }, numbers, count, inFlight) {
  return concurrent(count, inFlight, async (i) => {
    const r = await router.send({ to: numbers[i], text: TEXT, iysType: 'NOTIFICATION', sender: 'ROTA' });
    if (r.status !== 'accepted') throw new Error(`rota: ${r.status} ${r.reason ?? ''}`);
  });
}

/** `requests` bulk sends of `lists[i]`, BULK_IN_FLIGHT at a time. */
export function rotaBulks({ router }, lists, requests) {
  return concurrent(requests, BULK_IN_FLIGHT, async (i) => {
    const results = await router.sendBulk({ to: lists[i], text: TEXT, iysType: 'NOTIFICATION', sender: 'ROTA' });
    if (results.some((r) => r.status !== 'accepted')) throw new Error('rota bulk: not all accepted');
  });
}
