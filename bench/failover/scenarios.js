// The failover scenarios, in time: each step acts on the world at `atMs` after
// the stream starts. A step with a `kind` is a mark the report measures from:
// a `fault` with `expect` times how long until that provider accepts traffic
// (the next rank), a `fault` without it (the last rank failed) how long until
// its breaker opens, a `recovery` how long until the recovered provider has
// traffic back.
import { performance } from 'node:perf_hooks';
import { NOTIFY_USERNAME, TARGETS, hasConsent, sleep } from './harness.js';

/**
 * Traffic is back within one reset timeout of a recovery — plus the probe's own
 * trip: a breaker that (re)opened just before the recovery lets its probe through
 * a full reset timeout later, and that probe still has to be sent and answered.
 */
const PROBE_ALLOWANCE_MS = 100;
const recoveryLimitMs = (profile) => profile.resetTimeoutMs + PROBE_ALLOWANCE_MS;

const down = (world, ...ids) => ids.forEach((id) => world.setMode(id, 'down'));
const up = (world, ...ids) => ids.forEach((id) => world.setMode(id, 'up'));

/** Ranks 1 and 2 are down from the start, so FigenSoft (rank 3) carries the stream. */
const figensoftCarries = (world) => down(world, 'message-center', 'mobildev');

/**
 * A sandbox fault on the send endpoint for `windowMs`, then the stream runs on
 * for `tailMs` so that traffic can come back (one reset timeout, plus a phase).
 * The window is two phases: a breaker opens once failures are more than half of
 * its rolling window (10 s by default), i.e. about one phase into the fault after
 * one phase of healthy traffic; the second phase shows it open and probing.
 */
function sandboxFault(id, name, fault, profile, windowMs = 2 * profile.phaseMs, tailMs = profile.resetTimeoutMs + profile.phaseMs, unknownOutcome = 'stop') {
  const P = profile.phaseMs;
  const clearAt = P + windowMs;
  return {
    id,
    name,
    unknownOutcome,
    before: figensoftCarries,
    steps: [
      { atMs: P, kind: 'fault', label: name, run: (world) => world.farEnd.injectFault({ ...fault, endpoint: 'Send_1_N' }) },
      { atMs: clearAt, kind: 'recovery', label: 'fault cleared → figensoft', expect: 'figensoft', limitMs: recoveryLimitMs(profile), run: (world) => world.farEnd.clearFaults() },
    ],
    durationMs: clearAt + tailMs,
  };
}

function rankOneLosesAnswers(unknownOutcome, profile) {
  const P = profile.phaseMs;
  return {
    id: `rank1-ambiguous-${unknownOutcome}`,
    name: `rank 1 accepts everything but loses 20% of its answers (unknownOutcome ${unknownOutcome})`,
    unknownOutcome,
    steps: [
      { atMs: P, run: (world) => world.setMode('message-center', 'ambiguous') },
      { atMs: 2 * P, run: (world) => up(world, 'message-center') },
    ],
    durationMs: 3 * P,
  };
}

/** Delivery reports of what FigenSoft accepted, asked until final (the sandbox decides IYS at the end of its delivery delay). */
async function figensoftReports(world, entries, profile) {
  const accepted = entries.filter((e) => e.result?.status === 'accepted' && e.result.providerId === 'figensoft');
  const byAccount = new Map();
  for (const entry of accepted) {
    const list = byAccount.get(entry.result.accountId) ?? [];
    list.push(entry);
    byAccount.set(entry.result.accountId, list);
  }
  const deadline = performance.now() + profile.deliveryDelayMs * 10 + 5_000;
  const reports = new Map();
  for (;;) {
    await sleep(profile.deliveryDelayMs);
    for (const [accountId, list] of byAccount) {
      const answered = await world.router.deliveryStatus({
        providerId: 'figensoft',
        accountId,
        providerMessageIds: list.map((e) => e.result.providerMessageId),
      });
      answered.forEach((report, i) => reports.set(list[i], report));
    }
    if ([...reports.values()].every((r) => r.final) || performance.now() > deadline) break;
  }
  return reports;
}

