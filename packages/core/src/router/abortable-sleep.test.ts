import { getEventListeners } from 'node:events';
import { abortableSleep } from './abortable-sleep.js';

describe('abortableSleep', () => {
  it('waits, and leaves no listener on its signals once it has', async () => {
    const long = new AbortController();
    const short = new AbortController();
    await abortableSleep(5, [long.signal, undefined, short.signal]);
    expect(getEventListeners(long.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(short.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the reason of the signal that aborts, and lets go of the other', async () => {
    const long = new AbortController();
    const route = new AbortController();
    const waiting = abortableSleep(60_000, [long.signal, route.signal]);
    const reason = { why: 'first was switched off' };
    route.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(getEventListeners(long.signal, 'abort')).toHaveLength(0);
  });

  it('rejects at once for a signal aborted already', async () => {
    await expect(abortableSleep(60_000, [AbortSignal.abort('gone')])).rejects.toBe('gone');
  });
});
