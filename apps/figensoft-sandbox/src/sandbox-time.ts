// FigenSoft writes and reads dates as `yyyyMMdd HH:mm` in Turkey time, which is
// UTC+3 all year (no daylight saving since 2016).
const TURKEY_OFFSET_MS = 3 * 60 * 60 * 1000;
const WIRE_DATE = /^(\d{4})(\d{2})(\d{2}) (\d{2}):(\d{2})$/;

/** Milliseconds since the epoch, or undefined when the text is not a real `yyyyMMdd HH:mm` instant. */
export function parseWireDate(text: string): number | undefined {
  const match = WIRE_DATE.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  if (month < 1 || month > 12 || hour > 23 || minute > 59) return undefined;
  const utc = Date.UTC(year, month - 1, day, hour, minute);
  // Date.UTC rolls 31 February over into March; a real date survives the round trip.
  if (new Date(utc).getUTCDate() !== day) return undefined;
  return utc - TURKEY_OFFSET_MS;
}

export function formatWireDate(ms: number): string {
  const turkey = new Date(ms + TURKEY_OFFSET_MS);
  return (
    `${turkey.getUTCFullYear()}${pad(turkey.getUTCMonth() + 1)}${pad(turkey.getUTCDate())} ` +
    `${pad(turkey.getUTCHours())}:${pad(turkey.getUTCMinutes())}`
  );
}

function pad(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}