export function scenarios(profile) {
  const P = profile.phaseMs;
  const R = profile.resetTimeoutMs;
  const attemptTimeoutMs = profile.attemptTimeoutMs;
  const backWithinMs = recoveryLimitMs(profile);
  // Rank 1 down, then rank 2, then both back: the notification stream's scenario, and the CAMPAIGN one's.
  const cascade = [
    { atMs: P, kind: 'fault', label: 'rank 1 down → mobildev', expect: 'mobildev', limitMs: TARGETS.failoverWithinMs, run: (w) => down(w, 'message-center') },
    { atMs: 2 * P, kind: 'fault', label: 'rank 2 down → figensoft', expect: 'figensoft', limitMs: TARGETS.failoverWithinMs, run: (w) => down(w, 'mobildev') },
    { atMs: 3 * P, kind: 'recovery', label: 'both back → message-center', expect: 'message-center', limitMs: backWithinMs, run: (w) => up(w, 'message-center', 'mobildev') },
  ];
  return [
    {
      id: 'cascade',
      name: 'rank 1 goes down, then rank 2, then both come back',
      steps: cascade,
      durationMs: 3 * P + R + P,
    },
    // A hung sandbox is only given up on at the router's attempt timeout: the window lasts two of them,
    // and a breaker probe hung when the fault clears holds the breaker half-open for up to one more.
    sandboxFault('figensoft-hang', 'sandbox hangs', { kind: 'hang' }, profile, 2 * attemptTimeoutMs + P, attemptTimeoutMs + R + P),
    sandboxFault('figensoft-reset-before', 'sandbox resets connections before accepting', { kind: 'reset', afterAccept: false }, profile),
    sandboxFault('figensoft-reset-after', 'sandbox resets connections after accepting', { kind: 'reset', afterAccept: true }, profile),
    // The same under `failover`: FigenSoft is the last rank, so there is nowhere to fail over to.
    sandboxFault(
      'figensoft-reset-after-failover',
      'sandbox resets connections after accepting (unknownOutcome failover, no rank left)',
      { kind: 'reset', afterAccept: true },
      profile,
      2 * P,
      R + P,
      'failover',
    ),
    sandboxFault('figensoft-bad-login', 'sandbox answers StatusCode 500 (bad login)', { kind: 'status-code', statusCode: 500 }, profile),
    {
      id: 'figensoft-no-credit',
      name: 'sandbox account runs out of credit (1030)',
      before: figensoftCarries,
      steps: [
        { atMs: P, kind: 'fault', label: 'credit 0', run: (w) => w.farEnd.setCredit(NOTIFY_USERNAME, 0) },
        { atMs: 3 * P, kind: 'recovery', label: 'credit restored → figensoft', expect: 'figensoft', limitMs: backWithinMs, run: (w) => w.farEnd.restoreCredit(NOTIFY_USERNAME) },
      ],
      durationMs: 3 * P + R + P,
    },
    {
      id: 'figensoft-restart',
      name: 'sandbox is killed and restarted on the same port',
      before: figensoftCarries,
      steps: [
        { atMs: P, kind: 'fault', label: 'killed', run: (w) => w.farEnd.kill() },
        { atMs: 3 * P, kind: 'recovery', label: 'restarted → figensoft', expect: 'figensoft', limitMs: backWithinMs, run: (w) => w.farEnd.start() },
      ],
      durationMs: 3 * P + R + P,
    },
    rankOneLosesAnswers('stop', profile),
    rankOneLosesAnswers('failover', profile),
    {
      id: 'campaign-consent',
      name: 'CAMPAIGN stream, 30% of numbers without IYS consent; rank 1 down, then rank 2, then both back',
      iysType: 'CAMPAIGN',
      steps: cascade,
      durationMs: 3 * P + R + P,
      // Promise 4: a consent refusal stays with the provider that refused; what FigenSoft accepted is reported as missing consent.
      async verify(world, entries, profileInUse) {
        const lacking = entries.filter((e) => !hasConsent(e.to));
        const refusedBy = {};
        for (const e of lacking) {
          if (e.result?.status === 'rejected') refusedBy[e.result.providerId ?? 'router'] = (refusedBy[e.result.providerId ?? 'router'] ?? 0) + 1;
        }
        const reports = await figensoftReports(world, entries, profileInUse);
        const reasons = { lackingConsent: {}, withConsent: {} };
        for (const [entry, report] of reports) {
          const bucket = hasConsent(entry.to) ? reasons.withConsent : reasons.lackingConsent;
          const reason = report.reason ?? report.state;
          bucket[reason] = (bucket[reason] ?? 0) + 1;
        }
        const key = (to, text) => `${to}\u0000${text}`;
        const delivered = new Set((await world.farEnd.records()).map((r) => key(`+${r.receiver}`, r.text)));
        for (const fake of world.fakes) for (const a of fake.accepted) delivered.add(key(a.to, a.text));
        const refusalsRoutedOn = lacking.filter((e) => e.result?.status === 'rejected' && delivered.has(key(e.to, e.text))).length;
        const lackingAtFakes = world.fakes.reduce((n, fake) => n + fake.accepted.filter((a) => !hasConsent(a.to)).length, 0);
        return {
          lackingConsent: lacking.length,
          refusedBy,
          acceptedByFigensoftLackingConsent: Object.values(reasons.lackingConsent).reduce((a, b) => a + b, 0),
          deliveryReasons: reasons,
          refusalsRoutedOn,
          lackingConsentAcceptedByFakes: lackingAtFakes,
        };
      },
    },
  ];
}
