import { ProviderError, segmentsProblem, type Message, type MessageField, type RecipientReceipt, type SendRequest, type SendResponse, type Selection, type TextAnalysis } from '@rota/provider';
import { failIfNoneTaken, NoneTaken, splitNotTaken } from './not-taken.js';
import { asSentBy } from './sent-encoding.js';
import { asBreakerError, isBreakerRefusal } from './account-breaker.js';
import { ROUTER_CLOSED, type DeadlineSignals } from './deadline-signals.js';
import { withoutEchoes } from './echo-scrub.js';
import { callProvider } from './provider-call.js';
import type { ProviderSlot } from './provider-slot.js';
import { RetriesEnded, retryAfterFailure, worthRetrying } from './retry.js';
import { RouteClosed, type RouteWatch } from './route-watch.js';
import type { RouterEventBus } from './router-events.js';
import type { Attempt, AttemptTarget, RouteOptions, SendResult, UnknownOutcomePolicy } from './router-types.js';

/**
 * The recipients of a group as two parallel lists — their numbers, and where
 * each stood in the caller's input — rather than an object per recipient: a
 * bulk send may name 100,000, and the numbers go to a provider as they are.
 */
export interface Recipients {
  to: readonly string[];
  /** `index[i]` is the position of `to[i]` in the caller's input. */
  index: readonly number[];
}

export interface WalkContext {
  events: RouterEventBus;
  unknownOutcome(iysType: Message['iysType']): UnknownOutcomePolicy;
  /** Time limits for provider calls (see attemptTimeoutMs). */
  deadlines: DeadlineSignals;
  /** Bounds how many provider requests run at once (a batch or bulk send); absent for a single message. */
  limit?: <T>(task: () => Promise<T>) => Promise<T>;
  /** Called exactly once per recipient with its final result. */
  finish(index: number, result: SendResult): void;
  /** The caller's signal. */
  signal?: AbortSignal;
  /** Aborted when the router closes: no new provider is tried, retry waits end. */
  lifetime: AbortSignal;
  /** The caller's hook before every try (see RouteOptions.beforeAttempt). */
  beforeAttempt?: RouteOptions['beforeAttempt'];
  /** Whether the caller holds a recipient no route is open to (see RouteOptions.holdsWithoutRoute). */
  holdsWithoutRoute?: RouteOptions['holdsWithoutRoute'];
  /**
   * Why the router would not route through this provider's account now (switched off, taken out, its account gone
   * or its breaker forced open since a reload replaced the slot), or undefined: asked again after every wait.
   */
  routeClosedNow(providerId: string, accountId: string): string | undefined;
  /** Watches a route for an operator closing it while a try waits (route-watch.ts). */
  watchRoute(providerId: string, accountId: string): RouteWatch;
  /** The slot the router routes through for this provider now, if any (a reload may have replaced the walk's). */
  slotNow(providerId: string): ProviderSlot | undefined;
  /** The providers switched off when the walk began, by rank: asked only at the end of a walk every provider refused. */
  switchedOff: readonly ProviderSlot[];
}

/** The caller's beforeAttempt refused: nothing was sent. Not an Error: control flow, like RetriesEnded. */
class NotAttempted {
  /** `final`: no later try could be made either (validUntil passed): not held back for the caller to queue again. */
  constructor(
    readonly cause: unknown,
    readonly final = false,
  ) {}
}

/** A hook's refusal that is its route closing (it threw routeClosing's reason): told as the route's close, and the unit walks on. */
function asRouteClosed(thrown: unknown): unknown {
  return thrown instanceof NotAttempted && thrown.cause instanceof RouteClosed ? thrown.cause : thrown;
}

/** A try's end that is no provider's failure (not for the breaker, the retries or the trail as one): handled apart. */
function notAFailure(thrown: unknown): boolean {
  return thrown instanceof NotAttempted || thrown instanceof NoneTaken || thrown instanceof RouteClosed;
}

/** Recipients that travel down the ranks together, with the trail they share so far. */
interface Unit {
  recipients: Recipients;
  attempts: Attempt[];
  /**
   * What the last ambiguous attempt may have sent: its provider and account,
   * the text as that provider encodes it (what it would bill), and the ids it
   * knows these recipients by, by their index in the call, when its request
   * named them (Infobip). Under `failover` the walk goes on, and an `unknown`
   * it ends in still carries them.
   */
  maybeSentAs?: { providerId: string; accountId: string; analysis: TextAnalysis; ids?: ReadonlyMap<number, string> };
}

/** A part of a unit that walks on its own: its recipients, the trail so far, and what may have been sent as what. */
function partOf(unit: Unit, recipients: Recipients): Unit {
  return { recipients, attempts: [...unit.attempts], ...(unit.maybeSentAs ? { maybeSentAs: unit.maybeSentAs } : {}) };
}

