// Types of harness.js for the TypeScript tests (tests/reliability) that run it.
import type { Attempt, Router, RouterEvents, SendResult, UnknownOutcomePolicy } from '@rota/core';
import type { FakeProvider, FakeProviderOptionsInput } from '@rota/testkit';
import type { FigenSoftProvider } from '@rota/figensoft';

export interface SandboxAccountSpec {
  username: string;
  password: string;
  iysType: 'NOTIFICATION' | 'CAMPAIGN';
  senders: string[];
  credit: number;
}
export declare const FAILOVER_ACCOUNTS: readonly SandboxAccountSpec[];
export declare const NOTIFY_USERNAME: string;
export declare const CONSENTED_NUMBERS: readonly string[];
export declare const SANDBOX_CONSENT: { readonly approved: readonly string[]; readonly optedOut: readonly string[] };
export declare function hasConsent(e164: string): boolean;

export interface Profile {
  name: string;
  ratePerSecond: number;
  phaseMs: number;
  resetTimeoutMs: number;
  /** undefined: the FigenSoft client's default (10 s). */
  attemptTimeoutMs: number;
  fakeLatencyMs: number;
  batchEvery: number;
  batchSize: number;
  sendDeadlineMs: number;
  deliveryDelayMs: number;
}
export declare const TEST_PROFILE: Readonly<Profile>;
export declare const BENCH_PROFILE: Readonly<Profile>;
export declare const TARGETS: Readonly<{ failoverWithinMs: number }>;
export declare function sleep(ms: number): Promise<void>;

/** A sandbox record as both far ends return it. */
export interface FarEndRecord {
  receiver: string;
  text: string;
  messageId: string;
  username: string;
}

/** The sandbox behind FigenSoft, in process or in a child process. */
export interface FarEnd {
  kind: string;
  url: string;
  /** Faults cleared, records forgotten, credit restored, running. */
  reset(): Promise<void>;
  injectFault(fault: Record<string, unknown>): Promise<string>;
  clearFaults(): Promise<unknown>;
  setCredit(username: string, credit: number): Promise<unknown>;
  restoreCredit(username: string): Promise<unknown>;
  /** Records of this instance and of every instance killed since the last reset. */
  records(): Promise<FarEndRecord[]>;
  kill(): Promise<void>;
  /** Starts a new sandbox on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export type FakeMode = 'up' | 'down' | 'ambiguous';
export type CreateFakeProvider = (options: FakeProviderOptionsInput) => FakeProvider;

export interface World {
  router: Router;
  routerSettings: { breaker: { resetTimeoutMs: number }; unknownOutcome: UnknownOutcomePolicy };
  farEnd: FarEnd;
  fakes: FakeProvider[];
  figensoft: FigenSoftProvider;
  breakerLog: Array<RouterEvents['breaker'] & { at: number }>;
  providerBugs: Array<{ providerId: string; error: string }>;
  setOrigin(at: number): void;
  setMode(id: 'message-center' | 'mobildev', mode: FakeMode): void;
  ambiguousDeliveries(): Record<string, number>;
  close(): Promise<void>;
}
export declare function createWorld(options: {
  farEnd: FarEnd;
  profile: Profile;
  createFakeProvider: CreateFakeProvider;
  unknownOutcome?: UnknownOutcomePolicy;
}): World;

/** One message of the stream and what became of it. */
export interface StreamEntry {
  seq: number;
  to: string;
  text: string;
  iysType: 'NOTIFICATION' | 'CAMPAIGN';
  via: 'send' | 'batch';
  startedAt: number;
  endedAt?: number;
  result?: SendResult;
  error?: string;
  extraResults?: number;
}

export interface ScenarioStep {
  atMs: number;
  kind?: 'fault' | 'recovery';
  label?: string;
  /** The provider that should carry traffic after this mark. */
  expect?: string;
  limitMs?: number;
  run(world: World): unknown;
}

export interface Scenario {
  id: string;
  name: string;
  iysType?: 'NOTIFICATION' | 'CAMPAIGN';
  unknownOutcome?: UnknownOutcomePolicy;
  before?(world: World): unknown;
  steps: ScenarioStep[];
  durationMs: number;
  verify?(world: World, entries: StreamEntry[], profile: Profile): Promise<Partial<ConsentFigures>>;
}

export interface Transition {
  kind: 'fault' | 'recovery';
  label: string;
  at: number;
  provider?: string;
  limitMs?: number;
  /** Time to the first acceptance by `provider` after the mark; null: none. */
  ms?: number | null;
  /** The last rank failed: time until its breaker opened; null: it did not. */
  breakerOpenMs?: number | null;
}

/** Promise 4, as the campaign-consent scenario counts it. */
export interface ConsentFigures {
  lackingConsent: number;
  /** Refused at send time, by provider. */
  refusedBy: Record<string, number>;
  acceptedByFigensoftLackingConsent: number;
  /** Delivery reports (reason, or state when there is none) of what FigenSoft accepted. */
  deliveryReasons: { lackingConsent: Record<string, number>; withConsent: Record<string, number> };
  /** Refused messages that some provider accepted anyway: must be 0. */
  refusalsRoutedOn: number;
  lackingConsentAcceptedByFakes: number;
}

export interface ScenarioReport {
  id: string;
  name: string;
  unknownOutcome: UnknownOutcomePolicy;
  iysType: 'NOTIFICATION' | 'CAMPAIGN';
  profile: string;
  settings: { ratePerSecond: number; resetTimeoutMs: number; attemptTimeoutMs: number; sendDeadlineMs: number };
  durationMs: number;
  sent: number;
  viaBatch: number;
  results: Record<'accepted' | 'rejected' | 'failed' | 'unknown', number>;
  acceptedBy: Record<string, number>;
  unknownBy: Record<string, number>;
  unknownUnnamed: number;
  lost: number;
  lostSamples: string[];
  late: number;
  extraResults: number;
  duplicates: { pairs: number; extraDeliveries: number; at: Record<string, number> };
  ambiguousDeliveries: Record<string, number>;
  mismatches: number;
  mismatchSamples: Array<{ kind: string; seq?: number; detail: string }>;
  transitions: Transition[];
  breakerEvents: Array<{ providerId: string; accountId: string; state: string; at: number }>;
  providerBugs: number;
  latencyMs: { p50?: number; p99?: number; max?: number };
  /** How late this process's event loop ran (a loaded machine shows here first). */
  eventLoopDelayMs: { p99: number; max: number };
  /** What a scenario's `verify` adds (the consent scenario: ConsentFigures). */
  extras: Partial<ConsentFigures>;
  /** Every message and its result, for assertions beyond the figures. */
  entries: StreamEntry[];
}

export declare function runScenario(
  scenario: Scenario,
  options: { farEnd: FarEnd; profile: Profile; createFakeProvider: CreateFakeProvider },
): Promise<ScenarioReport>;

export interface ProcessWatch {
  counts: { unhandledRejections: number; uncaughtExceptions: number; samples: string[] };
  stop(): void;
}
export declare function watchProcess(): ProcessWatch;

export type { Attempt };
