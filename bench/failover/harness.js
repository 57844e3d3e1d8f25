// The failover scenario harness, shared by `bench/failover/run.js` (long form,
// sandbox in a child process, packages from dist) and
// `tests/reliability/test/failover.test.ts` (short form, sandbox in process,
// packages from source). A scenario is a script of faults in time played
// against a steady stream of messages through core's router; the report
// reconciles every result with what the providers really accepted.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createRouter } from '@rota/core';
import { createFigenSoftProvider } from '@rota/figensoft';
import { percentile } from '../lib/measure.js';

/** The sandbox accounts both far ends are started with (never real credentials). */
export const FAILOVER_ACCOUNTS = Object.freeze([
  { username: 'failover-notify', password: 'failover-notify-secret', iysType: 'NOTIFICATION', senders: ['ROTA'], credit: 1_000_000_000 },
  { username: 'failover-campaign', password: 'failover-campaign-secret', iysType: 'CAMPAIGN', senders: ['ROTA'], credit: 1_000_000_000 },
]);
export const NOTIFY_USERNAME = FAILOVER_ACCOUNTS[0].username;

// Numbers: NOTIFICATION traffic goes to +90532…; CAMPAIGN traffic to a pool of
// +90533… numbers with IYS consent and +90534… numbers without.
const CONSENTED_POOL = 200;
const consentedNumber = (i) => `+90533${String(i % CONSENTED_POOL).padStart(7, '0')}`;
const unconsentedNumber = (i) => `+90534${String(i % 10_000_000).padStart(7, '0')}`;
export const CONSENTED_NUMBERS = Object.freeze(Array.from({ length: CONSENTED_POOL }, (_, i) => consentedNumber(i)));
const CONSENTED = new Set(CONSENTED_NUMBERS);
/** The sandbox's IYS consent list, in its wire form (90XXXXXXXXXX). */
export const SANDBOX_CONSENT = Object.freeze({ approved: CONSENTED_NUMBERS.map((n) => n.slice(1)), optedOut: [] });
export const hasConsent = (e164) => CONSENTED.has(e164);

/** Three CAMPAIGN messages in ten go to a number without consent. */
const lacksConsentAt = (seq) => seq % 10 < 3;

/**
 * Short form for the test (a few seconds a scenario) and long form for the
 * bench. Router settings are the defaults except `breaker.resetTimeoutMs` and
 * `attemptTimeoutMs`, the one time limit of a provider call, which the test
 * shortens so that a hung sandbox is given up within the scenario.
 */
export const TEST_PROFILE = Object.freeze({
  name: 'test',
  ratePerSecond: 250,
  phaseMs: 600,
  resetTimeoutMs: 400,
  attemptTimeoutMs: 800,
  fakeLatencyMs: 1,
  /** Every `batchEvery`-th unit the stream sends is a `sendBatch` of `batchSize` messages sharing one text. */
  batchEvery: 15,
  batchSize: 5,
  /** A send without a result after this long counts as hung (lost). */
  sendDeadlineMs: 20_000,
  deliveryDelayMs: 50,
});

export const BENCH_PROFILE = Object.freeze({
  name: 'bench',
  ratePerSecond: 1_000,
  phaseMs: 3_000,
  resetTimeoutMs: 2_000,
  attemptTimeoutMs: 10_000,
  fakeLatencyMs: 2,
  batchEvery: 20,
  batchSize: 10,
  sendDeadlineMs: 60_000,
  deliveryDelayMs: 200,
});

/** Targets the issue sets with default settings. */
export const TARGETS = Object.freeze({ failoverWithinMs: 1_000 });

const now = () => performance.now();
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

// ---------------------------------------------------------------------------
// The world: two scripted fakes (ranks 1 and 2), FigenSoft over HTTP (rank 3), the router

/** In `ambiguous` mode, the share of calls a fake accepts but answers with outcome-unknown. */
const AMBIGUOUS_SHARE = 0.2;

/** A seeded generator, so that a scenario picks the same calls on every run (and independently of the batch rhythm). */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Builds the providers and the router for one scenario. `farEnd` is the
 * sandbox (in process or in a child process) behind FigenSoft.
 * `createFakeProvider` is @rota/testkit's, passed in by the caller: the bench
 * takes it from the built package, the tests from its sources.
 */