/**
 * Walks the providers in rank order for recipients that share one text (one
 * message, or one group of a batch). Each provider is asked in chunks of its
 * batch size; a chunk that a provider cannot take moves on down the ranks on
 * its own, so one failing chunk never re-sends recipients another chunk
 * already delivered.
 */
export function routeGroup(ctx: WalkContext, slots: readonly ProviderSlot[], template: Message, recipients: Recipients): Promise<void> {
  return walk(ctx, slots, template, { recipients, attempts: [] }, 0);
}

async function walk(ctx: WalkContext, slots: readonly ProviderSlot[], template: Message, unit: Unit, from: number): Promise<void> {
  for (let position = from; position < slots.length; position++) {
    if (ctx.signal?.aborted) return fail(ctx, unit, 'aborted by the caller before any provider accepted it');
    if (ctx.lifetime.aborted) return fail(ctx, unit, 'the router closed before any provider accepted it', unit.attempts.every((attempt) => attempt.tries === 0));
    // Validation is clock-free (a retried request must get its first answer); the clock is asked here, before each
    // provider: an OTP sent after its validity would reach a user who can no longer use it.
    if (template.validUntil !== undefined && template.validUntil.getTime() <= Date.now()) {
      return fail(ctx, unit, `not sent: validUntil (${template.validUntil.toISOString()}) passed before any provider accepted it`);
    }
    let slot = slots[position]!;
    if (!slot.enabled) {
      // Switched off while this message was on its way, or replaced by a reload (new settings): then its replacement.
      const replacement = ctx.slotNow(slot.id);
      if (!replacement) continue;
      slot = replacement;
    }
    if (slot.provider.capabilities.turkishNumbersOnly) {
      const abroad = recipientsAbroad(unit.recipients);
      if (abroad) {
        // Those numbers go on down the ranks on their own, past this provider; the Turkish ones (if any) stay here.
        const passedOn = partOf(unit, abroad.abroad);
        skip(ctx, slot, passedOn, undefined, `${slot.id} takes Turkish numbers (+90) only`, 'to');
        const home: Promise<void>[] = abroad.home.to.length > 0 ? [walk(ctx, slots, template, partOf(unit, abroad.home), position)] : [];
        await Promise.all([...home, walk(ctx, slots, template, passedOn, position + 1)]);
        return;
      }
    }

    const route = routeThrough(ctx, slot, template);
    if (!route.eligible) {
      skip(ctx, slot, unit, route.accountId, route.reason, route.field);
      continue;
    }
    const { selection, sent } = route;
    const breaker = slot.breakerFor(selection.accountId);
    if (breaker.refusing) {
      skipClosedRoute(ctx, slot, unit, selection.accountId, `circuit breaker ${breaker.state}`);
      continue;
    }

    const chunkSize = slot.provider.capabilities.maxRecipientsPerRequest;
    const { to, index } = unit.recipients;
    if (to.length > chunkSize) {
      const chunks: Unit[] = [];
      for (let start = 0; start < to.length; start += chunkSize) {
        const end = start + chunkSize;
        chunks.push(partOf(unit, { to: to.slice(start, end), index: index.slice(start, end) }));
      }
      await Promise.all(chunks.map((chunk) => walk(ctx, slots, template, chunk, position)));
      return;
    }

    slot.enter();
    let movedOn: boolean | Unit[];
    try {
      movedOn = await (ctx.limit ? ctx.limit(() => attempt(ctx, slot, selection, sent, unit)) : attempt(ctx, slot, selection, sent, unit));
    } finally {
      slot.leave();
    }
    if (movedOn === false) return;
    if (movedOn !== true) {
      // The provider took some recipients and not the others, for its own side's reasons: those walk on down the ranks.
      await Promise.all(movedOn.map((part) => walk(ctx, slots, template, part, position + 1)));
      return;
    }
  }
  noteSwitchedOffRoutes(ctx, template, unit);
  fail(ctx, unit);
}

/**
 * A walk every provider turned down without a try, none of them for a closed
 * route, where a provider switched off could carry the message: that route is
 * closed, not absent — the operator may switch it back on (a CAMPAIGN while
 * the one consent-checked provider is off for maintenance). Its skip in the
 * trail says so, and makes the failure `noRoute`, so a queue holds the message
 * rather than failing it for good. Asked only here, never on a send that finds
 * a route.
 */
function noteSwitchedOffRoutes(ctx: WalkContext, template: Message, unit: Unit): void {
  if (ctx.switchedOff.length === 0 || unit.attempts.length === 0) return;
  if (unit.attempts.some((attempt) => attempt.outcome !== 'skipped' || closedRouteSkips.has(attempt))) return;
  for (const slot of ctx.switchedOff) {
    if (slot.provider.capabilities.turkishNumbersOnly && recipientsAbroad(unit.recipients)) continue;
    const route = routeThrough(ctx, slot, template);
    if (route.eligible) skipClosedRoute(ctx, slot, unit, route.selection.accountId, `${slot.id} is switched off`);
  }
}

