import { ProviderError, refuseMalformedRequest, type DeliveryReport, type Provider, type ProviderCapabilities, type ProviderErrorKind, type ProviderHealth, type RecipientReceipt, type Selection, type SendOptions, type SendRequest, type SendResponse, type StatusRequest } from '@rota/provider';
import { CallScope, abortableDelay, untilAborted } from './abortable.js';
import {
  parseFakeProviderOptions,
  parseFakeScript,
  parseScriptedStep,
  type FakeAccount,
  type FakeProviderOptions,
  type FakeProviderOptionsInput,
  type FakeScript,
  type FakeScriptInput,
  type FakeStep,
  type FakeStepInput,
} from './fake-provider-options.js';

/** How a recorded call ended: still running, answered with receipts, failed with a `ProviderError` of that kind, or threw something else. */
export type FakeCallOutcome = 'pending' | 'accepted' | ProviderErrorKind | 'threw';

export interface FakeCall {
  /** Position in `calls`. */
  index: number;
  accountId: string;
  sender: string;
  text: string;
  /** How the router had the text analysed for this provider (UCS-2 for one without the Turkish shift tables). */
  analysis: SendRequest['analysis'];
  iysType: SendRequest['iysType'];
  recipients: readonly string[];
  /** The schedule the provider was given, if any. */
  sendAt?: Date;
  validUntil?: Date;
  at: Date;
  /** The scripted step; undefined when the call was refused before the script was asked (aborted, closed, bad request). */
  step: FakeStep | undefined;
  /** Updated in place when the call settles. */
  outcome: FakeCallOutcome;
  /** What the call threw, once it has. */
  error?: unknown;
}

/** One message the fake provider delivered to one handset. */
export interface FakeAcceptance {
  to: string;
  text: string;
  accountId: string;
  providerMessageId: string;
}

export interface FakeDuplicate {
  to: string;
  text: string;
  times: number;
}

type SelectInput = Parameters<Provider['select']>[0];

/** A scriptable in-memory `Provider` for router, gateway and contract tests. */
export interface FakeProvider extends Provider {
  /** Every `send` call, in call order. */
  readonly calls: readonly FakeCall[];
  readonly callCount: number;
  /** Every (recipient, text) the fake delivered, including deliveries the caller never heard of (`delivered: true`). */
  readonly accepted: readonly FakeAcceptance[];
  readonly acceptedCount: number;
  acceptedTimes(to: string, text?: string): number;
  /** (to, text) pairs delivered more than once: what a router must never cause. */
  duplicates(): FakeDuplicate[];
  /** Forgets calls and deliveries and restarts the script. Message ids keep counting, so none is ever issued twice. */
  reset(): void;
  /** Replaces the script (and, if given, the fallback step) and starts it from its first step. */
  setScript(script: FakeScriptInput, fallback?: FakeStepInput): void;
  /** What `health()` reports for the account; `send` is driven by the script alone. */
  setHealthy(accountId: string, healthy: boolean): void;
  status(request: StatusRequest, options?: SendOptions): Promise<DeliveryReport[]>;
  health(options?: SendOptions): Promise<ProviderHealth>;
  close(): Promise<void>;
}

export function createFakeProvider(options: FakeProviderOptionsInput): FakeProvider {
  return new ScriptedFakeProvider(parseFakeProviderOptions(options));
}

interface IssuedMessage {
  accountId: string;
  to: string;
}

class ScriptedFakeProvider implements FakeProvider {
  readonly id: string;
  readonly capabilities: ProviderCapabilities;
  readonly accountIds: readonly string[];
  /** The CAMPAIGN accounts: a fake's CAMPAIGN account stands for one whose traffic the provider checks against IYS consent. */
  readonly campaignAccountIds: readonly string[];

  private readonly accounts: readonly FakeAccount[];
  private script: FakeScript;
  private fallback: FakeStep;
  private stepsHandedOut = 0;
  private messageCounter = 0;
  private closed = false;
  private readonly callLog: FakeCall[] = [];
  private readonly acceptanceLog: FakeAcceptance[] = [];
  private readonly issued = new Map<string, IssuedMessage>();
  private readonly healthy = new Map<string, boolean>();
  private readonly inFlight = new Set<CallScope>();

  constructor(options: FakeProviderOptions) {
    this.id = options.id;
    this.accounts = options.accounts;
    this.accountIds = options.accounts.map((account) => account.accountId);
    this.campaignAccountIds = options.accounts.filter((account) => account.iysType === 'CAMPAIGN').map((account) => account.accountId);
    this.capabilities = {
      maxRecipientsPerRequest: options.maxRecipientsPerRequest,
      encodings: options.encodings,
      deliveryStatus: true,
      scheduling: options.scheduling,
      turkishNumbersOnly: options.turkishNumbersOnly,
    };
    this.script = options.script;
    this.fallback = options.fallback;
    for (const accountId of this.accountIds) this.healthy.set(accountId, true);
  }

