// The GSM 7-bit character tables of 3GPP TS 23.038 that Rota can send with.
// Each base table lists its 128 characters in septet order (row n holds
// septets 0xn0–0xnF); ESCAPE_SEPTET is the escape to the active extension table
// and is not a character itself. Extension tables list [septet, character]:
// a character there costs the escape plus its own septet.

/** Septet 0x1B: the next septet is read from the extension table. */
export const ESCAPE_SEPTET = 0x1b;

// Written as rows of 16 so each row can be checked against the spec at a glance;
// '\u001B' marks the escape position.
function baseTable(rows: readonly string[]): readonly string[] {
  const table = [...rows.join('')];
  if (table.length !== 128) throw new Error(`a GSM base table needs 128 septets, got ${table.length}`);
  return table;
}

/** TS 23.038 §6.2.1: the GSM 7-bit default alphabet. */
export const GSM7_DEFAULT_ALPHABET = baseTable([
  '@£$¥èéùìòÇ\nØø\rÅå',
  'Δ_ΦΓΛΩΠΨΣΘΞ\u001BÆæßÉ',
  ' !"#¤%&\'()*+,-./',
  '0123456789:;<=>?',
  '¡ABCDEFGHIJKLMNO',
  'PQRSTUVWXYZÄÖÑÜ§',
  '¿abcdefghijklmno',
  'pqrstuvwxyzäöñüà',
]);

/**
 * TS 23.038 §A.3.1: the Turkish locking-shift table (national language id 1).
 * It is the default alphabet with è ì Ø ø Æ æ ¡ ¿ replaced by € ı Ğ ğ Ş ş İ ç.
 */
export const GSM7_TURKISH_LOCKING_ALPHABET = baseTable([
  '@£$¥€éùıòÇ\nĞğ\rÅå',
  'Δ_ΦΓΛΩΠΨΣΘΞ\u001BŞşßÉ',
  ' !"#¤%&\'()*+,-./',
  '0123456789:;<=>?',
  'İABCDEFGHIJKLMNO',
  'PQRSTUVWXYZÄÖÑÜ§',
  'çabcdefghijklmno',
  'pqrstuvwxyzäöñüà',
]);

/** TS 23.038 §6.2.1.1: the default extension table (0x0A is form feed). */
export const GSM7_DEFAULT_EXTENSION: readonly (readonly [septet: number, character: string])[] = [
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
];

/** TS 23.038 §A.2.1: the Turkish single-shift table (national language id 1). */
export const GSM7_TURKISH_SINGLE_SHIFT_EXTENSION: readonly (readonly [septet: number, character: string])[] = [
  ...GSM7_DEFAULT_EXTENSION,
  [0x47, 'Ğ'],
  [0x49, 'İ'],
  [0x53, 'Ş'],
  [0x63, 'ç'],
  [0x67, 'ğ'],
  [0x69, 'ı'],
  [0x73, 'ş'],
];