/** The recipients that are not Turkish numbers, and the others; undefined when every one is Turkish (the common case). */
function recipientsAbroad(recipients: Recipients): { home: Recipients; abroad: Recipients } | undefined {
  const { to, index } = recipients;
  if (to.every((number) => number.startsWith('+90'))) return undefined;
  const home: Recipients = { to: [], index: [] };
  const abroad: Recipients = { to: [], index: [] };
  for (let i = 0; i < to.length; i++) {
    const side = to[i]!.startsWith('+90') ? home : abroad;
    (side.to as string[]).push(to[i]!);
    (side.index as number[]).push(index[i]!);
  }
  return { home, abroad };
}

type Route =
  | { eligible: true; selection: Extract<Selection, { eligible: true }>; sent: Message }
  | { eligible: false; reason: string; field?: MessageField; accountId?: string };

/**
 * The account a provider would send this text through, with the text as that
 * provider sends it, or why the provider cannot take it: what the walk asks of
 * each provider before its breaker, and what makes a switched-off provider a
 * route that may open.
 */
function routeThrough(ctx: WalkContext, slot: ProviderSlot, template: Message): Route {
  const sent = asSentBy(slot.provider.capabilities, template);
  const selection = selectAccount(ctx, slot, sent);
  if (!selection.eligible) return selection;
  // As UCS-2 a text can need more segments than validation held it to (ten in the shift table are 23 as UCS-2).
  // Asked of a provider that would take the message otherwise: its refusal names the text only then.
  const tooLong = sent === template ? undefined : segmentsProblem(sent.analysis);
  if (tooLong) {
    return { eligible: false, accountId: selection.accountId, field: 'text', reason: `${slot.id} sends this text as UCS-2 (it has no Turkish shift tables), where it ${tooLong}` };
  }
  return { eligible: true, selection, sent };
}

function selectAccount(ctx: WalkContext, slot: ProviderSlot, template: Message): Selection {
  let selection: Selection;
  try {
    selection = slot.provider.select(template);
  } catch (error) {
    ctx.events.emit('provider-bug', { providerId: slot.id, accountId: '', error });
    return { eligible: false, reason: 'select() failed (provider bug)' };
  }
  if (!selection.eligible) return selection;
  const campaignAccounts = slot.provider.campaignAccountIds;
  // The provider's own select should never pick such an account; a bug there must not put a commercial message past IYS.
  if (template.iysType === 'CAMPAIGN' && campaignAccounts !== undefined && !campaignAccounts.includes(selection.accountId)) {
    return {
      eligible: false,
      reason: `account ${selection.accountId} is not declared to have its CAMPAIGN traffic checked against IYS consent (campaignAccountIds); a CAMPAIGN message never goes through it`,
    };
  }
  const { capabilities } = slot.provider;
  if (!capabilities.encodings.includes(template.analysis.encoding)) {
    return { eligible: false, field: 'text', reason: `cannot send ${template.analysis.encoding} text` };
  }
  // A provider that cannot hold a message until sendAt would send a scheduled campaign at once.
  if (!capabilities.scheduling && template.sendAt !== undefined && template.sendAt.getTime() > Date.now()) {
    return { eligible: false, field: 'sendAt', reason: `cannot schedule: sendAt is in the future and ${slot.id} does not take scheduled messages` };
  }
  return selection;
}