  get calls(): readonly FakeCall[] {
    return this.callLog;
  }

  get callCount(): number {
    return this.callLog.length;
  }

  get accepted(): readonly FakeAcceptance[] {
    return this.acceptanceLog;
  }

  get acceptedCount(): number {
    return this.acceptanceLog.length;
  }

  acceptedTimes(to: string, text?: string): number {
    return this.acceptanceLog.filter((a) => a.to === to && (text === undefined || a.text === text)).length;
  }

  duplicates(): FakeDuplicate[] {
    const counts = new Map<string, FakeDuplicate>();
    for (const { to, text } of this.acceptanceLog) {
      const key = JSON.stringify([to, text]);
      const entry = counts.get(key) ?? { to, text, times: 0 };
      entry.times += 1;
      counts.set(key, entry);
    }
    return [...counts.values()].filter((entry) => entry.times > 1);
  }

  reset(): void {
    this.callLog.length = 0;
    this.acceptanceLog.length = 0;
    this.stepsHandedOut = 0;
  }

  setScript(script: FakeScriptInput, fallback?: FakeStepInput): void {
    const parsed = parseFakeScript(script, fallback);
    this.script = parsed.script;
    if (parsed.fallback) this.fallback = parsed.fallback;
    this.stepsHandedOut = 0;
  }

  setHealthy(accountId: string, healthy: boolean): void {
    if (!this.healthy.has(accountId)) {
      throw new RangeError(`fake provider "${this.id}" has no account "${accountId}" (accounts: ${this.accountIds.join(', ')})`);
    }
    this.healthy.set(accountId, healthy);
  }

  select(message: SelectInput): Selection {
    const { encoding } = message.analysis;
    if (!this.capabilities.encodings.includes(encoding)) {
      return {
        eligible: false,
        field: 'text',
        reason: `${this.id} cannot send ${encoding} text (supports ${this.capabilities.encodings.join(', ')})`,
      };
    }
    const candidates = this.accounts.filter((account) => account.iysType === message.iysType);
    if (candidates.length === 0) return { eligible: false, reason: `no ${this.id} account for IYS type ${message.iysType}` };

    const sender = message.sender;
    if (sender === undefined) {
      const [account] = candidates;
      return { eligible: true, accountId: account!.accountId, sender: account!.senders[0]! };
    }
    const account = candidates.find((candidate) => candidate.senders.includes(sender));
    if (!account) {
      const allowed = [...new Set(candidates.flatMap((candidate) => candidate.senders))].join(', ');
      return {
        eligible: false,
        field: 'sender',
        reason: `sender "${sender}" is not allowed on any ${this.id} ${message.iysType} account (allowed: ${allowed})`,
      };
    }
    return { eligible: true, accountId: account.accountId, sender };
  }

  async send(request: SendRequest, options: SendOptions = {}): Promise<SendResponse> {
    const call: FakeCall = {
      index: this.callLog.length,
      accountId: request.accountId,
      sender: request.sender,
      text: request.text,
      analysis: request.analysis,
      iysType: request.iysType,
      recipients: [...request.recipients],
      ...(request.sendAt === undefined ? {} : { sendAt: request.sendAt }),
      ...(request.validUntil === undefined ? {} : { validUntil: request.validUntil }),
      at: new Date(),
      step: undefined,
      outcome: 'pending',
    };
    this.callLog.push(call);
    try {
      const response = await this.perform(call, request, options.signal);
      call.outcome = 'accepted';
      return response;
    } catch (error) {
      call.outcome = ProviderError.is(error) ? error.kind : 'threw';
      call.error = error;
      throw error;
    }
  }

  async status(request: StatusRequest, options: SendOptions = {}): Promise<DeliveryReport[]> {
    this.ensureUsable(options.signal);
    return request.providerMessageIds.map((providerMessageId): DeliveryReport => {
      const message = this.issued.get(providerMessageId);
      if (!message || message.accountId !== request.accountId) {
        return { providerMessageId, state: 'unknown', reason: 'not-found', final: false };
      }
      return { providerMessageId, state: 'delivered', final: true, to: message.to };
    });
  }

  async health(options: SendOptions = {}): Promise<ProviderHealth> {
    this.ensureUsable(options.signal);
    const accounts = this.accountIds.map((accountId) => {
      const healthy = this.healthy.get(accountId) ?? true;
      return { accountId, healthy, detail: healthy ? 'healthy' : 'marked unhealthy with setHealthy()' };
    });
    return { healthy: accounts.every((account) => account.healthy), accounts };
  }

