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
    expect(deadline.signal.aborted).toBe(true);
  });

  it('keeps the verdict of a provider that settles when aborted, coded attempt-timeout', async () => {
    const deadlines = new DeadlineSignals(50);
    const deadline = deadlines.bucket();
    // A provider that honours the abort and knows its request never left: retryable, not unknown.
    const honours = new Promise<never>((_, reject) =>
      deadline.signal.addEventListener('abort', () => reject(new ProviderError('retryable', 'aborted before the request was sent', { code: 'aborted' }))),
    );
    const error = await deadline.race(honours).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'retryable', code: 'attempt-timeout', message: 'no answer within 50 ms (aborted before the request was sent)' });
  });

  it('keeps the process alive while a call waits on a deadline, and not once none does', async () => {
    const active = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const deadlines = new DeadlineSignals(60_000);
    const idle = active();
    let answer!: (value: string) => void;
    const pending = deadlines.bucket().race(new Promise<string>((resolve) => (answer = resolve)));
    expect(active()).toBe(idle + 1); // a referenced timer: a script awaiting this send does not exit
    answer('done');
    await pending;
    expect(active()).toBe(idle); // unreferenced again: an idle bucket holds nothing open
    deadlines.close();
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