/** Asks one provider; returns true when the unit must move on to the next rank, or the parts of it that must. */
async function attempt(
  ctx: WalkContext,
  slot: ProviderSlot,
  selection: Extract<Selection, { eligible: true }>,
  template: Message,
  unit: Unit,
): Promise<boolean | Unit[]> {
  const request: SendRequest = {
    accountId: selection.accountId,
    sender: selection.sender,
    text: template.text,
    analysis: template.analysis,
    iysType: template.iysType,
    recipientType: template.recipientType,
    recipients: unit.recipients.to,
    otp: template.otp,
    sendAt: template.sendAt,
    validUntil: template.validUntil,
  };
  const breaker = slot.breakerFor(selection.accountId);
  // Tries that reached the provider, and the last provider error: a breaker that opens
  // between retries refuses the next try, and the trail must still show the tries made.
  let tries = 0;
  let providerError: unknown;
  // The first try's start: the retry deadline and the attempt's duration count from it, not from the caller's
  // hook before it (a throttle sitting out a Retry-After would otherwise eat the retries' time).
  let firstTryAt: number | undefined;
  const call = (): Promise<SendResponse> => {
    tries += 1;
    firstTryAt ??= performance.now();
    return callProvider(slot.provider, request, ctx.deadlines, ctx.signal).then((response) => failIfNoneTaken(request, response));
  };
  // Watched only by a wait that asks (the caller's hook when it has to wait, a retry's backoff): most tries never do.
  let watch: RouteWatch | undefined;
  const routeClosing = (): AbortSignal => (watch ??= ctx.watchRoute(slot.id, selection.accountId)).signal;
  try {
    // Without a hook a try is the breaker's call alone (and failIfNoneTaken's look at the receipts).
    const before = ctx.beforeAttempt;
    const target: AttemptTarget | undefined = before
      ? {
          providerId: slot.id,
          accountId: selection.accountId,
          index: unit.recipients.index,
          get routeClosing() {
            return routeClosing();
          },
        }
      : undefined;
    // A router that closed while this try waited (the caller's hook, a batch's turn) has shut its
    // breakers: the try is never made, and that is no provider's failure (nor a provider bug).
    const closedBeforeTry = () => new NotAttempted(new Error('the router closed before this try was made'));
    // Asked again before every try: a retry's wait, a batch's turn or the caller's throttle may outlast the validity.
    const { validUntil } = template;
    const expiredBeforeTry = () =>
      validUntil !== undefined && validUntil.getTime() <= Date.now() ? new NotAttempted(new Error(`validUntil (${validUntil.toISOString()}) passed before any provider accepted it`), true) : undefined;
    // An operator's switch, asked again before every try: a try that waited (the caller's throttle, a batch's turn, a
    // retry's backoff) went out through a provider switched off seconds or minutes before.
    const routeClosed = () => {
      const why = ctx.routeClosedNow(slot.id, selection.accountId);
      return why === undefined ? undefined : new RouteClosed(why);
    };
    const fire: () => Promise<SendResponse> = before
      ? async () => {
          try {
            await before(target!);
          } catch (error) {
            throw new NotAttempted(error);
          }
          if (ctx.lifetime.aborted) throw closedBeforeTry();
          const refused = expiredBeforeTry() ?? routeClosed();
          if (refused) throw refused;
          return breaker.fire(call);
        }
      : () => {
          if (ctx.lifetime.aborted) return Promise.reject(closedBeforeTry());
          const refused = expiredBeforeTry() ?? routeClosed();
          return refused ? Promise.reject(refused) : breaker.fire(call);
        };
    const noteFailure = (thrown: unknown): unknown => {
      const error = asBreakerError(thrown);
      if (!isBreakerRefusal(error)) providerError = error;
      // Told at once, not with the attempt: a retry that then succeeds must still slow the account for everyone.
      if (error instanceof ProviderError && error.retryAfterMs !== undefined && ctx.events.has('retry-after')) {
        ctx.events.emit('retry-after', { providerId: slot.id, accountId: selection.accountId, retryAfterMs: error.retryAfterMs });
      }
      return error;
    };
    const startedAt = performance.now();
    let response: SendResponse;
    try {
      try {
        response = await fire();
      } catch (thrown) {
        if (notAFailure(thrown)) throw thrown;
        const first = noteFailure(thrown);
        if (!worthRetrying(first, slot.retrySettings)) throw new RetriesEnded(first, tries);
        // The waits between tries end when the caller aborts, the router closes or the route closes; a try under way does not.
        const stops = [ctx.signal, ctx.lifetime, routeClosing()];
        ({ value: response } = await retryAfterFailure(first, () => fire().catch((e) => Promise.reject(notAFailure(e) ? e : noteFailure(e))), slot.retrySettings, firstTryAt ?? startedAt, stops));
      }
      checkReceipts(request, response);
    } catch (caught) {
      // Retries ended by the route closing during a wait before a try (a Retry-After, a backoff): told as the close,
      // after the tries made. A try under way is never cut short by it: its answer stands.
      const ended = caught instanceof RetriesEnded ? (caught.cutShortBy instanceof RouteClosed ? caught.cutShortBy : caught.error) : asRouteClosed(caught);
      // The provider answered, taking none and leaving some for the next rank: its breaker counted a failure; its receipts stand.
      if (ended instanceof NoneTaken) return afterReceipts(ctx, slot, selection.accountId, template, unit, ended.response, tries, performance.now() - (firstTryAt ?? startedAt));
      const durationMs = performance.now() - (firstTryAt ?? startedAt);
      if (unwrittenAtClose(ended, ctx.lifetime)) {
        // The router closed while this try waited for a connection, and the provider says its request
        // never left: as a try never made, so a dispatcher stopping puts the message back in its queue.
        tries -= 1;
        if (tries > 0) {
          const last = toProviderError(ctx, slot, selection.accountId, providerError);
          record(ctx, slot, unit, { providerId: slot.id, accountId: selection.accountId, errorKind: last.kind, code: last.code, reason: withoutEchoes(last.message, template), tries, durationMs, outcome: 'failed' }, true);
        }
        fail(ctx, unit, 'not sent: the router closed before its request was written', tries === 0 && unit.attempts.every((attempt) => attempt.tries === 0));
        return false;
      }
      if (ended instanceof NotAttempted) {
        // The caller could not record or allow the try: never send what it cannot account for.
        const cause = ended.cause instanceof Error ? ended.cause.message : String(ended.cause);
        // The caller's reason may say so already (the ledger's do): "not sent: not sent: …" was read twice.
        const why = cause.replace(/^not sent: /, '');
        if (tries > 0) {
          const last = toProviderError(ctx, slot, selection.accountId, providerError);
          record(ctx, slot, unit, { providerId: slot.id, accountId: selection.accountId, errorKind: last.kind, code: last.code, reason: withoutEchoes(last.message, template), tries, durationMs, outcome: last.kind === 'outcome-unknown' ? 'unknown' : 'failed' }, true);
        }
        fail(ctx, unit, `not sent: ${why}`, !ended.final && tries === 0 && unit.attempts.every((attempt) => attempt.tries === 0));
        return false;
      }
      if (isBreakerRefusal(ended) || ended instanceof RouteClosed) {
        // The breaker opened, or the route closed (an operator's switch or force, a reload), while this unit waited its
        // turn or between its retries: the refused try was never made, and the unit walks on.
        const why = ended instanceof RouteClosed ? ended.why : 'its circuit breaker opened';
        if (tries === 0) {
          skipClosedRoute(ctx, slot, unit, selection.accountId, ended instanceof RouteClosed ? `${why} while this message waited its turn` : (ended as ProviderError).message);
          return true;
        }
        const last = toProviderError(ctx, slot, selection.accountId, providerError);
        const reworded = new ProviderError(last.kind, `${last.message}; then ${why}`, { code: last.code, retryAfterMs: last.retryAfterMs });
        return afterFailure(ctx, slot, selection.accountId, template, unit, reworded, tries, durationMs);
      }
      return afterFailure(ctx, slot, selection.accountId, template, unit, toProviderError(ctx, slot, selection.accountId, ended), tries, durationMs);
    }

    return afterReceipts(ctx, slot, selection.accountId, template, unit, response, tries, performance.now() - (firstTryAt ?? startedAt));
  } finally {
    watch?.stop();
  }
}

