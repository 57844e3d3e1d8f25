import { formatWireDate, parseWireDate } from './sandbox-time.js';

describe('wire dates (yyyyMMdd HH:mm, Turkey time = UTC+3)', () => {
  it('reads a Turkey-time date as the right instant', () => {
    expect(parseWireDate('20250102 00:30')).toBe(Date.UTC(2025, 0, 1, 21, 30));
    expect(parseWireDate('20240229 23:59')).toBe(Date.UTC(2024, 1, 29, 20, 59));
  });

  it.each(['2025-01-02 00:30', '20250102 0030', '20250102 00:30:00', '20251301 10:00', '20250230 10:00', '20230229 10:00', '20250101 24:00', '20250101 10:60', ''])(
    'refuses %j',
    (text) => {
      expect(parseWireDate(text)).toBeUndefined();
    },
  );

  it('writes an instant in Turkey time, round-tripping with the reader', () => {
    expect(formatWireDate(Date.UTC(2025, 11, 31, 21, 5, 59))).toBe('20260101 00:05');
    const instant = Date.UTC(2030, 6, 15, 4, 7);
    expect(parseWireDate(formatWireDate(instant))).toBe(instant);
  });
});
