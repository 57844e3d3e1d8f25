import { fromTurkeyTime, turkeyTimeParts } from './turkey-time.js';

describe('Turkey time (UTC+3 all year)', () => {
  it('shows an instant on a Turkish wall clock and back', () => {
    const instant = new Date('2030-12-31T22:30:05Z');
    const parts = turkeyTimeParts(instant);
    expect(parts).toEqual({ year: 2031, month: 1, day: 1, hour: 1, minute: 30, second: 5 });
    expect(fromTurkeyTime(parts)).toEqual(instant);
  });

  it('refuses dates that do not exist', () => {
    expect(fromTurkeyTime({ year: 2030, month: 2, day: 31, hour: 0, minute: 0, second: 0 })).toBeUndefined();
    expect(fromTurkeyTime({ year: 2030, month: 13, day: 1, hour: 0, minute: 0, second: 0 })).toBeUndefined();
  });
});
