import { describe, expect, it } from '@jest/globals';
import { MergedCalls } from './merged-calls.js';

/**
 * An operation that doubles each entry and keeps the calls it was run with
 * (and whether in a slot); a run holding `poison` fails, and while held
 * (`hold`) a run in a slot waits for `release`.
 */
function doubling(poison?: number) {
  const runs: { calls: number[][]; inSlot: boolean }[] = [];
  const releases: (() => void)[] = [];
  let held = false;
  const run = async (calls: readonly (readonly number[])[], inSlot: boolean): Promise<number[][]> => {
    runs.push({ calls: calls.map((call) => [...call]), inSlot });
    if (held && inSlot) await new Promise<void>((resolve) => releases.push(resolve));
    if (poison !== undefined && calls.some((call) => call.includes(poison))) throw new Error(`refused ${poison}`);
    return calls.map((call) => call.map((entry) => entry * 2));
  };
  return {
    runs,
    run,
    /** The calls of each run, in order. */
    calls: () => runs.map((r) => r.calls),
    hold: () => void (held = true),
    release: () => {
      held = false;
      for (const release of releases.splice(0)) release();
    },
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('MergedCalls', () => {
  it('runs the calls made in one turn as one, and answers each caller with its own results', async () => {
    const operation = doubling();
    const merged = new MergedCalls(operation.run, { maxEntries: 100, maxRunning: 1 });
    const answers = await Promise.all([merged.call([1]), merged.call([2, 3]), merged.call([4])]);
    expect(answers).toEqual([[2], [4, 6], [8]]);
    expect(operation.runs).toEqual([{ calls: [[1], [2, 3], [4]], inSlot: true }]);
  });

  it('merges what comes while maxRunning calls run into the next, up to maxEntries; a larger call goes alone', async () => {
    const operation = doubling();
    const merged = new MergedCalls(operation.run, { maxEntries: 3, maxRunning: 1 });
    operation.hold();
    const first = merged.call([1]);
    await turn();
    // The first is running: these wait, and go as two merged calls of at most three entries, and one call of four alone.
    const later = [merged.call([2]), merged.call([3, 4]), merged.call([5]), merged.call([6, 7, 8, 9]), merged.call([10])];
    await turn();
    expect(operation.calls()).toEqual([[[1]]]);
    operation.release();
    await first;
    await expect(Promise.all(later)).resolves.toEqual([[4], [6, 8], [10], [12, 14, 16, 18], [20]]);
    expect(operation.calls()).toEqual([[[1]], [[2], [3, 4]], [[5]], [[6, 7, 8, 9]], [[10]]]);
  });

  it('runs up to maxRunning merged calls at once', async () => {
    const operation = doubling();
    const merged = new MergedCalls(operation.run, { maxEntries: 2, maxRunning: 2 });
    operation.hold();
    const calls = [merged.call([1, 2]), merged.call([3, 4]), merged.call([5, 6])];
    await turn();
    expect(operation.calls()).toEqual([[[1, 2]], [[3, 4]]]);
    operation.release();
    await expect(Promise.all(calls)).resolves.toEqual([
      [2, 4],
      [6, 8],
      [10, 12],
    ]);
  });

  it("runs each call of a failed merged call alone, outside the slot: only the failing call's caller gets the error", async () => {
    const operation = doubling(3);
    const merged = new MergedCalls(operation.run, { maxEntries: 100, maxRunning: 1 });
    const answers = await Promise.allSettled([merged.call([1]), merged.call([2, 3]), merged.call([4])]);
    expect(answers).toEqual([
      { status: 'fulfilled', value: [2] },
      { status: 'rejected', reason: new Error('refused 3') },
      { status: 'fulfilled', value: [8] },
    ]);
    expect(operation.runs).toEqual([
      { calls: [[1], [2, 3], [4]], inSlot: true },
      { calls: [[1]], inSlot: false },
      { calls: [[2, 3]], inSlot: false },
      { calls: [[4]], inSlot: false },
    ]);
  });

  it('lets the next merged call start while the calls of a failed one run again alone (a call that waits long alone holds up no one)', async () => {
    let slowRelease: () => void = () => undefined;
    const runs: { calls: number[][]; inSlot: boolean }[] = [];
    const merged = new MergedCalls(
      async (calls: readonly (readonly number[])[], inSlot: boolean) => {
        runs.push({ calls: calls.map((call) => [...call]), inSlot });
        // A run in the slot that holds 1 gives up (a lock it would wait for); alone, 1 waits until released.
        if (calls.some((call) => call.includes(1))) {
          if (inSlot) throw new Error('lock timeout');
          await new Promise<void>((resolve) => (slowRelease = resolve));
        }
        return calls.map((call) => call.map((entry) => entry * 2));
      },
      { maxEntries: 100, maxRunning: 1 },
    );
    const slow = merged.call([1]);
    const neighbour = merged.call([2]);
    await expect(neighbour).resolves.toEqual([4]);
    // While 1 still waits alone, a later call goes through at once.
    await expect(merged.call([3])).resolves.toEqual([6]);
    slowRelease();
    await expect(slow).resolves.toEqual([2]);
    expect(runs.map((r) => [r.calls, r.inSlot])).toEqual([
      [[[1], [2]], true],
      [[[1]], false],
      [[[2]], false],
      [[[3]], true],
    ]);
  });

  it("fails every call of a merged call at once with a failure that is no call's own, without running them again", async () => {
    const runs: number[][][] = [];
    const unreachable = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const merged = new MergedCalls(
      async (calls: readonly (readonly number[])[]): Promise<number[][]> => {
        runs.push(calls.map((call) => [...call]));
        throw unreachable;
      },
      { maxEntries: 100, maxRunning: 1, sharedFailure: (error) => (error as { code?: string }).code === 'ECONNREFUSED' },
    );
    const answers = await Promise.allSettled([merged.call([1]), merged.call([2])]);
    expect(answers).toEqual([
      { status: 'rejected', reason: unreachable },
      { status: 'rejected', reason: unreachable },
    ]);
    expect(runs).toEqual([[[1], [2]]]);
  });

  it('fails a call with its own error after running it again alone, and goes on with the next', async () => {
    const operation = doubling(1);
    const merged = new MergedCalls(operation.run, { maxEntries: 100, maxRunning: 1 });
    await expect(merged.call([1])).rejects.toThrow('refused 1');
    await expect(merged.call([2])).resolves.toEqual([4]);
    expect(operation.runs).toEqual([
      { calls: [[1]], inSlot: true },
      { calls: [[1]], inSlot: false },
      { calls: [[2]], inSlot: true },
    ]);
  });

  it('tells onRunAlone how many calls of a failed merged call run again alone, and why — once, not for a shared failure', async () => {
    const operation = doubling(1);
    const told: [number, string][] = [];
    const merged = new MergedCalls(operation.run, { maxEntries: 100, maxRunning: 1, onRunAlone: (calls, error) => told.push([calls, String(error)]) });
    const answers = await Promise.allSettled([merged.call([1]), merged.call([2]), merged.call([3])]);
    expect(answers.map((answer) => answer.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(told).toEqual([[3, 'Error: refused 1']]);

    const down = new MergedCalls(doubling(1).run, { maxEntries: 100, maxRunning: 1, sharedFailure: () => true, onRunAlone: (calls, error) => told.push([calls, String(error)]) });
    await Promise.allSettled([down.call([1]), down.call([2])]);
    expect(told).toHaveLength(1);
  });

  it('is idle once every call made is answered, those waiting for a slot included', async () => {
    const operation = doubling();
    const merged = new MergedCalls(operation.run, { maxEntries: 100, maxRunning: 1 });
    operation.hold();
    const answered: number[][] = [];
    void merged.call([1]).then((results) => answered.push(results));
    await turn();
    void merged.call([2]).then((results) => answered.push(results));
    const idle = merged.idle();
    await turn();
    expect(answered).toEqual([]);
    operation.release();
    await idle;
    expect(answered).toEqual([[2], [4]]);
  });
});
