import type { ConsoleMessage } from '@rota/api';
import { bulkProgress, duration, errorRateSeries, errorShare, percent, perSecond, type State } from '../src/format';

// Compile-time (tsc checks test/ too): the page keeps its own list of message states, a value it
// bundles (importing the schema's would bundle zod), and it must be exactly the states the schema names.
const sameStates: [State, ConsoleMessage['status']] extends [ConsoleMessage['status'], State] ? true : false = true;
void sameStates;

describe('the console\'s formatting', () => {
  it('shows a dash, never NaN or a made-up zero, when there is nothing to measure', () => {
    expect(percent(1, 0)).toBe('—');
    expect(percent(1, 4)).toBe('25.0 %');
  });

  it('counts failed and unknown attempts as errors, rejections not (the message was at fault)', () => {
    expect(errorShare({ accepted: 6, failed: 1, rejected: 2, unknown: 1 })).toEqual({ errors: 2, total: 10 });
    expect(errorRateSeries({ accepted: [1, 0, 3], failed: [1, 0, 0], rejected: [0, 0, 1], unknown: [0, 0, 0] })).toEqual([50, null, 0]);
  });

  it('turns 10-second buckets into messages per second', () => {
    expect(perSecond([0, 5, 20], 10_000)).toEqual([0, 0.5, 2]);
  });

  it('says durations in words an operator reads at a glance', () => {
    expect(duration(4_200)).toBe('4 s');
    expect(duration(200_000)).toBe('3 min 20 s');
    expect(duration(7_500_000)).toBe('2 h 5 min');
    expect(duration(-1)).toBe('—');
  });

  it('splits a bulk\'s bar by state and counts only final states as done', () => {
    const { done, segments } = bulkProgress(10, { queued: 4, dispatching: 1, accepted: 4, failed: 1 });
    expect(done).toBe(5);
    expect(segments.map((s) => [s.state, s.n, s.share])).toEqual([
      ['queued', 4, 0.4],
      ['dispatching', 1, 0.1],
      ['accepted', 4, 0.4],
      ['failed', 1, 0.1],
    ]);
  });

  it("counts a bulk's erased records as done, outside the bar", () => {
    const { done, segments } = bulkProgress(10, { queued: 2, accepted: 5 }, 3);
    expect(done).toBe(8);
    expect(segments.map((s) => [s.state, s.n])).toEqual([
      ['queued', 2],
      ['accepted', 5],
    ]);
  });
});