/**
 * A provider's answer, recipient by recipient: each accepted or rejected one finished here, and
 * those it did not take (its account's credit or sender, a route) as parts that walk on to the
 * next rank, one a reason, each with a failed attempt in its trail. Returns those parts, or false.
 */
function afterReceipts(ctx: WalkContext, slot: ProviderSlot, accountId: string, template: Message, unit: Unit, response: SendResponse, tries: number, durationMs: number): false | Unit[] {
  const accepted: Attempt = { providerId: slot.id, accountId, outcome: 'accepted', tries, durationMs };
  const rejected = countRejected(response);
  const split = splitNotTaken(unit.recipients, response);
  if (!split) {
    // The common case: the provider took every recipient.
    unit.attempts.push(accepted);
    tellTaken(ctx, slot, unit.recipients.to.length, rejected, accepted, false);
    finishTaken(ctx, slot.id, accountId, template, unit, response, accepted);
    return false;
  }
  // Each part copies the trail before this request's entry for the taken ones is added to it.
  const parts = split.notTaken.map(({ recipients, code, reason }) => ({
    part: partOf(unit, recipients),
    entry: { providerId: slot.id, accountId, errorKind: 'provider-unavailable', code, reason: `${slot.id} did not take the recipient: ${withoutEchoes(reason, template)}`, tries, durationMs, outcome: 'failed' } satisfies Attempt,
  }));
  // One provider request, told once as a request however many outcomes its recipients had: as accepted when
  // it accepted any, else as failed — what its breaker counted (NoneTaken), unless all was left for the request's
  // sake — the others `sameRequest`.
  const taken = split.taken.to.length;
  const anyAccepted = taken > rejected;
  if (taken > 0) unit.attempts.push(accepted);
  if (anyAccepted) tellTaken(ctx, slot, taken, rejected, accepted, false);
  parts.forEach(({ part, entry }, i) => record(ctx, slot, part, entry, true, anyAccepted || i > 0));
  if (!anyAccepted) tellTaken(ctx, slot, taken, rejected, accepted, true);
  finishTaken(ctx, slot.id, accountId, template, unit, response, accepted);
  return parts.map(({ part }) => part);
}

