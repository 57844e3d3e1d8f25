import fc from 'fast-check';
import { formatFigenSoftDate, parseFigenSoftDate } from '../src/figensoft-dates.js';

describe('FigenSoft dates (yyyyMMdd HH:mm, Turkey time = UTC+3)', () => {
  it('formats in Turkey time, across a day and a year boundary', () => {
    expect(formatFigenSoftDate(new Date('2025-03-09T10:05:00Z'))).toBe('20250309 13:05');
    expect(formatFigenSoftDate(new Date('2025-12-31T22:30:59Z'))).toBe('20260101 01:30');
    // No daylight saving: summer and winter have the same offset.
    expect(formatFigenSoftDate(new Date('2025-07-01T00:00:00Z'))).toBe('20250701 03:00');
  });

  it('parses Turkey time back to the instant', () => {
    expect(parseFigenSoftDate('20250309 13:05')).toEqual(new Date('2025-03-09T10:05:00Z'));
    expect(parseFigenSoftDate('20260101 01:30')).toEqual(new Date('2025-12-31T22:30:00Z'));
  });

  it('reads empty and malformed values as absent', () => {
    for (const bad of ['', null, undefined, '2025-03-09 13:05', '20250231 10:00', '20251301 10:00', '20250101 24:00', '20250101 10:60', '20250101']) {
      expect(parseFigenSoftDate(bad)).toBeUndefined();
    }
  });

  it('refuses to format an invalid date', () => {
    expect(() => formatFigenSoftDate(new Date(Number.NaN))).toThrow(RangeError);
  });

  it('round-trips every instant to the minute', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }), (date) => {
        const minute = Math.floor(date.getTime() / 60_000) * 60_000;
        expect(parseFigenSoftDate(formatFigenSoftDate(date))?.getTime()).toBe(minute);
      }),
      { numRuns: 1_000, seed: 41 },
    );
  });
});
