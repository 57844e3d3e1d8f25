import { z } from 'zod';

export const SandboxEndpointSchema = z.enum(['Send_1_N', 'Send_N_N', 'Status', 'CreditBalance']);
export type SandboxEndpoint = z.infer<typeof SandboxEndpointSchema>;

// Every fault can be narrowed to one account (the request body's Username), one
// endpoint, and a share of the matching requests.
const scope = {
  account: z.string().min(1, 'must not be empty').optional(),
  fraction: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').default(1),
  endpoint: SandboxEndpointSchema.optional(),
};

export const FaultSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('latency'), ms: z.number().int('must be a whole number').min(0, 'must not be negative').max(600_000, 'must be at most 600000'), ...scope }),
  z.strictObject({ kind: z.literal('status-code'), statusCode: z.number().int('must be a whole number'), ...scope }),
  z.strictObject({
    kind: z.literal('http-error'),
    httpStatus: z.number().int('must be a whole number').min(400, 'must be an HTTP error status (400..599)').max(599, 'must be an HTTP error status (400..599)').default(503),
    retryAfterSeconds: z.number().int('must be a whole number').min(0, 'must not be negative').optional(),
    ...scope,
  }),
  z.strictObject({ kind: z.literal('hang'), ...scope }),
  z.strictObject({ kind: z.literal('reset'), afterAccept: z.boolean().default(false), ...scope }),
  z.strictObject({ kind: z.literal('garbled'), afterAccept: z.boolean().default(true), ...scope }),
]);
export type Fault = z.infer<typeof FaultSchema>;
export type FaultInput = z.input<typeof FaultSchema>;
export type ActiveFault = Fault & { id: string };

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
  decide(endpoint: SandboxEndpoint, username: string | undefined): FaultDecision {
    if (this.#faults.length === 0) return NO_FAULT;
    let latencyMs = 0;
    let outcome: FaultDecision['outcome'];
    for (const fault of this.#faults) {
      if (fault.endpoint !== undefined && fault.endpoint !== endpoint) continue;
      if (fault.account !== undefined && fault.account !== username) continue;
      if (fault.kind !== 'latency' && outcome !== undefined) continue;
      // Math.random() < 1 always holds and < 0 never does, so 1 and 0 are exact.
      if (!(Math.random() < fault.fraction)) continue;
      if (fault.kind === 'latency') latencyMs += fault.ms;
      else outcome = fault;
    }
    return { latencyMs, outcome };
  }
}