function countRejected(response: SendResponse): number {
  let rejected = 0;
  for (const receipt of response.receipts) if (receipt.status === 'rejected') rejected += 1;
  return rejected;
}

/**
 * Tells the recipients a request took (`taken`, of which `rejected` were refused one by one) as
 * `accepted` and as `rejected`, so that counts per outcome are counts of messages: the trail's one
 * entry for the request (`accepted`) is not also the count of those it refused. The first told is
 * the request, unless `told` already.
 */
function tellTaken(ctx: WalkContext, slot: ProviderSlot, taken: number, rejected: number, accepted: Attempt, told: boolean): void {
  if (taken > rejected) {
    tell(ctx, slot, taken - rejected, accepted, true, told);
    told = true;
  }
  if (rejected > 0) {
    const entry: Attempt = { ...accepted, outcome: 'rejected', errorKind: 'message-rejected', reason: `${slot.id} refused these recipients one by one (each result says why)` };
    tell(ctx, slot, rejected, entry, true, told);
  }
}

/**
 * Finishes each recipient the answer accepted or rejected. A rejection after an earlier provider's
 * unknown outcome (walked on under `failover`) is `unknown`, not `rejected`: that provider may
 * have sent it, and a final refusal would invite sending it again.
 */
function finishTaken(ctx: WalkContext, providerId: string, accountId: string, template: Message, unit: Unit, response: SendResponse, accepted: Attempt): void {
  const { to, index } = unit.recipients;
  // As finishAsMaybeSent reads an unknown attempt: one that names its account.
  const ambiguous = unit.attempts.some((a) => a.outcome === 'unknown' && a.accountId !== undefined);
  let maybeSent: { to: string[]; index: number[] } | undefined;
  for (let i = 0; i < to.length; i++) {
    const receipt = response.receipts[i]!;
    if (receipt.status === 'not-taken') continue;
    if (receipt.status === 'rejected' && ambiguous) {
      maybeSent ??= { to: [], index: [] };
      maybeSent.to.push(to[i]!);
      maybeSent.index.push(index[i]!);
      continue;
    }
    finishWithReceipt(ctx, providerId, accountId, template, index[i]!, to[i]!, receipt, accepted, unit.attempts);
  }
  if (!maybeSent) return;
  const part = partOf(unit, maybeSent);
  part.attempts = part.attempts.map((a) => (a === accepted ? { ...accepted, outcome: 'rejected' } : a));
  finishAsMaybeSent(ctx, part, `${providerId} then refused it`);
}

function afterFailure(
  ctx: WalkContext,
  slot: ProviderSlot,
  accountId: string,
  template: Message,
  unit: Unit,
  error: ProviderError,
  tries: number,
  durationMs: number,
): boolean {
  // The provider's words, without the message's text if they quote it back.
  const said = withoutEchoes(error.message, template);
  const base: Omit<Attempt, 'outcome'> = { providerId: slot.id, accountId, errorKind: error.kind, code: error.code, reason: said, tries, durationMs };
  if (error.retryAfterMs !== undefined) base.retryAfterMs = error.retryAfterMs;
  switch (error.kind) {
    case 'message-rejected': {
      record(ctx, slot, unit, { ...base, outcome: 'rejected' }, true);
      if (finishAsMaybeSent(ctx, unit, `${slot.id} then refused it: ${said}`)) return false;
      finishEach(ctx, unit, (to) => ({
        status: 'rejected',
        to,
        providerId: slot.id,
        reason: `${slot.id} refused the message: ${said}`,
        issues: [{ path: '(message)', reason: said }],
        attempts: unit.attempts,
      }));
      return false;
    }
    case 'outcome-unknown': {
      record(ctx, slot, unit, { ...base, outcome: 'unknown' }, true);
      // Ids the provider knows these messages by, if the request named them: a later report settles the outcome.
      const ids = error.providerMessageIds?.length === unit.recipients.to.length ? error.providerMessageIds : undefined;
      unit.maybeSentAs = { providerId: slot.id, accountId, analysis: template.analysis, ...(ids ? { ids: new Map(unit.recipients.index.map((at, i) => [at, ids[i]!])) } : {}) };
      if (ctx.unknownOutcome(template.iysType) === 'failover') return true;
      finishUnknown(ctx, unit, slot.id, accountId, `${slot.id} may have accepted it: ${said}`);
      return false;
    }
    default:
      record(ctx, slot, unit, { ...base, outcome: 'failed' }, true);
      return true;
  }
}