  async close(): Promise<void> {
    this.closed = true;
    // A closed provider must not keep calls (and their timers) alive.
    for (const scope of this.inFlight) {
      scope.cancel(
        new ProviderError('outcome-unknown', `${this.id}: the provider was closed while the call was in flight; it may have been accepted`, {
          code: 'closed',
        }),
      );
    }
  }

  private async perform(call: FakeCall, request: SendRequest, signal: AbortSignal | undefined): Promise<SendResponse> {
    this.ensureUsable(signal);
    this.checkRequest(request);
    const step = this.nextStep(request);
    call.step = step;

    const scope = new CallScope(
      signal,
      (cause) =>
        new ProviderError('outcome-unknown', `${this.id}: the call was aborted after the request was sent; it may have been accepted`, {
          code: 'aborted',
          cause,
        }),
    );
    this.inFlight.add(scope);
    try {
      switch (step.type) {
        case 'accept':
          if (step.delayMs) await abortableDelay(step.delayMs, scope.signal);
          return { receipts: this.receipts(request, step) };
        case 'error':
          if (step.delayMs) await abortableDelay(step.delayMs, scope.signal);
          {
            const delivered = step.delivered ? this.deliverAll(request) : undefined;
            // Ids never delivered under: a status read by them finds nothing.
            const named = step.namesIds ? (delivered ?? request.recipients.map(() => `${this.id}-never-${(this.messageCounter += 1)}`)) : undefined;
            throw new ProviderError(step.kind, step.message ?? `${this.id}: scripted ${step.kind} error`, {
              code: step.code,
              retryAfterMs: step.retryAfterMs,
              ...(named === undefined ? {} : { providerMessageIds: named }),
            });
          }
        case 'hang':
          if (step.delivered) this.deliverAll(request);
          return await untilAborted(scope.signal);
        case 'throw':
          throw step.error ?? new TypeError(`${this.id}: scripted provider bug`);
      }
    } finally {
      scope.dispose();
      this.inFlight.delete(scope);
    }
  }

  /** Refusals that happen before anything is sent, so they take no script step. */
  private ensureUsable(signal: AbortSignal | undefined): void {
    if (this.closed) throw new ProviderError('provider-unavailable', `${this.id}: the provider is closed`, { code: 'closed' });
    if (signal?.aborted) {
      throw new ProviderError('retryable', `${this.id}: the call was aborted before anything was sent`, {
        code: 'aborted',
        cause: signal.reason,
      });
    }
  }

  private checkRequest(request: SendRequest): void {
    refuseMalformedRequest(this.id, request, this.accounts, this.capabilities.maxRecipientsPerRequest);
  }


  private nextStep(request: SendRequest): FakeStep {
    const index = this.stepsHandedOut;
    this.stepsHandedOut += 1;
    if (typeof this.script === 'function') return parseScriptedStep(this.script({ index, request }), this.id);
    return this.script[index] ?? this.fallback;
  }

  private receipts(request: SendRequest, step: Extract<FakeStep, { type: 'accept' }>): RecipientReceipt[] {
    const rejected = new Set(step.rejectRecipients ?? []);
    const notTaken = new Set(step.notTakenRecipients ?? []);
    return request.recipients.map((to): RecipientReceipt => {
      if (rejected.has(to)) {
        return { status: 'rejected', to, code: step.rejectCode ?? 'REJECTED', reason: step.rejectReason ?? 'rejected by the fake provider script' };
      }
      if (notTaken.has(to)) {
        const receipt: RecipientReceipt = { status: 'not-taken', to, code: 'NOT-TAKEN', reason: step.notTakenReason ?? 'not taken by the fake provider script' };
        return step.notTakenCause ? { ...receipt, cause: step.notTakenCause } : receipt;
      }
      const providerMessageId = this.deliver(request, to);
      return {
        status: 'accepted',
        to,
        providerMessageId,
        segmentsBilled: request.analysis.segments,
        ...(step.simulated ? { simulated: true } : {}),
      };
    });
  }

  private deliverAll(request: SendRequest): string[] {
    return request.recipients.map((to) => this.deliver(request, to));
  }

  private deliver(request: SendRequest, to: string): string {
    this.messageCounter += 1;
    const providerMessageId = `${this.id}-${this.messageCounter}`;
    this.issued.set(providerMessageId, { accountId: request.accountId, to });
    this.acceptanceLog.push({ to, text: request.text, accountId: request.accountId, providerMessageId });
    return providerMessageId;
  }
}
