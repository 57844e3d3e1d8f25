/*
 * For providers that answer one id per request (Message Center's order,
 * Mobildev's packet) and none per number: how Rota names each recipient of
 * such a request, and how the numbers of their report rows are matched back.
 */

/** `+905057023100`, `905057023100`, `05057023100`, `5057023100`, `00905057023100` → `905057023100`. */
export function wireDigits(number: string): string {
  const digits = number.replace(/\D/g, '');
  if (digits.length === 10 && digits.startsWith('5')) return `90${digits}`;
  if (digits.length === 11 && digits.startsWith('05')) return `9${digits}`;
  if (digits.startsWith('0090')) return digits.slice(2);
  return digits;
}

/**
 * One recipient's id: the request's id and the number in E.164,
 * `12323232+905321234567`. For an E.164 number, as the router gives them, that
 * is one concatenation (a bulk makes one per recipient).
 */
export function perNumberId(requestId: string, number: string): string {
  if (number.charCodeAt(0) === 0x2b && number.charCodeAt(1) === 0x39 && number.charCodeAt(2) === 0x30) return requestId + number;
  return `${requestId}+${wireDigits(number)}`;
}

/** The request id and number digits of such an id, or undefined for anything else. */
export function parsePerNumberId(id: string): { requestId: string; digits: string } | undefined {
  const match = /^(\d+)\+(\d{6,15})$/.exec(id);
  return match ? { requestId: match[1]!, digits: match[2]! } : undefined;
}

/**
 * Ids asked about, by request: request id → (number digits → id), so each
 * request is read once and its report rows matched back by number; `unreadable`
 * are the ids not of this form.
 */
export function groupPerNumberIds(ids: readonly string[]): { byRequest: Map<string, Map<string, string>>; unreadable: string[] } {
  const byRequest = new Map<string, Map<string, string>>();
  const unreadable: string[] = [];
  for (const id of ids) {
    const parsed = parsePerNumberId(id);
    if (!parsed) {
      unreadable.push(id);
      continue;
    }
    let wanted = byRequest.get(parsed.requestId);
    if (!wanted) byRequest.set(parsed.requestId, (wanted = new Map()));
    wanted.set(parsed.digits, id);
  }
  return { byRequest, unreadable };
}
