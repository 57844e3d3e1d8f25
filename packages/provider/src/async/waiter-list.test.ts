import { WaiterList } from './waiter-list.js';

describe('WaiterList', () => {
  it('releases every waiter still in the list, once, with the argument', () => {
    const list = new WaiterList<string>();
    const calls: string[] = [];
    list.join((arg) => calls.push(`a:${arg}`));
    list.join((arg) => calls.push(`b:${arg}`));
    list.join((arg) => calls.push(`c:${arg}`));
    list.release('deadline');
    list.release('again');
    expect(calls.sort()).toEqual(['a:deadline', 'b:deadline', 'c:deadline']);
    expect(list.empty).toBe(true);
  });

  it('does not call a waiter that left, wherever it sat in the list', () => {
    for (const leaving of [0, 1, 2]) {
      const list = new WaiterList<void>();
      const called: number[] = [];
      const waiters = [0, 1, 2].map((i) => list.join(() => called.push(i)));
      waiters[leaving]!.leave();
      waiters[leaving]!.leave(); // leaving twice changes nothing
      list.release();
      expect(called.sort()).toEqual([0, 1, 2].filter((i) => i !== leaving));
    }
  });

  it('is empty once every waiter left, and a released waiter leaving is harmless', () => {
    const list = new WaiterList<void>();
    const a = list.join(() => undefined);
    const b = list.join(() => undefined);
    a.leave();
    b.leave();
    expect(list.empty).toBe(true);
    const c = list.join(() => undefined);
    list.release();
    c.leave();
    expect(list.empty).toBe(true);
  });

  it('lets a waiter that joins during a release wait for the next release', () => {
    const list = new WaiterList<number>();
    const calls: number[] = [];
    list.join((n) => {
      calls.push(n);
      list.join((m) => calls.push(m * 10));
    });
    list.release(1);
    expect(calls).toEqual([1]);
    list.release(2);
    expect(calls).toEqual([1, 20]);
  });

  it('lets a callback make other waiters leave during a release: they are not called, the rest all are', () => {
    const list = new WaiterList<void>();
    const called: string[] = [];
    const c = list.join(() => called.push('c'));
    const b = list.join(() => called.push('b'));
    list.join(() => {
      called.push('a');
      b.leave();
    });
    list.release();
    expect(called).toEqual(['a', 'c']);
    expect(list.empty).toBe(true);
    c.leave(); // after the release: harmless
    expect(list.empty).toBe(true);
  });

  it('keeps nothing of a waiter that left (a long-lived list must not hold finished calls)', () => {
    const list = new WaiterList<void>();
    const kept = list.join(() => undefined);
    const gone = list.join(() => undefined);
    const last = list.join(() => undefined);
    gone.leave();
    // Only the list's own links are inspected: the waiter that left is unreachable from it.
    const reachable: unknown[] = [];
    for (let w = list.head; w; w = w.next) reachable.push(w);
    expect(reachable).toEqual([last, kept]);
  });
});
