import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ProviderError } from '@rota/provider';
import { DeadlineSignals } from './deadline-signals.js';

// A full collection on demand, to see what the bucket still holds.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

describe('DeadlineSignals', () => {
  // Regression (load bench): calls were raced against the bucket's long-lived
  // promise with Promise.race, whose reaction kept each call's response
  // reachable until the bucket's deadline passed — the whole attempt timeout
  // (30 s by default) — so the heap held every response of the last 30 s.
  it('holds nothing of a call once the call has settled', async () => {
    const deadlines = new DeadlineSignals(60_000);
    const refs: WeakRef<object>[] = [];
    await (async () => {
      for (let i = 0; i < 20; i++) {
        const response = { receipts: new Array(1_000).fill(i) };
        refs.push(new WeakRef(response));
        await deadlines.bucket().race(Promise.resolve(response));
      }
    })();
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    deadlines.close();
  });

  it('fails a call still running when its deadline passes, as outcome-unknown, and aborts its signal', async () => {
    const deadlines = new DeadlineSignals(100);
    const deadline = deadlines.bucket();
    const never = new Promise<never>(() => {});
    const error = await deadline.race(never).catch((e: unknown) => e);
    expect(ProviderError.is(error) && error.kind === 'outcome-unknown' && error.code === 'attempt-timeout').toBe(true);
    expect(deadline.controller.signal.aborted).toBe(true);
  });

  it('passes a call’s own outcome through, value or error', async () => {
    const deadlines = new DeadlineSignals(60_000);
    await expect(deadlines.bucket().race(Promise.resolve('answer'))).resolves.toBe('answer');
    const own = new ProviderError('retryable', 'busy', { code: '503' });
    await expect(deadlines.bucket().race(Promise.reject(own))).rejects.toBe(own);
    deadlines.close();
  });

  it('fails every running call as router-closed on close()', async () => {
    const deadlines = new DeadlineSignals(60_000);
    const running = [deadlines.bucket().race(new Promise(() => {})), deadlines.bucket().race(new Promise(() => {}))];
    deadlines.close();
    const errors = await Promise.all(running.map((call) => call.catch((e: unknown) => e)));
    expect(errors.every((e) => ProviderError.is(e) && e.code === 'router-closed')).toBe(true);
  });
});
