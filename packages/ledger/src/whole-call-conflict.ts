/**
 * A call recorded whole or not at all (a gateway's batch) met idempotency keys
 * that stand for other messages: nothing of it was recorded, and so nothing
 * is sent. `conflicts` names each entry (by its index in the call) and the
 * record its key stands for.
 */
export class WholeCallConflictError extends Error {
  readonly conflicts: readonly { index: number; existingId: string }[];

  constructor(conflicts: readonly { index: number; existingId: string }[]) {
    super(`${conflicts.length} idempotency key(s) stand for other messages (entries ${conflicts.map((conflict) => conflict.index).join(', ')}); nothing was recorded`);
    this.name = 'WholeCallConflictError';
    this.conflicts = conflicts;
  }
}
