import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

/**
 * Normalises a phone number written in any common Turkish or international form
 * to E.164 (`+905321234567`). Returns a reason string instead of throwing, so
 * the message schema can name the field and the problem.
 */
export type PhoneNumberResult = { ok: true; e164: string } | { ok: false; reason: string };

// Separators people type: spaces, dots, dashes, slashes and parentheses.
const SEPARATORS = /[\s().\-/]/g;
// Turkish mobile numbers are 5XX XXX XXXX; written with +90, 90, 0090, 0 or
// nothing in front. This is the shape of almost all our traffic, so it skips the
// general parser (several microseconds) and gives the same answer.
const TURKISH_MOBILE = /^(?:\+90|0090|90|0)?(5\d{9})$/;

export function normalizePhoneNumber(input: string): PhoneNumberResult {
  if (isE164TurkishMobile(input)) return { ok: true, e164: input };
  const compact = input.replace(SEPARATORS, '');
  // `../..` is separators only: not empty as written, and "is empty" would puzzle whoever wrote it.
  if (compact.length === 0) return { ok: false, reason: input.trim() === '' ? 'is empty' : 'has no digits' };
  if (compact.length > 20) return { ok: false, reason: 'is too long to be a phone number' };

  const turkishMobile = TURKISH_MOBILE.exec(compact);
  if (turkishMobile) return { ok: true, e164: `+90${turkishMobile[1]}` };

  if (!/^\+?\d+$/.test(compact)) return { ok: false, reason: 'may contain only digits, spaces, dashes, dots, slashes, parentheses and a leading +' };

  // 00 is the international prefix in Turkey; anything else without + is national.
  const international = compact.startsWith('+') ? compact : compact.startsWith('00') ? `+${compact.slice(2)}` : undefined;
  const parsed = international
    ? parsePhoneNumberFromString(international)
    : parsePhoneNumberFromString(compact, 'TR');
  if (!parsed || !parsed.isValid()) return { ok: false, reason: 'is not a valid phone number' };
  if (parsed.country === 'TR' && !parsed.nationalNumber.startsWith('5')) {
    return { ok: false, reason: 'is a Turkish fixed line, which cannot receive SMS' };
  }
  return { ok: true, e164: parsed.number };
}

/** `+905XXXXXXXXX` exactly: what bulk senders usually pass, checked without a regex or a copy. */
function isE164TurkishMobile(input: string): boolean {
  if (input.length !== 13 || input.charCodeAt(0) !== 0x2b || input.charCodeAt(1) !== 0x39 || input.charCodeAt(2) !== 0x30 || input.charCodeAt(3) !== 0x35) {
    return false;
  }
  for (let i = 4; i < 13; i++) {
    const code = input.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

/** `+905321234567` → `+90532*****67`: enough to recognise a number in a log, not to dial it. */
export function maskPhoneNumber(e164: string): string {
  if (e164.length <= 8) return '*'.repeat(e164.length);
  return `${e164.slice(0, 6)}${'*'.repeat(e164.length - 8)}${e164.slice(-2)}`;
}
