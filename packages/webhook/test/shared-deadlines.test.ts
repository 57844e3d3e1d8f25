import { SharedDeadlines } from '../src/shared-deadlines.js';

const aborted = (signal: AbortSignal) => new Promise<unknown>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SharedDeadlines', () => {
  it('gives deliveries that start within one step the same signal, and a later one a new signal', async () => {
    const deadlines = new SharedDeadlines(1_000); // a step of 100 ms
    const first = deadlines.signal();
    expect(deadlines.signal()).toBe(first);
    await sleep(120);
    expect(deadlines.signal()).not.toBe(first);
    deadlines.close();
  });

  it('aborts no sooner than the time limit and soon after it (its step, with slack for a busy machine), with a TimeoutError naming the limit', async () => {
    const deadlines = new SharedDeadlines(1_000); // a step of 100 ms
    const started = performance.now();
    const reason = await aborted(deadlines.signal());
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(999);
    // The step, and slack for a busy machine's late timers: still well short of a second limit or a step per delivery.
    expect(took).toBeLessThan(1_000 + 100 + 400);
    expect(reason).toMatchObject({ name: 'TimeoutError', message: 'no answer within 1000 ms' });
    deadlines.close();
  });

  it('leaves no timer behind once closed: a signal it gave out is never aborted', async () => {
    const deadlines = new SharedDeadlines(50);
    const signal = deadlines.signal();
    deadlines.close();
    await sleep(120);
    expect(signal.aborted).toBe(false);
  });
});