function finishWithReceipt(
  ctx: WalkContext,
  providerId: string,
  accountId: string,
  template: Message,
  index: number,
  to: string,
  receipt: RecipientReceipt,
  accepted: Attempt,
  trail: Attempt[],
): void {
  if (receipt.status === 'accepted') {
    // One literal per shape, every field in it: this runs once per recipient, and a
    // property added after the literal (or a spread) costs another allocation each.
    const { encoding, shift } = template.analysis;
    const segments = receipt.segmentsBilled ?? template.analysis.segments;
    const providerMessageId = receipt.providerMessageId;
    const result: Extract<SendResult, { status: 'accepted' }> = shift
      ? { status: 'accepted', to, providerId, accountId, providerMessageId, encoding, shift, segments, attempts: trail }
      : { status: 'accepted', to, providerId, accountId, providerMessageId, encoding, segments, attempts: trail };
    if (receipt.simulated) result.simulated = true;
    ctx.finish(index, result);
    return;
  }
  // Refused for this recipient only (e.g. an invalid number): final for it, not for the others.
  const said = withoutEchoes(receipt.reason, template);
  const rejected: Attempt = { ...accepted, outcome: 'rejected', code: receipt.code, reason: said };
  ctx.finish(index, {
    status: 'rejected',
    to,
    providerId,
    reason: `${providerId} refused the recipient: ${said}`,
    issues: [{ path: 'to', reason: said }],
    attempts: trail.map((a) => (a === accepted ? rejected : a)),
  });
}

function skip(ctx: WalkContext, slot: ProviderSlot, unit: Unit, accountId: string | undefined, reason: string, field?: MessageField): Attempt {
  const entry: Attempt = { providerId: slot.id, outcome: 'skipped', reason, tries: 0, durationMs: 0 };
  if (accountId !== undefined) entry.accountId = accountId;
  if (field !== undefined) entry.field = field;
  record(ctx, slot, unit, entry, false);
  return entry;
}

/**
 * The skips of a route that was closed, not refused: an account behind an open
 * breaker, a provider switched off or taken out while the message waited, or
 * one switched off that could carry it (noteSwitchedOffRoutes).
 * A walk that asked nobody and met one of these may find a route later
 * (`noRoute`); one refused for good by each provider (a CAMPAIGN where no
 * account checks consent) may not.
 */
const closedRouteSkips = new WeakSet<Attempt>();

function skipClosedRoute(ctx: WalkContext, slot: ProviderSlot, unit: Unit, accountId: string, reason: string): void {
  closedRouteSkips.add(skip(ctx, slot, unit, accountId, reason));
}

/** Adds an attempt to a unit's trail and tells the slot and the listeners; `sameRequest`: its request was told already (its latency too). */
function record(ctx: WalkContext, slot: ProviderSlot, unit: Unit, entry: Attempt, reachedProvider: boolean, sameRequest = false): void {
  unit.attempts.push(entry);
  tell(ctx, slot, unit.recipients.to.length, entry, reachedProvider, sameRequest);
}

/** Tells the slot and the listeners of an attempt for `recipients` messages (not added to a trail). */
function tell(ctx: WalkContext, slot: ProviderSlot, recipients: number, entry: Attempt, reachedProvider: boolean, sameRequest: boolean): void {
  slot.record(entry.outcome, recipients, entry.durationMs, reachedProvider && !sameRequest);
  if (!ctx.events.has('attempt')) return;
  ctx.events.emit('attempt', sameRequest ? { recipients, attempt: entry, sameRequest } : { recipients, attempt: entry });
}

/**
 * A call the router's close aborted whose provider says its request was never
 * written (a retryable verdict, reworded by the deadline with the close's
 * code): no provider was reached.
 */
function unwrittenAtClose(error: unknown, lifetime: AbortSignal): boolean {
  return lifetime.aborted && error instanceof ProviderError && error.code === ROUTER_CLOSED && error.kind === 'retryable';
}

/** `heldBack`: the caller's hook refused (or the router closed) before any provider was asked (see SendResult). */
function fail(ctx: WalkContext, unit: Unit, why?: string, heldBack = false): void {
  if (finishAsMaybeSent(ctx, unit, why)) return;
  if (why === undefined && finishAsRefusedByAll(ctx, unit)) return;
  const tried = unit.attempts.map((a) => `${a.providerId}: ${a.errorKind ?? a.outcome}${a.reason ? ` (${a.reason})` : ''}`);
  const reason = why ?? (tried.length === 0 ? 'no provider is enabled' : `no provider could send it — ${tried.join('; ')}`);
  // The walk ran to its end without asking anyone, and a closed route (or no provider enabled) stood in its way: a route may open.
  if (why === undefined && unit.attempts.every((a) => a.outcome === 'skipped') && (unit.attempts.length === 0 || unit.attempts.some((a) => closedRouteSkips.has(a)))) {
    const { index } = unit.recipients;
    finishEach(ctx, unit, (to, i) => ({ status: 'failed', to, reason, attempts: unit.attempts, noRoute: true, ...(ctx.holdsWithoutRoute?.(index[i]!) ? { heldBack: true as const } : {}) }));
    return;
  }
  finishEach(ctx, unit, (to) => ({ status: 'failed', to, reason, attempts: unit.attempts, ...(heldBack ? { heldBack: true as const } : {}) }));
}