export function createWorld({ farEnd, profile, createFakeProvider, unknownOutcome = 'stop' }) {
  const modes = new Map([
    ['message-center', 'up'],
    ['mobildev', 'up'],
  ]);
  const random = seededRandom(20_251_125);
  const ambiguousDeliveries = new Map([
    ['message-center', 0],
    ['mobildev', 0],
  ]);

  // IYS at send time: message-center refuses each number without consent in its
  // receipts; mobildev refuses a one-recipient request outright (message-rejected).
  const consentRefusal = (id, request) => {
    if (request.iysType !== 'CAMPAIGN') return undefined;
    const refused = request.recipients.filter((to) => !CONSENTED.has(to));
    if (refused.length === 0) return undefined;
    if (id === 'mobildev' && request.recipients.length === 1) {
      return { type: 'error', kind: 'message-rejected', code: 'iys-consent-missing', message: 'mobildev: IYS: no consent for this number' };
    }
    return { type: 'accept', rejectRecipients: refused, rejectCode: 'iys-consent-missing', rejectReason: `${id}: IYS: no consent for this number` };
  };

  const stepFor = (id, request) => {
    const mode = modes.get(id);
    if (mode === 'down') return { type: 'error', kind: 'provider-unavailable', code: 'outage', message: `${id}: scripted outage` };
    if (mode === 'ambiguous') {
      if (random() < AMBIGUOUS_SHARE) {
        ambiguousDeliveries.set(id, ambiguousDeliveries.get(id) + request.recipients.length);
        return { type: 'error', kind: 'outcome-unknown', code: 'answer-lost', delivered: true, message: `${id}: accepted, but the answer was lost` };
      }
    }
    const refusal = consentRefusal(id, request);
    if (refusal?.type === 'error') return refusal;
    const delay = profile.fakeLatencyMs > 0 ? { delayMs: profile.fakeLatencyMs } : {};
    return { ...(refusal ?? { type: 'accept' }), ...delay };
  };

  const fakes = ['message-center', 'mobildev'].map((id) => createFakeProvider({ id, script: ({ request }) => stepFor(id, request) }));
  const [messageCenter, mobildev] = fakes;
  const figensoft = createFigenSoftProvider({
    accounts: FAILOVER_ACCOUNTS.map((account) => ({
      username: account.username,
      password: account.password,
      smsIysMessageType: account.iysType,
      senderList: account.senders,
      customApiActive: true,
      customApiUrl: farEnd.url,
    })),
  });
  const routerSettings = {
    breaker: { resetTimeoutMs: profile.resetTimeoutMs },
    attemptTimeoutMs: profile.attemptTimeoutMs,
    unknownOutcome,
  };
  const router = createRouter({
    providers: [
      { provider: messageCenter, rank: 1 },
      { provider: mobildev, rank: 2 },
      { provider: figensoft, rank: 3 },
    ],
    ...routerSettings,
  });

  const breakerLog = [];
  const providerBugs = [];
  let origin = now();
  router.on('breaker', (event) => breakerLog.push({ ...event, at: now() - origin }));
  router.on('provider-bug', (event) => providerBugs.push({ providerId: event.providerId, error: String(event.error) }));

  return {
    router,
    routerSettings,
    farEnd,
    fakes,
    figensoft,
    breakerLog,
    providerBugs,
    /** Times in the log are relative to this moment. */
    setOrigin(at) {
      origin = at;
    },
    setMode(id, mode) {
      if (!modes.has(id)) throw new Error(`no scripted provider "${id}"`);
      modes.set(id, mode);
    },
    ambiguousDeliveries: () => Object.fromEntries(ambiguousDeliveries),
    async close() {
      await router.close();
      await figensoft.close();
      await Promise.all(fakes.map((fake) => fake.close()));
    },
  };
}

// ---------------------------------------------------------------------------
// The stream: a steady rate of unique messages, each with a deadline

const STATUSES = new Set(['accepted', 'rejected', 'failed', 'unknown']);

/**
 * Sends `ratePerSecond` messages a second (singles and the odd batch) until
 * stopped. Each message is unique by (to, text), so the providers' records tell
 * exactly who got what.
 */
class MessageStream {
  constructor({ router, ratePerSecond, iysType, tag, batchEvery, batchSize, origin }) {
    Object.assign(this, { router, ratePerSecond, iysType, tag, batchEvery, batchSize, origin });
    this.entries = [];
    this.inFlight = new Set();
    this.units = 0;
    this.errors = [];
  }

