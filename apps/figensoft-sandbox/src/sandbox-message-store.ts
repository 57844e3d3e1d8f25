import type { IysType } from '@rota/provider';

/** One accepted message as tests see it (`Sandbox.records()`). */
export interface SandboxRecord {
  username: string;
  iysType: IysType;
  /** As the request wrote it; normally `90…`. */
  receiver: string;
  text: string;
  originator: string;
  messageId: string;
  /** Billed segments; 0 for a number the sandbox rejects as invalid. */
  charge: number;
  /** Milliseconds since the epoch. */
  acceptedAt: number;
  /** Present when the request carried a SendDate. */
  sendAt?: number;
  /** Present when the request carried an ExpireDate. */
  expireAt?: number;
  /** Present when the request carried a Channel. */
  channel?: string;
}

/** What every message of one accepted request shares; stored once per request, not once per receiver. */
export interface Batch {
  accountIndex: number;
  originator: string;
  acceptedAt: number;
  sendAt: number | undefined;
  expireAt: number | undefined;
  channel: string | undefined;
}

/** One stored message as read back; built on demand, since the store itself keeps columns. */
export interface StoredMessage<B extends Batch = Batch> {
  batch: B;
  receiver: string;
  text: string;
  charge: number;
  validNumber: boolean;
}

// A message id is `SBX_<instance>_<base36 counter>-<account index>`. The counter
// is the message's position in the store, so a status lookup needs no index
// beside the ring buffer. The instance tag (the start time) keeps two sandboxes,
// or one restarted, from handing out the same ids; an id from another instance
// is unknown here, as it would be to the real service.
const ID_SHAPE = /^SBX_([0-9a-z]+)_([0-9a-z]{1,10})-(\d{1,6})$/;

export class MessageIds {
  readonly #instance: string;
  readonly #prefix: string;

  constructor(instance = Date.now().toString(36)) {
    this.#instance = instance;
    this.#prefix = `SBX_${instance}_`;
  }

  format(counter: number, accountIndex: number): string {
    return `${this.#prefix}${counter.toString(36)}-${accountIndex}`;
  }

  /** The counter and account an id of this instance names, or undefined for any other text. */
  parse(id: string): { counter: number; accountIndex: number } | undefined {
    const match = ID_SHAPE.exec(id);
    if (!match || match[1] !== this.#instance) return undefined;
    return { counter: parseInt(match[2] as string, 36), accountIndex: Number(match[3]) };
  }
}

const INITIAL_SLOTS = 1024;
/** Dropped batches are compacted away once this many have piled up at the front. */
const COMPACT_AFTER = 1024;

/** The messages of one request occupy consecutive counters; what they share is kept once. */
interface BatchRange<B extends Batch = Batch> {
  batch: B;
  first: number;
  count: number;
  /** Every text of the request in one string; each message has a range of it. */
  textSource: string;
}

/**
 * The last `capacity` accepted messages in a ring buffer, addressed by counter.
 * Older ones are dropped (and their ids become unknown to Status).
 *
 * The store keeps typed-array columns, not an object per message: at benchmark
 * rates a million retained little objects (and the strings JSON.parse made)
 * cost the garbage collector more than everything else the sandbox does. Per
 * request it retains one range object and one string. A valid receiver (12
 * digits starting 905) is kept as a number; the rare other one as its string in
 * a side map.
 */
export class MessageStore<B extends Batch = Batch> {
  readonly #capacity: number;
  /** Oldest first; entries before #head are dropped and wait for compaction. */
  #ranges: BatchRange<B>[] = [];
  #head = 0;
  #numbers: Float64Array;
  #charges: Uint32Array;
  #textStarts: Uint32Array;
  #textLengths: Uint32Array;
  /** Per-message flags a wire may keep (Infobip: the report was handed out). */
  #flags: Uint8Array;
  #otherReceivers = new Map<number, string>();
  /** The counter stored in slot 0. */
  #base: number;
  /** The oldest counter still stored. */
  #first: number;
  #next: number;

  constructor(capacity: number, firstCounter = 1) {
    this.#capacity = capacity;
    this.#base = this.#first = this.#next = firstCounter;
    const slots = Math.min(capacity, INITIAL_SLOTS);
    this.#numbers = new Float64Array(slots);
    this.#charges = new Uint32Array(slots);
    this.#textStarts = new Uint32Array(slots);
    this.#textLengths = new Uint32Array(slots);
    this.#flags = new Uint8Array(slots);
  }

