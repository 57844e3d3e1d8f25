/* The shapes the gateway's admin routes answer (see the gateway's OpenAPI document). */

export interface Counts {
  accepted: number;
  failed: number;
  rejected: number;
  unknown: number;
}

export interface ConsoleAccount {
  accountId: string;
  breaker: 'closed' | 'open' | 'half-open';
  override: 'open' | 'closed' | 'auto';
  recent: Counts;
  /** Final delivery reports of the last `deliveryWindowMinutes`: delivered, of all. */
  deliveries: Deliveries;
  deliveryRate: number | null;
}

export interface Deliveries {
  delivered: number;
  final: number;
}

export interface ConsoleProvider {
  providerId: string;
  rank: number;
  enabled: boolean;
  inFlight: number;
  meanLatencyMs: number;
  recent: Counts;
  deliveries: Deliveries;
  deliveryRate: number | null;
  accounts: ConsoleAccount[];
}

export interface ConsoleProviders {
  windowMinutes: number;
  deliveryWindowMinutes: number;
  providers: ConsoleProvider[];
}

export interface Readiness {
  ready: boolean;
  providers: { providerId: string; enabled: boolean; healthy: boolean | null; detail?: string; accounts: { accountId: string; healthy: boolean; detail: string; balance?: number }[] }[];
}

export interface Traffic {
  bucketMs: number;
  startMs: number;
  buckets: number;
  providers: ({ providerId: string } & Record<keyof Counts, number[]>)[];
  queue: { depth: { otp: number; notification: number; campaign: number }; oldestQueuedAgeMs: number };
  byState: Record<string, number>;
}

export interface Attempt {
  providerId: string;
  accountId?: string;
  outcome: string;
  errorKind?: string;
  code?: string;
  reason?: string;
  tries: number;
  durationMs: number;
}

export interface Message {
  id: string;
  status: string;
  owner: string;
  to: string;
  iysType: string;
  otp: boolean;
  sender?: string;
  text?: string;
  reference?: string;
  bulkId?: string;
  segments: number;
  encoding: string;
  providerId?: string;
  accountId?: string;
  providerMessageId?: string;
  simulated?: boolean;
  reason?: string;
  attempts: Attempt[];
  resendOf?: string;
  createdAt: string;
  updatedAt: string;
  dispatchedAt?: string;
  finishedAt?: string;
  /** Every state and delivery report, oldest first, where the gateway keeps them (`kind`, `state`, `reason`, `providerCode`, `source`, `at`); shown when present. */
  timeline?: Record<string, unknown>[];
}

export interface Bulk {
  bulkId: string;
  owner: string;
  count: number;
  iysType?: string;
  createdAt: string;
  byState: Record<string, number>;
}

export interface ConfigState {
  file: string | null;
  appliedAt: string | null;
  changed: string[];
  lastRefused: { at: string; source: string; issues: { path: string; reason: string }[] } | null;
  providers: string[];
}