  start() {
    this.startedAt = now();
    this.timer = setInterval(() => this.tick(), 5);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  tick() {
    const due = Math.floor(((now() - this.startedAt) * this.ratePerSecond) / 1000) - this.entries.length;
    // A stalled event loop catches up over several ticks rather than in one burst.
    let budget = Math.min(due, Math.max(1, Math.ceil(this.ratePerSecond / 20)));
    while (budget > 0) {
      this.units += 1;
      // A batch may overdraw this tick's budget; the next ticks make up for it.
      const size = this.batchEvery > 0 && this.units % this.batchEvery === 0 ? this.batchSize : 1;
      if (size > 1) this.sendBatch(size);
      else this.sendOne();
      budget -= size;
    }
  }

  nextEntry(text) {
    const seq = this.entries.length;
    const to =
      this.iysType === 'CAMPAIGN' ? (lacksConsentAt(seq) ? unconsentedNumber(seq) : consentedNumber(seq)) : `+90532${String(seq % 10_000_000).padStart(7, '0')}`;
    const entry = { seq, to, text: text ?? `Rota ${this.tag} ${seq}`, iysType: this.iysType, via: 'send', startedAt: now() - this.origin };
    this.entries.push(entry);
    return entry;
  }

  sendOne() {
    const entry = this.nextEntry();
    const pending = this.router.send({ to: entry.to, text: entry.text, iysType: entry.iysType }).then(
      (result) => settle(entry, result, this.origin),
      (error) => fail(entry, error, this.origin),
    );
    this.track(pending);
  }

  sendBatch(size) {
    const text = `Rota ${this.tag} batch ${this.entries.length}`;
    const entries = Array.from({ length: size }, () => this.nextEntry(text));
    for (const entry of entries) entry.via = 'batch';
    const pending = this.router.sendBatch(entries.map((e) => ({ to: e.to, text: e.text, iysType: e.iysType }))).then(
      (results) => {
        if (!Array.isArray(results) || results.length !== entries.length) {
          for (const entry of entries) fail(entry, new Error(`sendBatch answered ${Array.isArray(results) ? results.length : 'no'} results for ${entries.length} messages`), this.origin);
          return;
        }
        entries.forEach((entry, i) => settle(entry, results[i], this.origin));
      },
      (error) => {
        for (const entry of entries) fail(entry, error, this.origin);
      },
    );
    this.track(pending);
  }

  track(pending) {
    this.inFlight.add(pending);
    void pending.finally(() => this.inFlight.delete(pending));
  }

  /** Waits for every send to settle, at most `deadlineMs` past the last one started. */
  async drain(deadlineMs) {
    let timer;
    const deadline = new Promise((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    await Promise.race([Promise.all([...this.inFlight]), deadline]);
    clearTimeout(timer);
  }
}

function settle(entry, result, origin) {
  entry.endedAt = now() - origin;
  if (entry.result !== undefined || entry.error !== undefined) {
    entry.extraResults = (entry.extraResults ?? 0) + 1;
    return;
  }
  if (!result || !STATUSES.has(result.status)) {
    entry.error = `not a result: ${JSON.stringify(result)?.slice(0, 200)}`;
    return;
  }
  if (result.to !== undefined && result.to !== entry.to) {
    entry.error = `result for ${result.to} answered to the message for ${entry.to}`;
    return;
  }
  entry.result = result;
}

function fail(entry, error, origin) {
  entry.endedAt = now() - origin;
  entry.error = `threw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
}

// ---------------------------------------------------------------------------
// Running a scenario

/**
 * Plays `scenario` against a fresh world and returns its report. The far end
 * is reset first (faults cleared, records forgotten, credit restored, running).
 */
export async function runScenario(scenario, { farEnd, profile, createFakeProvider }) {
  await farEnd.reset();
  const world = createWorld({ farEnd, profile, createFakeProvider, unknownOutcome: scenario.unknownOutcome ?? 'stop' });
  const origin = now();
  world.setOrigin(origin);
  const marks = [];
  const stream = new MessageStream({
    router: world.router,
    ratePerSecond: profile.ratePerSecond,
    iysType: scenario.iysType ?? 'NOTIFICATION',
    tag: `${scenario.id}-${Math.round(origin)}`,
    batchEvery: profile.batchEvery,
    batchSize: profile.batchSize,
    origin,
  });
  let extras = {};
  // Latency outliers on a shared machine are often this process not being scheduled: measure it.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  try {
    if (scenario.before) await scenario.before(world);
    stream.start();
    for (const step of scenario.steps) {
      await sleep(step.atMs - (now() - origin));
      // A fault counts from before its action, a recovery from when its action is done
      // (a restarted process is back once it listens): neither flatters the times measured.
      const before = now() - origin;
      await step.run(world);
      const at = step.kind === 'recovery' ? now() - origin : before;
      if (step.kind) marks.push({ kind: step.kind, label: step.label, at, expect: step.expect, limitMs: step.limitMs });
    }
    await sleep(scenario.durationMs - (now() - origin));
    stream.stop();
    await stream.drain(profile.sendDeadlineMs);
    if (scenario.verify) extras = await scenario.verify(world, stream.entries, profile);
    const truth = await groundTruth(world);
    loopDelay.disable();
    const eventLoopDelayMs = { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
    return buildReport({ scenario, profile, world, stream, marks, truth, extras, eventLoopDelayMs, durationMs: now() - origin });
  } finally {
    loopDelay.disable();
    stream.stop();
    await world.close();
  }
}

/** Every (to, text) any provider accepted: the fakes' delivery logs and the sandbox's records. */
async function groundTruth(world) {
  const deliveries = [];
  for (const fake of world.fakes) {
    for (const a of fake.accepted) deliveries.push({ providerId: fake.id, to: a.to, text: a.text, id: a.providerMessageId });
  }
  for (const r of await world.farEnd.records()) {
    deliveries.push({ providerId: 'figensoft', to: `+${r.receiver}`, text: r.text, id: r.messageId });
  }
  return deliveries;
}

const pairKey = (to, text) => `${to}\u0000${text}`;

function buildReport({ scenario, profile, world, stream, marks, truth, extras, eventLoopDelayMs, durationMs }) {
  const entries = stream.entries;
  const results = { accepted: 0, rejected: 0, failed: 0, unknown: 0 };
  const acceptedBy = {};
  const unknownBy = {};
  let unknownUnnamed = 0;
  let late = 0;
  const lostSamples = [];
  let lost = 0;
  let extraResults = 0;
  const latencies = [];

  for (const entry of entries) {
    extraResults += entry.extraResults ?? 0;
    if (entry.result === undefined) {
      lost += 1;
      if (lostSamples.length < 5) lostSamples.push(entry.error ?? `no result after ${profile.sendDeadlineMs} ms (hung)`);
      continue;
    }
    const r = entry.result;
    results[r.status] += 1;
    const duration = entry.endedAt - entry.startedAt;
    latencies.push(duration);
    if (duration > profile.sendDeadlineMs) late += 1;
    if (r.status === 'accepted') acceptedBy[r.providerId] = (acceptedBy[r.providerId] ?? 0) + 1;
    if (r.status === 'unknown') {
      if (!r.providerId || !r.accountId) unknownUnnamed += 1;
      else unknownBy[r.providerId] = (unknownBy[r.providerId] ?? 0) + 1;
    }
  }
  latencies.sort((a, b) => a - b);

  // Reconciliation with the providers' records:
  // - accepted: recorded by the provider and under the id the result names;
  // - failed: recorded nowhere (a failed message is one that was not sent, and a
  //   client may send it again);
  // - any other delivery may only sit where the result admits one may be: at
  //   the provider an `unknown` result names, or at a provider whose attempt in
  //   the trail ended unknown (the `failover` policy went on after it).
  const deliveriesByPair = new Map();
  for (const d of truth) {
    const key = pairKey(d.to, d.text);
    const list = deliveriesByPair.get(key);
    if (list) list.push(d);
    else deliveriesByPair.set(key, [d]);
  }
  const mismatches = [];
  const mismatch = (kind, entry, detail) => {
    mismatches.push({ kind, seq: entry?.seq, detail });
  };
  const sentPairs = new Set();
  for (const entry of entries) {
    const key = pairKey(entry.to, entry.text);
    sentPairs.add(key);
    const r = entry.result;
    if (!r) continue;
    const deliveries = deliveriesByPair.get(key) ?? [];
    const ambiguousAt = new Set(r.attempts.filter((a) => a.outcome === 'unknown').map((a) => a.providerId));
    if (r.status === 'accepted' && !deliveries.some((d) => d.providerId === r.providerId && d.id === r.providerMessageId)) {
      mismatch('accepted-but-not-recorded', entry, `${r.providerId} ${r.providerMessageId}`);
    }
    for (const d of deliveries) {
      const named = r.status === 'accepted' && d.providerId === r.providerId && d.id === r.providerMessageId;
      const admitted = r.status === 'unknown' ? d.providerId === r.providerId || ambiguousAt.has(d.providerId) : r.status !== 'failed' && ambiguousAt.has(d.providerId);
      if (!named && !admitted) mismatch(`${r.status}-but-delivered`, entry, `delivered by ${d.providerId} (${d.id})`);
    }
  }
  for (const [key, list] of deliveriesByPair) {
    if (!sentPairs.has(key)) mismatch('delivered-but-never-sent', undefined, `${list.length} delivery(ies) at ${list.map((d) => d.providerId).join(', ')}`);
  }

  let duplicatePairs = 0;
  let extraDeliveries = 0;
  const duplicatesAt = {};
  for (const list of deliveriesByPair.values()) {
    if (list.length < 2) continue;
    duplicatePairs += 1;
    extraDeliveries += list.length - 1;
    const where = [...new Set(list.map((d) => d.providerId))].join('+');
    duplicatesAt[where] = (duplicatesAt[where] ?? 0) + 1;
  }

  const transitions = marks.map((mark) => {
    const base = { kind: mark.kind, label: mark.label, at: mark.at, provider: mark.expect, limitMs: mark.limitMs };
    if (mark.expect) {
      let first;
      for (const entry of entries) {
        const r = entry.result;
        if (r?.status === 'accepted' && r.providerId === mark.expect && entry.endedAt >= mark.at && (first === undefined || entry.endedAt < first)) first = entry.endedAt;
      }
      return { ...base, ms: first === undefined ? null : first - mark.at };
    }
    // The last rank failed: no next rank to measure; how long until its breaker cut it off instead.
    const open = world.breakerLog.find((e) => e.providerId === 'figensoft' && e.state === 'open' && e.at >= mark.at);
    return { ...base, breakerOpenMs: open ? open.at - mark.at : null };
  });

  return {
    id: scenario.id,
    name: scenario.name,
    unknownOutcome: scenario.unknownOutcome ?? 'stop',
    iysType: scenario.iysType ?? 'NOTIFICATION',
    profile: profile.name,
    settings: {
      ratePerSecond: profile.ratePerSecond,
      resetTimeoutMs: profile.resetTimeoutMs,
      attemptTimeoutMs: profile.attemptTimeoutMs,
      sendDeadlineMs: profile.sendDeadlineMs,
    },
    durationMs,
    sent: entries.length,
    viaBatch: entries.filter((e) => e.via === 'batch').length,
    results,
    acceptedBy,
    unknownBy,
    unknownUnnamed,
    lost,
    lostSamples,
    late,
    extraResults,
    duplicates: { pairs: duplicatePairs, extraDeliveries, at: duplicatesAt },
    ambiguousDeliveries: world.ambiguousDeliveries(),
    mismatches: mismatches.length,
    mismatchSamples: mismatches.slice(0, 5),
    transitions,
    breakerEvents: world.breakerLog.map((e) => ({ providerId: e.providerId, accountId: e.accountId, state: e.state, at: Math.round(e.at) })),
    providerBugs: world.providerBugs.length,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) },
    eventLoopDelayMs,
    extras,
    entries,
  };
}

// ---------------------------------------------------------------------------
// The process itself (promise 3): nothing may reject unhandled or throw uncaught

/** Counts unhandled rejections and uncaught exceptions until `stop()`. */
export function watchProcess() {
  const counts = { unhandledRejections: 0, uncaughtExceptions: 0, samples: [] };
  const onRejection = (reason) => {
    counts.unhandledRejections += 1;
    if (counts.samples.length < 5) counts.samples.push(String(reason));
  };
  const onException = (error) => {
    counts.uncaughtExceptions += 1;
    if (counts.samples.length < 5) counts.samples.push(String(error));
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtExceptionMonitor', onException);
  return {
    counts,
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtExceptionMonitor', onException);
    },
  };
}