/**
 * Under `failover` the walk goes on past an ambiguous attempt; if nothing
 * accepted the message after that, it may still have been sent there. That is
 * `unknown` — never `failed` (which means "not sent" and invites a resend), nor
 * `rejected` by a later provider (its refusal says nothing of the earlier one).
 * Returns false when no earlier attempt was ambiguous.
 */
function finishAsMaybeSent(ctx: WalkContext, unit: Unit, why?: string): boolean {
  const ambiguous = unit.attempts.filter((a): a is Attempt & { accountId: string } => a.outcome === 'unknown' && a.accountId !== undefined);
  const last = ambiguous.at(-1);
  if (!last) return false;
  const where = [...new Set(ambiguous.map((a) => a.providerId))].join(' and ');
  const reason = `${where} may have accepted it (${last.reason ?? last.code ?? 'outcome unknown'}); no provider accepted it after that${why ? ` (${why})` : ''}`;
  finishUnknown(ctx, unit, last.providerId, last.accountId, reason);
  return true;
}

/**
 * Each recipient `unknown` at this provider, with the text as it encodes it
 * (what it bills, if it sent), under the id it would know it by where the
 * request named one.
 */
function finishUnknown(ctx: WalkContext, unit: Unit, providerId: string, accountId: string, reason: string): void {
  const { index } = unit.recipients;
  // Only what the attempt the result names may have sent: the record's provider id and encoding must be that provider's.
  const maybe = unit.maybeSentAs?.providerId === providerId && unit.maybeSentAs.accountId === accountId ? unit.maybeSentAs : undefined;
  const asSent = maybe ? { encoding: maybe.analysis.encoding, ...(maybe.analysis.shift ? { shift: maybe.analysis.shift } : {}), segments: maybe.analysis.segments } : {};
  finishEach(ctx, unit, (to, i) => {
    const providerMessageId = maybe?.ids?.get(index[i]!);
    return { status: 'unknown', to, providerId, accountId, ...(providerMessageId === undefined ? {} : { providerMessageId }), ...asSent, reason, attempts: unit.attempts };
  });
}

/**
 * Every provider the walk reached refused the message for one of its own
 * fields (a sender none allows, a text none can carry): no retry can succeed,
 * so it is `rejected`, naming the fields — not `failed`, which invites a retry.
 */
function finishAsRefusedByAll(ctx: WalkContext, unit: Unit): boolean {
  const { attempts } = unit;
  if (attempts.length === 0 || !attempts.every((a) => a.outcome === 'skipped' && a.field !== undefined)) return false;
  const byField = new Map<string, string>();
  for (const a of attempts) if (!byField.has(a.field!)) byField.set(a.field!, `${a.providerId}: ${a.reason}`);
  const issues = [...byField].map(([path, reason]) => ({ path, reason }));
  const reason = `no provider can send this message — ${attempts.map((a) => `${a.providerId}: ${a.reason}`).join('; ')}`;
  finishEach(ctx, unit, (to) => ({ status: 'rejected', to, reason, issues, attempts }));
  return true;
}

/** Ends every recipient of the unit with the result `resultFor` builds for its number. */
function finishEach(ctx: WalkContext, unit: Unit, resultFor: (to: string, i: number) => SendResult): void {
  const { to, index } = unit.recipients;
  for (let i = 0; i < to.length; i++) ctx.finish(index[i]!, resultFor(to[i]!, i));
}

/** A provider must answer one receipt per recipient, in order; anything else means we cannot tell who got it. */
function checkReceipts(request: SendRequest, response: SendResponse): void {
  const receipts = response?.receipts;
  if (!Array.isArray(receipts) || receipts.length !== request.recipients.length) {
    throw new ProviderError('outcome-unknown', `answered ${Array.isArray(receipts) ? receipts.length : 'no'} receipts for ${request.recipients.length} recipients`, {
      code: 'receipt-mismatch',
    });
  }
}

/** Anything a provider throws that is not a ProviderError is a bug in that provider: reported, never rethrown. */
function toProviderError(ctx: WalkContext, slot: ProviderSlot, accountId: string, error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  if (ctx.signal?.aborted) return new ProviderError('outcome-unknown', 'aborted by the caller', { code: 'aborted' });
  ctx.events.emit('provider-bug', { providerId: slot.id, accountId, error });
  return new ProviderError('provider-unavailable', 'the provider failed unexpectedly (a bug; see the provider-bug event)', { code: 'provider-bug' });
}
