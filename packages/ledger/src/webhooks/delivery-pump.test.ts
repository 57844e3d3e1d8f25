import { pumpDeliveries, type DeliveryPumpOptions } from './delivery-pump.js';

interface Event {
  id: number;
  url: string;
}

/** A queue of `count` events (to `urlOf(i)`), deliveries the test releases by hand, and a log of what the pump did. */
function scene(count: number, urlOf: (i: number) => string = () => 'https://a.example/hook', clock: { now: number } = { now: 0 }) {
  const queue: Event[] = Array.from({ length: count }, (_, id) => ({ id, url: urlOf(id) }));
  const log: string[] = [];
  const pending: { event: Event; settle: (ok: boolean) => void }[] = [];
  const written: number[][] = [];
  let active = 0;
  let peak = 0;
  let started = 0;
  const options = (overrides: Partial<DeliveryPumpOptions<Event, string>> = {}): DeliveryPumpOptions<Event, string> => ({
    batch: 4,
    concurrency: 2,
    perEndpoint: 2,
    stopped: () => false,
    freshForMs: 60_000,
    writeWithinMs: 60_000,
    clock: () => clock.now,
    // Oldest first, passing over the receivers named, as the outbox's claim does.
    claim: async (passOver) => {
      const events = queue.filter((event) => !passOver.includes(event.url)).slice(0, 4);
      for (const event of events) queue.splice(queue.indexOf(event), 1);
      log.push(`claim ${events.length} (${active} in flight)`);
      return events;
    },
    deliver: (event) =>
      new Promise<string>((resolve, reject) => {
        active += 1;
        started += 1;
        peak = Math.max(peak, active);
        pending.push({
          event,
          settle: (ok) => {
            active -= 1;
            if (ok) resolve(`delivered ${event.id}`);
            else reject(new Error(`a bug delivering ${event.id}`));
          },
        });
      }),
    write: async (settled) => {
      written.push(settled.map(({ event }) => event.id));
    },
    ...overrides,
  });
  /** Lets the pump's promise callbacks run, then ends the oldest delivery still out. */
  const releaseOne = async (ok = true): Promise<Event | undefined> => {
    await new Promise((resolve) => setImmediate(resolve));
    const next = pending.shift();
    next?.settle(ok);
    await new Promise((resolve) => setImmediate(resolve));
    return next?.event;
  };
  return { queue, log, pending, written, options, releaseOne, peak: () => peak, started: () => started };
}

