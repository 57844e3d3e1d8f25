import { getEventListeners } from 'node:events';
import { abortableSleep, linkedSignal } from './abort-signals.js';

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

describe('linkedSignal', () => {
  it('aborts with the reason of the first source to abort, and lets go of the others', () => {
    const lifetime = new AbortController();
    const route = new AbortController();
    const linked = linkedSignal([lifetime.signal, undefined, route.signal]);
    route.abort('switched off');
    expect(linked.signal.reason).toBe('switched off');
    expect(getEventListeners(lifetime.signal, 'abort')).toHaveLength(0);
  });

  it('leaves nothing on its sources once disposed (AbortSignal.any kept an entry per call on Node 20)', () => {
    const lifetime = new AbortController();
    for (let i = 0; i < 1_000; i++) linkedSignal([lifetime.signal]).dispose();
    expect(getEventListeners(lifetime.signal, 'abort')).toHaveLength(0);
  });

  it('starts aborted when a source is', () => {
    expect(linkedSignal([AbortSignal.abort('closed')]).signal.reason).toBe('closed');
  });
});
