/**
 * Callbacks waiting on one shared event — a deadline, an abort signal — each of
 * which leaves as soon as its own call is done. Many calls share one event, so
 * joining and leaving happen once per request on the hot path.
 *
 * A doubly linked list rather than a `Set`: a long-lived Set that gained and lost
 * a fresh callback per request cost ~8 µs of CPU per request in the FigenSoft
 * client, most of it in the garbage collector (bench/figensoft; the same client
 * with the Set calls removed, or with this list, measured the same as without a
 * signal at all). Here joining allocates one node and leaving is a few writes.
 */
export class WaiterList<A> {
  /** @internal */ head: Waiter<A> | undefined;

  join(callback: (arg: A) => void): Waiter<A> {
    const waiter = new Waiter(callback, this);
    const head = this.head;
    if (head) {
      waiter.next = head;
      head.prev = waiter;
    }
    this.head = waiter;
    return waiter;
  }

  /**
   * Calls every waiter once with `arg` and empties the list. The waiters move to
   * a list of their own first, so a callback may make others leave (they are then
   * not called) and waiters that join meanwhile wait for the next release.
   */
  release(arg: A): void {
    const released = new WaiterList<A>();
    released.head = this.head;
    this.head = undefined;
    for (let waiter = released.head; waiter; waiter = waiter.next) waiter.list = released;
    for (let waiter = released.head; waiter; waiter = released.head) {
      waiter.leave();
      waiter.callback(arg);
    }
  }

  get empty(): boolean {
    return this.head === undefined;
  }
}

export class Waiter<A> {
  /** @internal */ prev: Waiter<A> | undefined = undefined;
  /** @internal */ next: Waiter<A> | undefined = undefined;

  constructor(
    /** @internal */ readonly callback: (arg: A) => void,
    /** @internal */ public list: WaiterList<A> | undefined,
  ) {}

  /** Leaves the list; a waiter that already left, or was released, stays out. */
  leave(): void {
    const list = this.list;
    if (!list) return;
    if (this.prev) this.prev.next = this.next;
    else list.head = this.next;
    if (this.next) this.next.prev = this.prev;
    this.list = undefined;
    this.prev = undefined;
    this.next = undefined;
  }
}