  /**
   * Reserves `count` consecutive counters for one request's messages and returns
   * the first; fill each with `set`. Reserving drops the oldest messages beyond
   * the capacity.
   */
  reserve(batch: B, textSource: string, count: number): number {
    const first = this.#next;
    this.#next += count;
    this.#ranges.push({ batch, first, count, textSource });
    const used = Math.min(this.#next - this.#base, this.#capacity);
    if (used > this.#numbers.length) this.#grow(used);
    if (this.#next - this.#first > this.#capacity) this.#first = this.#next - this.#capacity;
    while ((this.#ranges[this.#head] as BatchRange<B>).first + (this.#ranges[this.#head] as BatchRange<B>).count <= this.#first) this.#head++;
    if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#ranges.length) {
      this.#ranges = this.#ranges.slice(this.#head);
      this.#head = 0;
    }
    return first;
  }

  /**
   * Fills a reserved counter. `mobile` is the receiver as a number, NaN when it
   * is not a valid mobile; the text is the range of the batch's text source.
   */
  set(counter: number, mobile: number, receiver: string, textStart: number, textLength: number, charge: number): void {
    const slot = (counter - this.#base) % this.#capacity;
    // The slot's previous message (one capacity ago) may have left a receiver string behind.
    if (Number.isNaN(this.#numbers[slot])) this.#otherReceivers.delete(counter - this.#capacity);
    this.#numbers[slot] = mobile;
    if (Number.isNaN(mobile)) this.#otherReceivers.set(counter, receiver);
    this.#charges[slot] = charge;
    this.#textStarts[slot] = textStart;
    this.#textLengths[slot] = textLength;
    this.#flags[slot] = 0;
  }

  get(counter: number): StoredMessage<B> | undefined {
    if (!(counter >= this.#first && counter < this.#next)) return undefined;
    return this.#read(counter, this.#rangeOf(counter));
  }

  /** The flags of a stored message (0 for one not stored). */
  flags(counter: number): number {
    if (!(counter >= this.#first && counter < this.#next)) return 0;
    return this.#flags[(counter - this.#base) % this.#capacity] as number;
  }

  setFlags(counter: number, flags: number): void {
    if (!(counter >= this.#first && counter < this.#next)) return;
    this.#flags[(counter - this.#base) % this.#capacity] = flags;
  }

  /** The first counter the next `reserve` hands out. */
  get nextCounter(): number {
    return this.#next;
  }

  clear(): void {
    this.#ranges = [];
    this.#head = 0;
    this.#otherReceivers.clear();
    this.#base = this.#first = this.#next;
  }

  get size(): number {
    return this.#next - this.#first;
  }

  /** Oldest first. */
  *entries(): IterableIterator<[number, StoredMessage<B>]> {
    let index = this.#head;
    for (let counter = this.#first; counter < this.#next; counter++) {
      let range = this.#ranges[index] as BatchRange<B>;
      while (counter >= range.first + range.count) range = this.#ranges[++index] as BatchRange<B>;
      yield [counter, this.#read(counter, range)];
    }
  }

  #read(counter: number, range: BatchRange<B>): StoredMessage<B> {
    const slot = (counter - this.#base) % this.#capacity;
    const number = this.#numbers[slot] as number;
    const validNumber = !Number.isNaN(number);
    const start = this.#textStarts[slot] as number;
    const length = this.#textLengths[slot] as number;
    const source = range.textSource;
    return {
      batch: range.batch,
      receiver: validNumber ? String(number) : (this.#otherReceivers.get(counter) ?? ''),
      text: start === 0 && length === source.length ? source : source.slice(start, start + length),
      charge: this.#charges[slot] as number,
      validNumber,
    };
  }

  /** The range holding a stored counter: a binary search over the live ranges. */
  #rangeOf(counter: number): BatchRange<B> {
    let low = this.#head;
    let high = this.#ranges.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.#ranges[middle] as BatchRange<B>).first <= counter) low = middle;
      else high = middle - 1;
    }
    return this.#ranges[low] as BatchRange<B>;
  }

  #grow(needed: number): void {
    let length = this.#numbers.length;
    while (length < needed) length *= 2;
    length = Math.min(this.#capacity, length);
    const grow = <T extends Float64Array | Uint32Array | Uint8Array>(column: T, make: (size: number) => T): T => {
      const bigger = make(length);
      bigger.set(column);
      return bigger;
    };
    this.#numbers = grow(this.#numbers, (size) => new Float64Array(size));
    this.#charges = grow(this.#charges, (size) => new Uint32Array(size));
    this.#textStarts = grow(this.#textStarts, (size) => new Uint32Array(size));
    this.#textLengths = grow(this.#textLengths, (size) => new Uint32Array(size));
    this.#flags = grow(this.#flags, (size) => new Uint8Array(size));
  }
}
