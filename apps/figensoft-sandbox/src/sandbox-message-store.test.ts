import { MessageIds, MessageStore, type Batch } from './sandbox-message-store.js';

const batchOf = (accountIndex: number): Batch => ({
  accountIndex,
  originator: 'ROTA',
  acceptedAt: 1,
  sendAt: undefined,
  expireAt: undefined,
  channel: undefined,
});

describe('MessageStore', () => {
  it('reads back what it stored: valid numbers, other receivers, and text ranges of the batch', () => {
    const store = new MessageStore(10);
    const batch = batchOf(1);
    const first = store.reserve(batch, 'hellosay hello!', 2);
    store.set(first, 905321234567, '905321234567', 0, 5, 2);
    store.set(first + 1, NaN, '+90 532', 5, 10, 0);
    expect(store.get(first)).toEqual({ batch, receiver: '905321234567', text: 'hello', charge: 2, validNumber: true });
    expect(store.get(first + 1)).toEqual({ batch, receiver: '+90 532', text: 'say hello!', charge: 0, validNumber: false });
    expect(store.get(first + 2)).toBeUndefined();
    expect(store.get(first - 1)).toBeUndefined();
  });

  it('keeps the last `capacity` messages across wrap-arounds, growth and compaction, each with its own batch', () => {
    const capacity = 3000; // more than the initial column size, so the columns grow
    const store = new MessageStore(capacity);
    const counters: number[] = [];
    const batches: Batch[] = [];
    let i = 0;
    for (let request = 0; i < 10_000; request++) {
      const size = 1 + (request % 7);
      const batch = batchOf(request);
      const texts = Array.from({ length: size }, (_, k) => `text ${i + k}`);
      const first = store.reserve(batch, texts.join(''), size);
      let start = 0;
      for (let k = 0; k < size; k++, i++) {
        const receiver = i % 7 === 0 ? `bad-${i}` : String(905000000000 + i);
        store.set(first + k, i % 7 === 0 ? NaN : Number(receiver), receiver, start, texts[k]!.length, i % 5);
        start += texts[k]!.length;
        counters.push(first + k);
        batches.push(batch);
      }
    }
    const total = counters.length;
    expect(store.size).toBe(capacity);
    expect(store.get(counters[total - capacity - 1]!)).toBeUndefined();
    for (const n of [total - capacity, total - capacity + 1, total - 1500, total - 1]) {
      expect(store.get(counters[n]!)).toEqual({
        batch: batches[n],
        receiver: n % 7 === 0 ? `bad-${n}` : String(905000000000 + n),
        text: `text ${n}`,
        charge: n % 5,
        validNumber: n % 7 !== 0,
      });
    }
    const entries = [...store.entries()];
    expect(entries.map(([counter]) => counter)).toEqual(counters.slice(total - capacity));
    expect(entries.map(([, message]) => message.text)).toEqual(counters.slice(total - capacity).map((_, k) => `text ${total - capacity + k}`));
  });

  it('forgets everything on clear and goes on counting', () => {
    const store = new MessageStore(4);
    const before = store.reserve(batchOf(0), 't', 1);
    store.set(before, NaN, 'x', 0, 1, 0);
    store.clear();
    expect(store.get(before)).toBeUndefined();
    expect(store.size).toBe(0);
    const after = store.reserve(batchOf(0), 't', 1);
    store.set(after, 905321234567, '905321234567', 0, 1, 1);
    expect(after).toBeGreaterThan(before);
    expect([...store.entries()].map(([counter, message]) => [counter, message.receiver])).toEqual([[after, '905321234567']]);
  });
});

describe('MessageIds', () => {
  it('round-trips counter and account, and refuses ids of another instance or shape', () => {
    const ids = new MessageIds('abc');
    const id = ids.format(123456, 3);
    expect(id).toBe('SBX_abc_2n9c-3');
    expect(ids.parse(id)).toEqual({ counter: 123456, accountIndex: 3 });
    expect(new MessageIds('xyz').parse(id)).toBeUndefined();
    for (const other of ['SBX_abc_2n9c', 'SBX_abc_-3', 'EZ_43D2B5QC-1', '', 'SBX_abc_2N9C-3']) expect(ids.parse(other)).toBeUndefined();
  });
});
