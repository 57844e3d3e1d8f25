import { describe, expect, it } from '@jest/globals';
import { MergedCalls } from './merged-calls.js';

/** An operation that doubles each entry, keeps the lists it was run with, and fails a list holding `poison`. */
function doubling(poison?: number) {
  const runs: number[][] = [];
  const releases: (() => void)[] = [];
  let held = false;
  const run = async (entries: readonly number[]): Promise<number[]> => {
    runs.push([...entries]);
    if (held) await new Promise<void>((resolve) => releases.push(resolve));
    if (poison !== undefined && entries.includes(poison)) throw new Error(`refused ${poison}`);
    return entries.map((entry) => entry * 2);
  };
  return {
    runs,
    run,
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
    expect(operation.runs).toEqual([[1, 2, 3, 4]]);
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
    expect(operation.runs).toEqual([[1]]);
    operation.release();
    await first;
    await expect(Promise.all(later)).resolves.toEqual([[4], [6, 8], [10], [12, 14, 16, 18], [20]]);
    expect(operation.runs).toEqual([[1], [2, 3, 4], [5], [6, 7, 8, 9], [10]]);
  });

  it('runs up to maxRunning merged calls at once', async () => {
    const operation = doubling();
    const merged = new MergedCalls(operation.run, { maxEntries: 2, maxRunning: 2 });
    operation.hold();
    const calls = [merged.call([1, 2]), merged.call([3, 4]), merged.call([5, 6])];
    await turn();
    expect(operation.runs).toEqual([
      [1, 2],
      [3, 4],
    ]);
    operation.release();
    await expect(Promise.all(calls)).resolves.toEqual([
      [2, 4],
      [6, 8],
      [10, 12],
    ]);
  });

  it("runs each call of a failed merged call alone: only the failing call's caller gets the error", async () => {
    const operation = doubling(3);
    const merged = new MergedCalls(operation.run, { maxEntries: 100, maxRunning: 1 });
    const answers = await Promise.allSettled([merged.call([1]), merged.call([2, 3]), merged.call([4])]);
    expect(answers).toEqual([
      { status: 'fulfilled', value: [2] },
      { status: 'rejected', reason: new Error('refused 3') },
      { status: 'fulfilled', value: [8] },
    ]);
    expect(operation.runs).toEqual([[1, 2, 3, 4], [1], [2, 3], [4]]);
  });

  it('fails every call of a merged call at once with a failure that is no call\'s own, without running them again', async () => {
    const runs: number[][] = [];
    const unreachable = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const merged = new MergedCalls(
      async (entries: readonly number[]) => {
        runs.push([...entries]);
        throw unreachable;
      },
      { maxEntries: 100, maxRunning: 1, sharedFailure: (error) => (error as { code?: string }).code === 'ECONNREFUSED' },
    );
    const answers = await Promise.allSettled([merged.call([1]), merged.call([2])]);
    expect(answers).toEqual([
      { status: 'rejected', reason: unreachable },
      { status: 'rejected', reason: unreachable },
    ]);
    expect(runs).toEqual([[1, 2]]);
  });

  it('fails a call alone with its own error, and goes on with the next', async () => {
    const operation = doubling(1);
    const merged = new MergedCalls(operation.run, { maxEntries: 100, maxRunning: 1 });
    await expect(merged.call([1])).rejects.toThrow('refused 1');
    await expect(merged.call([2])).resolves.toEqual([4]);
    expect(operation.runs).toEqual([[1], [2]]);
  });
});
