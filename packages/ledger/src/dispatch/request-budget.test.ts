import { describe, expect, it } from '@jest/globals';
import { RequestBudget, type UnitShare } from './request-budget.js';

/** Requests that end when the test says: `queue(share, name, n)` asks for n, `end(name)` / `fail(name)` ends the oldest running one of that name. */
function requests() {
  const running: Array<{ name: string; end: (failed: boolean) => void }> = [];
  const queue = (share: UnitShare, name: string, count: number): Array<Promise<string>> =>
    Array.from({ length: count }, () =>
      share.limit(() => new Promise<string>((resolve, reject) => running.push({ name, end: (failed) => (failed ? reject(new Error(`${name} failed`)) : resolve(name)) }))),
    );
  const finish = async (name: string, failed: boolean): Promise<void> => {
    const at = running.findIndex((request) => request.name === name);
    if (at < 0) throw new Error(`no ${name} request is running`);
    running.splice(at, 1)[0]!.end(failed);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    queue,
    end: (name: string) => finish(name, false),
    fail: (name: string) => finish(name, true),
    out: (name: string): number => running.filter((request) => request.name === name).length,
  };
}

describe('RequestBudget', () => {
  it('lets a lone unit take the idle slots\' shares, never the OTP slot\'s, and never more', async () => {
    const budget = new RequestBudget(4);
    const r = requests();
    const a = budget.open(2);
    r.queue(a, 'a', 20);
    // Three general slots of 2: a unit alone has 6 out, the OTP slot's 2 kept.
    expect(r.out('a')).toBe(6);
    await r.end('a');
    expect(r.out('a')).toBe(6);
    expect(budget.inFlight).toBe(6);
  });

  it('gives a unit that starts later its own share at once, and the borrower takes no more until the budget has room', async () => {
    const budget = new RequestBudget(4);
    const r = requests();
    const a = budget.open(2);
    r.queue(a, 'a', 20);
    const b = budget.open(2);
    r.queue(b, 'b', 3);
    // b never waits for a's borrowed requests (they may sit out a Retry-After): over the budget for a while.
    expect([r.out('a'), r.out('b')]).toEqual([6, 2]);
    await r.end('a');
    await r.end('a');
    expect([r.out('a'), r.out('b')]).toEqual([4, 2]);
    // Back within the budget (a 4, b 2, the OTP slot's 2 kept): a borrows again only as it has room.
    await r.end('a');
    expect([r.out('a'), r.out('b')]).toEqual([4, 2]);
    await r.end('b');
    expect([r.out('a'), r.out('b')]).toEqual([4, 2]);
    // b done: a borrows its share back.
    await r.end('b');
    await r.end('b');
    b.close();
    await r.end('a');
    expect(r.out('a')).toBe(6);
  });

  it('lets the OTP slot\'s unit have its own share at once however busy the others, and nothing beyond it', async () => {
    const budget = new RequestBudget(4);
    const r = requests();
    const a = budget.open(2);
    r.queue(a, 'a', 20);
    const otp = budget.open(2, { kept: true });
    r.queue(otp, 'otp', 5);
    expect([r.out('a'), r.out('otp')]).toEqual([6, 2]);
    await r.end('otp');
    expect(r.out('otp')).toBe(2);
    // The OTP slot's share is its unit's now, not a's to borrow.
    await r.end('a');
    expect(r.out('a')).toBe(6);
    expect(budget.inFlight).toBe(8);
  });

  it('follows a changed batchConcurrency: a unit opened after it has its own share at once, and the bound is the new one', async () => {
    const budget = new RequestBudget(4);
    const r = requests();
    const a = budget.open(4);
    r.queue(a, 'a', 40);
    expect(r.out('a')).toBe(12);
    const b = budget.open(1);
    r.queue(b, 'b', 10);
    expect(r.out('b')).toBe(1);
    // The bound is now 4 × 1: a, at 12, borrows nothing more as its requests end, down to its own 4.
    for (let i = 0; i < 8; i++) await r.end('a');
    expect(r.out('a')).toBe(4);
    await r.end('b');
    expect(r.out('b')).toBe(1);
  });

  it('frees the place of a request that failed, and answers its caller with the failure', async () => {
    const budget = new RequestBudget(2);
    const r = requests();
    const a = budget.open(1);
    const [first, second] = r.queue(a, 'a', 2);
    expect(r.out('a')).toBe(1);
    await r.fail('a');
    await expect(first).rejects.toThrow('a failed');
    expect(r.out('a')).toBe(1);
    await r.end('a');
    await expect(second).resolves.toBe('a');
  });

  it('answers a request still waiting when its unit closes, never leaving it hanging', async () => {
    const budget = new RequestBudget(2);
    const r = requests();
    const a = budget.open(1);
    const [, waiting] = r.queue(a, 'a', 2);
    a.close();
    await expect(waiting).rejects.toThrow('the dispatch unit ended before this request could start');
  });
});
