/**
 * FigenSoft writes and reads dates as `yyyyMMdd HH:mm` in Turkey time.
 * ASSUMPTION (figensoft-api.md, [guess]): Turkey time is UTC+3 all year
 * (Turkey has not observed DST since 2016). Change this one constant if the
 * service turns out to use UTC or a different zone.
 */
export const TURKEY_UTC_OFFSET_MINUTES = 180;

const OFFSET_MS = TURKEY_UTC_OFFSET_MINUTES * 60_000;
const FIGENSOFT_DATE = /^(\d{4})(\d{2})(\d{2}) (\d{2}):(\d{2})$/;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** A Date as FigenSoft's `yyyyMMdd HH:mm` in Turkey time; seconds are dropped (the API has minutes only). */
export function formatFigenSoftDate(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new RangeError('cannot format an invalid Date for FigenSoft');
  const t = new Date(time + OFFSET_MS);
  return `${t.getUTCFullYear()}${pad2(t.getUTCMonth() + 1)}${pad2(t.getUTCDate())} ${pad2(t.getUTCHours())}:${pad2(t.getUTCMinutes())}`;
}

/** FigenSoft's `yyyyMMdd HH:mm` (Turkey time) as a Date; undefined when empty or malformed. */
export function parseFigenSoftDate(value: string | null | undefined): Date | undefined {
  if (!value) return undefined;
  const m = FIGENSOFT_DATE.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return undefined;
  const utc = Date.UTC(y, mo - 1, d, h, mi) - OFFSET_MS;
  const date = new Date(utc);
  // Date.UTC rolls 31 February over into March; such a value is malformed, not a date.
  const check = new Date(utc + OFFSET_MS);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return undefined;
  return date;
}