describe('pumpDeliveries', () => {
  it('delivers everything due, claiming the next batch while the last one\'s deliveries are still out', async () => {
    const s = scene(10);
    const done = pumpDeliveries(s.options());
    for (let i = 0; i < 10; i++) await s.releaseOne();
    expect(await done).toBe(10);
    // The second and third claims were made with deliveries in flight, not after a pause.
    expect(s.log).toEqual(['claim 4 (0 in flight)', 'claim 4 (2 in flight)', 'claim 2 (2 in flight)']);
    expect(s.written.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Outcomes written a batch at a time at most.
    expect(s.written.every((chunk) => chunk.length <= 4)).toBe(true);
    expect(s.peak()).toBe(2);
  });

  it('ends at once when nothing is due', async () => {
    const s = scene(0);
    expect(await pumpDeliveries(s.options())).toBe(0);
    expect(s.written).toEqual([]);
  });

  it('sends at most perEndpoint at once to one receiver, and lets another receiver\'s events go ahead', async () => {
    const s = scene(4, (i) => (i < 3 ? 'https://slow.example/hook' : 'https://fast.example/hook'));
    const done = pumpDeliveries(s.options({ concurrency: 3, perEndpoint: 1 }));
    await new Promise((resolve) => setImmediate(resolve));
    // The slow receiver's first event and the fast one's only event: the slow receiver's next two wait.
    expect(s.pending.map(({ event }) => event.id)).toEqual([0, 3]);
    for (let i = 0; i < 4; i++) await s.releaseOne();
    expect(await done).toBe(4);
    expect(s.written.flat().sort()).toEqual([0, 1, 2, 3]);
  });

  it('starts nothing more once stopped, and writes what the deliveries already out came to', async () => {
    const s = scene(10);
    let stopped = false;
    const done = pumpDeliveries(s.options({ stopped: () => stopped }));
    await s.releaseOne();
    stopped = true;
    const startedWhenStopped = s.started();
    while (s.pending.length > 0) await s.releaseOne();
    await done;
    // Every delivery started before the stop was written; none started after it.
    expect(s.started()).toBe(startedWhenStopped);
    expect(s.written.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: startedWhenStopped }, (_, i) => i));
    expect(startedWhenStopped).toBeLessThan(10);
  });

  it('fails when a write fails, after the deliveries out end, and writes nothing after it', async () => {
    const s = scene(10);
    let writes = 0;
    const done = pumpDeliveries(
      s.options({
        write: async () => {
          writes += 1;
          throw new Error('disk full');
        },
      }),
    );
    const outcome = expect(done).rejects.toThrow('disk full');
    while (s.pending.length > 0 || writes === 0) await s.releaseOne();
    await outcome;
    expect(writes).toBe(1);
    expect(s.pending).toEqual([]);
  });

  it('fails when a delivery throws, once the others end, without writing their outcomes', async () => {
    const s = scene(2);
    const done = pumpDeliveries(s.options());
    const outcome = expect(done).rejects.toThrow('a bug delivering 0');
    await s.releaseOne(false);
    await s.releaseOne(true);
    await outcome;
    expect(s.written).toEqual([]);
  });

  it('claims past a receiver at its cap: its backlog does not keep the other receivers\' events unclaimed', async () => {
    // Eight events to a receiver that hangs, claimed first; then four to another.
    const s = scene(12, (i) => (i < 8 ? 'https://hanging.example/hook' : 'https://fine.example/hook'));
    const done = pumpDeliveries(s.options({ concurrency: 2, perEndpoint: 1 }));
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    // The hanging receiver has its one slot; the fine one's first event has the other (it waited for the hanging one's end before).
    expect(s.pending.map(({ event }) => event.id)).toEqual([0, 8]);
    while (s.pending.length > 0) await s.releaseOne();
    expect(await done).toBe(12);
    expect(s.written.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('names the receivers at their cap to each claim, so it can pass over their events', async () => {
    const s = scene(12, (i) => (i < 8 ? 'https://hanging.example/hook' : 'https://fine.example/hook'));
    const asked: string[][] = [];
    const claim = s.options().claim;
    const done = pumpDeliveries(
      s.options({
        concurrency: 2,
        perEndpoint: 1,
        claim: async (atCap) => {
          asked.push([...atCap]);
          return claim(atCap);
        },
      }),
    );
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    // The hanging receiver has a claim's worth waiting after the second claim: the third passes over it.
    expect(asked.slice(0, 3)).toEqual([[], [], ['https://hanging.example/hook']]);
    while (s.pending.length > 0) await s.releaseOne();
    expect(await done).toBe(12);
  });

  it('keeps fewer than two claims\' worth waiting for a receiver at its cap', async () => {
    const s = scene(40);
    const done = pumpDeliveries(s.options({ concurrency: 2, perEndpoint: 1 }));
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    // batch 4: one delivering, seven waiting; the third claim passed over the receiver and the other 32 stay unclaimed.
    expect(s.log).toEqual(['claim 4 (0 in flight)', 'claim 4 (1 in flight)', 'claim 0 (1 in flight)']);
    expect(s.queue).toHaveLength(32);
    while (s.pending.length > 0) await s.releaseOne();
    expect(await done).toBe(40);
  });

  it('makes a claim that passes over receivers once a passOverEveryMs at most, after one came back short', async () => {
    const clock = { now: 0 };
    const s = scene(20, undefined, clock);
    const done = pumpDeliveries(s.options({ concurrency: 2, perEndpoint: 1, passOverEveryMs: 20 }));
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(s.log).toHaveLength(3); // the third passed over the receiver and found nothing else
    s.queue.push({ id: 99, url: 'https://late.example/hook' });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(s.log).toHaveLength(3);
    clock.now = 20;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(s.log.at(-1)).toBe('claim 1 (1 in flight)');
    expect(s.pending.map(({ event }) => event.id)).toEqual([0, 99]);
    while (s.pending.length > 0) await s.releaseOne();
    expect(await done).toBe(21);
  });

  it('keeps fewer than sixteen claims\' worth waiting in all, however many receivers are at their cap', async () => {
    // Fifteen receivers that hang, twenty events each, one at a time to each: each may have up to two claims' worth waiting (7).
    const clock = { now: 0 };
    const s = scene(300, (i) => `https://h${Math.floor(i / 20)}.example/hook`, clock);
    const done = pumpDeliveries(s.options({ concurrency: 16, perEndpoint: 1, stopwatch: () => 0, freshForMs: 1e9 }));
    // Time passes, so claims that pass over receivers may be made again.
    for (let i = 0; i < 100; i++) {
      clock.now += 2_000;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const claimed = 300 - s.queue.length;
    // Those delivering, and waiting at most 64 (batch 4 × 16), give or take the last claim's 4: without the cap, 105.
    expect(claimed - s.pending.length).toBeLessThanOrEqual(64 + 3);
    while (s.pending.length > 0) await s.releaseOne();
    expect(await done).toBe(300);
  });

  it('after a claim that passed over receivers, makes the next one twenty times its duration later: they read past the backlog', async () => {
    const clock = { now: 0 };
    // A backlog of one receiver first, then one event each to ten others.
    const s = scene(40, (i) => (i < 30 ? 'https://big.example/hook' : `https://s${i}.example/hook`), clock);
    let watch = 0;
    const passOvers: number[] = [];
    const claim = s.options().claim;
    const done = pumpDeliveries(
      s.options({
        concurrency: 2,
        perEndpoint: 1,
        // Each claim takes 5 ms by this stopwatch: after one that passed over receivers, the next waits 100 ms.
        stopwatch: () => (watch += 5),
        claim: async (passOver) => {
          if (passOver.length > 0) passOvers.push(clock.now);
          return claim(passOver);
        },
      }),
    );
    for (let i = 0; i < 12; i++) await s.releaseOne();
    expect(passOvers).toEqual([0]);
    clock.now = 100;
    while (s.pending.length > 0) await s.releaseOne();
    expect(await done).toBe(40);
    expect(passOvers.length).toBeGreaterThan(1);
    expect(passOvers.slice(1).every((at) => at >= 100)).toBe(true);
  });

  it('lets go an event that waited for its receiver longer than freshForMs', async () => {
    const clock = { now: 0 };
    const s = scene(6, (i) => (i < 4 ? 'https://slow.example/hook' : 'https://fast.example/hook'), clock);
    const done = pumpDeliveries(s.options({ concurrency: 2, perEndpoint: 1, freshForMs: 1_000 }));
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(s.pending.map(({ event }) => event.id)).toEqual([0, 4]); // 1, 2 and 3 wait for the slow receiver, 5 for a slot
    clock.now = 1_001;
    await s.releaseOne();
    // Their lease runs from the claim: too old to start now, they are left for a later claim.
    while (s.pending.length > 0) await s.releaseOne();
    expect(await done).toBe(6);
    expect(s.written.flat()).toEqual([0, 4]);
  });

  it('writes an outcome within writeWithinMs, however few have settled', async () => {
    const clock = { now: 0 };
    const s = scene(3, undefined, clock);
    const done = pumpDeliveries(s.options({ concurrency: 1, writeWithinMs: 20 }));
    await s.releaseOne();
    // Nothing else settles: the timer writes it.
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(s.written).toEqual([[0]]);
    // A settle that finds the oldest unwritten outcome older than the limit writes at once.
    await s.releaseOne();
    clock.now = 20;
    await s.releaseOne();
    expect(s.written).toEqual([[0], [1, 2]]);
    expect(await done).toBe(3);
  });

  it('fails when a claim fails', async () => {
    const s = scene(10);
    await expect(pumpDeliveries(s.options({ claim: () => Promise.reject(new Error('database gone')) }))).rejects.toThrow('database gone');
  });
});
