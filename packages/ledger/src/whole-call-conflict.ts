/**
 * A call recorded whole or not at all (a gateway's batch) met idempotency keys
 * it may not use: nothing of it was recorded, and so nothing is sent.
 * `conflicts` names each entry (by its index in the call) whose key stands
 * for another message, and that message; `erased` each entry whose key was
 * a message erased at its recipient's request (KVKK), which is never sent again.
 */
export class WholeCallConflictError extends Error {
  readonly conflicts: readonly { index: number; existingId: string }[];
  readonly erased: readonly number[];

  constructor(conflicts: readonly { index: number; existingId: string }[], erased: readonly number[] = []) {
    const entries = [...conflicts.map((conflict) => conflict.index), ...erased].sort((a, b) => a - b);
    super(`${entries.length} idempotency key(s) stand for other or erased messages (entries ${entries.join(', ')}); nothing was recorded`);
    this.name = 'WholeCallConflictError';
    this.conflicts = conflicts;
    this.erased = erased;
  }
}
