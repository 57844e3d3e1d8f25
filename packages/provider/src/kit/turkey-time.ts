/**
 * Turkish providers write dates in Turkey time, which is UTC+3 all year (no
 * daylight saving since 2016). One constant for every package that formats them.
 */
export const TURKEY_UTC_OFFSET_MINUTES = 180;
const OFFSET_MS = TURKEY_UTC_OFFSET_MINUTES * 60_000;

export interface DateParts {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The calendar fields of `date` on a Turkish wall clock. */
export function turkeyTimeParts(date: Date): DateParts {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new RangeError('cannot format an invalid Date');
  const t = new Date(time + OFFSET_MS);
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate(), hour: t.getUTCHours(), minute: t.getUTCMinutes(), second: t.getUTCSeconds() };
}

/** The instant a Turkish wall clock shows as these fields; undefined when they are not a real date (31 February). */
export function fromTurkeyTime(parts: DateParts): Date | undefined {
  const { year, month, day, hour, minute, second } = parts;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(utc);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return undefined;
  return new Date(utc - OFFSET_MS);
}

/** Two digits, zero-padded. */
export const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
