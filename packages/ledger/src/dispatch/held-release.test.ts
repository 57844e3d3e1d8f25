import { describe, expect, it } from '@jest/globals';
import type { Logger } from '@rota/provider';
import { HeldRelease } from './held-release.js';

/** A release the test ends by hand, counting its calls; a logger that keeps what it is told. */
function parts(answers: Array<number | Error>) {
  const ends: Array<() => void> = [];
  let calls = 0;
  let woken = 0;
  const told: string[] = [];
  const logger = { info: (_: unknown, message: string) => told.push(`info: ${message}`), warn: (_: unknown, message: string) => told.push(`warn: ${message}`) } as unknown as Logger;
  const release = () => {
    const answer = answers[calls++]!;
    return new Promise<number>((resolve, reject) => ends.push(() => (answer instanceof Error ? reject(answer) : resolve(answer))));
  };
  const settle = async () => {
    ends.shift()!();
    for (let turn = 0; turn < 5; turn += 1) await new Promise((resolve) => setImmediate(resolve));
  };
  return { held: new HeldRelease(release, () => (woken += 1), logger), settle, calls: () => calls, woken: () => woken, told };
}

describe('HeldRelease', () => {
  it('makes one more release for any number of requests that came while one ran, and wakes the dispatcher when records were let out', async () => {
    const p = parts([3, 2, 0]);
    p.held.request();
    expect(p.calls()).toBe(1);
    p.held.request();
    p.held.request();
    p.held.request();
    expect(p.calls()).toBe(1);
    await p.settle();
    expect(p.calls()).toBe(2);
    expect(p.woken()).toBe(1);
    await p.settle();
    expect(p.calls()).toBe(2);
    expect(p.woken()).toBe(2);
    // Idle again: the next request releases at once; none released, no wake and no log.
    p.held.request();
    expect(p.calls()).toBe(3);
    await p.settle();
    expect(p.woken()).toBe(2);
    expect(p.told.filter((line) => line.startsWith('info'))).toHaveLength(2);
  });

  it('goes on after a release that failed: it is logged, and the next request releases again', async () => {
    const p = parts([new Error('database gone'), 4]);
    p.held.request();
    await p.settle();
    expect(p.told).toEqual([expect.stringMatching(/^warn: .*each is tried at its next timed try/)]);
    expect(p.woken()).toBe(0);
    p.held.request();
    await p.settle();
    expect(p.woken()).toBe(1);
  });
});
