import { z } from 'zod';
import { WireNameSchema, type WireName } from './wires/wire-kit.js';

/** FigenSoft's endpoints: the sandbox's first wire. */
export const FIGENSOFT_ENDPOINTS = ['Send_1_N', 'Send_N_N', 'Status', 'CreditBalance'] as const;
export type SandboxEndpoint = (typeof FIGENSOFT_ENDPOINTS)[number];

/** Every wire's endpoints, named as the provider names them; a fault's `endpoint` is one of these. */
export const WIRE_ENDPOINTS = {
  figensoft: FIGENSOFT_ENDPOINTS,
  'message-center': ['send-sms', 'get-report', 'get-balance'],
  infobip: ['sms/3/messages', 'sms/2/text/advanced', 'sms/3/reports', 'sms/1/reports', 'account/1/balance'],
  twilio: ['Messages.json', 'Messages/{Sid}.json', 'Balance.json'],
  mobildev: ['Action 0', 'Action 1', 'Action 3', 'Action 4', 'Action 6'],
} as const satisfies Record<WireName, readonly string[]>;

export const SandboxEndpointSchema = z.enum(Object.values(WIRE_ENDPOINTS).flat() as [string, ...string[]]);

// Every fault can be narrowed to one wire, one account (as the wire names it:
// FigenSoft's Username, Message Center's key, Infobip's account name, Twilio's
// account SID, Mobildev's UserName), one endpoint, and a share of the matching requests.
const scope = {
  wire: WireNameSchema.optional(),
  account: z.string().min(1, 'must not be empty').optional(),
  fraction: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').default(1),
  endpoint: SandboxEndpointSchema.optional(),
};

const RetryAfterSecondsSchema = z.number().int('must be a whole number').min(0, 'must not be negative').optional();

/** The `Retry-After` header a fault answers with, as raw header pairs (none without `retryAfterSeconds`). */
export function retryAfterHeader(fault: { retryAfterSeconds?: number | undefined }): string[] {
  return fault.retryAfterSeconds === undefined ? [] : ['retry-after', String(fault.retryAfterSeconds)];
}

export const FaultSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('latency'), ms: z.number().int('must be a whole number').min(0, 'must not be negative').max(600_000, 'must be at most 600000'), ...scope }),
  // A throttling code (Message Center 429, Infobip E429, Twilio 20429) comes with Retry-After when the provider sends one: retryAfterSeconds adds it.
  z.strictObject({ kind: z.literal('status-code'), statusCode: z.number().int('must be a whole number'), retryAfterSeconds: RetryAfterSecondsSchema, ...scope }),
  z.strictObject({
    kind: z.literal('http-error'),
    httpStatus: z.number().int('must be a whole number').min(400, 'must be an HTTP error status (400..599)').max(599, 'must be an HTTP error status (400..599)').default(503),
    retryAfterSeconds: RetryAfterSecondsSchema,
    ...scope,
  }),
  z.strictObject({ kind: z.literal('hang'), ...scope }),
  z.strictObject({ kind: z.literal('reset'), afterAccept: z.boolean().default(false), ...scope }),
  z.strictObject({ kind: z.literal('garbled'), afterAccept: z.boolean().default(true), ...scope }),
]);
export type Fault = z.infer<typeof FaultSchema>;
export type FaultInput = z.input<typeof FaultSchema>;
export type ActiveFault = Fault & { id: string };

/** A fault's endpoint must belong to its wire, when it names both. */
export const ScopedFaultSchema = FaultSchema.superRefine((fault, ctx) => {
  if (fault.wire !== undefined && fault.endpoint !== undefined && !(WIRE_ENDPOINTS[fault.wire] as readonly string[]).includes(fault.endpoint)) {
    ctx.addIssue({ code: 'custom', path: ['endpoint'], message: `is not an endpoint of the ${fault.wire} wire (${WIRE_ENDPOINTS[fault.wire].join(', ')})` });
  }
});

/** What the faults matching one request decided: extra delay, and at most one outcome other than a normal answer. */
export interface FaultDecision {
  latencyMs: number;
  outcome: Exclude<Fault, { kind: 'latency' }> | undefined;
}

const NO_FAULT: FaultDecision = { latencyMs: 0, outcome: undefined };

export class FaultStore {
  #faults: ActiveFault[] = [];
  #nextId = 1;

  add(fault: Fault): string {
    const id = `fault-${this.#nextId++}`;
    this.#faults.push({ ...fault, id });
    return id;
  }

  remove(id: string): boolean {
    const before = this.#faults.length;
    this.#faults = this.#faults.filter((fault) => fault.id !== id);
    return this.#faults.length !== before;
  }

  clear(): void {
    this.#faults = [];
  }

  list(): ActiveFault[] {
    return this.#faults.map((fault) => ({ ...fault }));
  }

  /**
   * Latency faults add up; of the other kinds the first one added that matches
   * (and wins its fraction roll) decides the outcome.
   */
  decide(wire: WireName, endpoint: string, account: string | undefined): FaultDecision {
    if (this.#faults.length === 0) return NO_FAULT;
    let latencyMs = 0;
    let outcome: FaultDecision['outcome'];
    for (const fault of this.#faults) {
      if (fault.wire !== undefined && fault.wire !== wire) continue;
      if (fault.endpoint !== undefined && fault.endpoint !== endpoint) continue;
      if (fault.account !== undefined && fault.account !== account) continue;
      if (fault.kind !== 'latency' && outcome !== undefined) continue;
      // Math.random() < 1 always holds and < 0 never does, so 1 and 0 are exact.
      if (!(Math.random() < fault.fraction)) continue;
      if (fault.kind === 'latency') latencyMs += fault.ms;
      else outcome = fault;
    }
    return { latencyMs, outcome };
  }
}
