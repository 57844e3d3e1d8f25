import type { TextAnalysis } from './encoding.js';
import {
  ESCAPE_SEPTET,
  GSM7_DEFAULT_ALPHABET,
  GSM7_DEFAULT_EXTENSION,
  GSM7_TURKISH_LOCKING_ALPHABET,
  GSM7_TURKISH_SINGLE_SHIFT_EXTENSION,
} from './gsm-alphabet.js';

// ---------------------------------------------------------------------------
// Segment sizes, derived from the 140 user-data octets of one SMS minus the
// User Data Header (UDH): its length octet plus each information element.
// ---------------------------------------------------------------------------

const USER_DATA_OCTETS = 140;
/** Concatenation with an 8-bit reference: IEI 0x00, length, reference, total, sequence. */
const CONCATENATION_IE_OCTETS = 5;
/** National language single shift (IEI 0x24) or locking shift (IEI 0x25): IEI, length, language id. */
const LANGUAGE_SHIFT_IE_OCTETS = 3;

function udhOctets(informationElements: readonly number[]): number {
  return informationElements.length === 0 ? 0 : 1 + informationElements.reduce((sum, octets) => sum + octets, 0);
}
// The UDH is octet-aligned, so septets after it start at the next septet boundary.
function septetsPerSegment(...informationElements: number[]): number {
  return Math.floor((USER_DATA_OCTETS * 8 - udhOctets(informationElements) * 8) / 7);
}
function codeUnitsPerSegment(...informationElements: number[]): number {
  return Math.floor((USER_DATA_OCTETS - udhOctets(informationElements)) / 2);
}

const GSM7_SINGLE = septetsPerSegment(); // 160
const GSM7_MULTI = septetsPerSegment(CONCATENATION_IE_OCTETS); // 153
// Single shift alone and locking shift alone carry the same header, so they share sizes.
// Both shift tables at once (152/146) are never considered: the Turkish single-shift
// letters are all in the locking table already, so the pair can express nothing that
// locking shift alone cannot, at the same septet costs, in smaller segments.
const TURKISH_SINGLE = septetsPerSegment(LANGUAGE_SHIFT_IE_OCTETS); // 155
const TURKISH_MULTI = septetsPerSegment(CONCATENATION_IE_OCTETS, LANGUAGE_SHIFT_IE_OCTETS); // 149
const UCS2_SINGLE = codeUnitsPerSegment(); // 70
const UCS2_MULTI = codeUnitsPerSegment(CONCATENATION_IE_OCTETS); // 67

// ---------------------------------------------------------------------------
// Per-character septet costs under each GSM option, packed into one byte so the
// hot loop does a single typed-array read per UTF-16 code unit:
//   bits 0–1  default alphabet + default extension          (GSM7)
//   bits 2–3  default alphabet + Turkish single-shift table  (single shift)
//   bits 4–5  Turkish locking table + default extension      (locking shift)
// A field holds 1 or 2 septets, or 0 when the option cannot carry the character.
// Every option's characters are a subset of single shift's, so a byte of 0 means
// "no GSM option at all": the text must go as UCS-2.
// ---------------------------------------------------------------------------

const DEFAULT_SHIFT = 0;
const SINGLE_SHIFT = 2;
const LOCKING_SHIFT = 4;

function buildCostTable(): Uint8Array {
  const options: readonly (readonly [shift: number, base: readonly string[], extension: typeof GSM7_DEFAULT_EXTENSION])[] = [
    [DEFAULT_SHIFT, GSM7_DEFAULT_ALPHABET, GSM7_DEFAULT_EXTENSION],
    [SINGLE_SHIFT, GSM7_DEFAULT_ALPHABET, GSM7_TURKISH_SINGLE_SHIFT_EXTENSION],
    [LOCKING_SHIFT, GSM7_TURKISH_LOCKING_ALPHABET, GSM7_DEFAULT_EXTENSION],
  ];
  const costs = new Map<number, number>();
  const setCost = (character: string, shift: number, septets: number): void => {
    const code = character.charCodeAt(0);
    const packed = costs.get(code) ?? 0;
    // A character in both the base and the extension table (€ under locking shift) costs the cheaper.
    if (((packed >> shift) & 3) !== 0) return;
    costs.set(code, packed | (septets << shift));
  };
  for (const [shift, base] of options) {
    base.forEach((character, septet) => {
      if (septet !== ESCAPE_SEPTET) setCost(character, shift, 1);
    });
  }
  for (const [shift, , extension] of options) {
    for (const [, character] of extension) setCost(character, shift, 2);
  }
  // analyzeText relies on single shift being the costliest option that carries
  // every GSM character: a 0 then means UCS-2, and single shift's running total
  // bounds every other option's.
  for (const [code, packed] of costs) {
    const single = (packed >> SINGLE_SHIFT) & 3;
    const others = [(packed >> DEFAULT_SHIFT) & 3, (packed >> LOCKING_SHIFT) & 3];
    if (single === 0 || others.some((cost) => cost > single)) {
      const character = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
      throw new Error(`GSM tables: ${character} must cost single shift at least as much as any other option`);
    }
  }
  // Every table character is in the BMP (the highest is € at U+20AC), so a dense
  // array indexed by code unit covers them all and nothing needs a second lookup.
  const table = new Uint8Array(Math.max(...costs.keys()) + 1);
  for (const [code, packed] of costs) table[code] = packed;
  return table;
}

const COSTS = buildCostTable();
const COSTS_LENGTH = COSTS.length;

function segmentCount(units: number, singleLimit: number, fullParts: number, lastPartFill: number): number {
  if (units === 0) return 0;
  if (units <= singleLimit) return 1;
  return fullParts + (lastPartFill > 0 ? 1 : 0);
}

/**
 * Works out how a text would travel as SMS: the cheapest alphabet that can carry
 * it (GSM-7, then GSM-7 with a Turkish shift table, then UCS-2), its length in
 * that alphabet's units and the number of segments. See docs/sms-encoding.md.
 *
 * Runs on every message, so it is one pass over the string with table lookups
 * and no allocation beyond the result.
 */
export function analyzeText(text: string): TextAnalysis {
  const length = text.length;
  let defaultSeptets = 0;
  let singleSeptets = 0;
  let lockingSeptets = 0;
  // Bit 0: default can carry every character so far; bit 4: locking shift can.
  let available = 0b01_0001;
  let i = 0;

  // Phase 1, all of most texts: while single shift (the costliest option) has room
  // for another escape pair in the first multipart segment, no option has filled
  // a segment yet, so running totals are all the state there is.
  for (; i < length && singleSeptets <= TURKISH_MULTI - 2; i++) {
    const code = text.charCodeAt(i);
    const packed = code < COSTS_LENGTH ? COSTS[code]! : 0;
    if (packed === 0) return analyzeUcs2(text, i);
    available &= packed | (packed >> 1);
    defaultSeptets += packed & 3;
    singleSeptets += (packed >> SINGLE_SHIFT) & 3;
    lockingSeptets += packed >> LOCKING_SHIFT;
  }

  // Phase 2, for long texts: fill multipart segments greedily per option, moving
  // an escape pair that does not fit whole to the next segment.
  let defaultFill = defaultSeptets;
  let defaultParts = 0;
  let singleFill = singleSeptets;
  let singleParts = 0;
  let lockingFill = lockingSeptets;
  let lockingParts = 0;
  for (; i < length; i++) {
    const code = text.charCodeAt(i);
    const packed = code < COSTS_LENGTH ? COSTS[code]! : 0;
    if (packed === 0) return analyzeUcs2(text, i);
    available &= packed | (packed >> 1);

    const defaultCost = packed & 3;
    defaultSeptets += defaultCost;
    defaultFill += defaultCost;
    if (defaultFill > GSM7_MULTI) {
      defaultParts++;
      defaultFill = defaultCost;
    }
    const singleCost = (packed >> SINGLE_SHIFT) & 3;
    singleSeptets += singleCost;
    singleFill += singleCost;
    if (singleFill > TURKISH_MULTI) {
      singleParts++;
      singleFill = singleCost;
    }
    const lockingCost = packed >> LOCKING_SHIFT;
    lockingSeptets += lockingCost;
    lockingFill += lockingCost;
    if (lockingFill > TURKISH_MULTI) {
      lockingParts++;
      lockingFill = lockingCost;
    }
  }

  // GSM-7 wins whenever it can carry the text, even a €-heavy one that locking shift
  // would pack tighter: every handset reads it, and that is what the design asks.
  if ((available & 1) !== 0) {
    const segments = segmentCount(defaultSeptets, GSM7_SINGLE, defaultParts, defaultFill);
    return {
      encoding: 'GSM7',
      units: defaultSeptets,
      unit: 'septet',
      segments,
      unitsPerSegment: segments > 1 ? GSM7_MULTI : GSM7_SINGLE,
    };
  }

  // Single shift can carry any text that reached here; locking shift cannot if the
  // text has one of the default-table letters it replaces (è ì Ø ø Æ æ ¡ ¿).
  const singleSegments = segmentCount(singleSeptets, TURKISH_SINGLE, singleParts, singleFill);
  let shift: 'single' | 'locking' = 'single';
  let units = singleSeptets;
  let segments = singleSegments;
  if ((available & (1 << LOCKING_SHIFT)) !== 0) {
    const lockingSegments = segmentCount(lockingSeptets, TURKISH_SINGLE, lockingParts, lockingFill);
    // Fewer segments, then fewer septets; on a tie single shift, which more handsets support.
    if (lockingSegments < singleSegments || (lockingSegments === singleSegments && lockingSeptets < singleSeptets)) {
      shift = 'locking';
      units = lockingSeptets;
      segments = lockingSegments;
    }
  }
  return {
    encoding: 'GSM7_TURKISH_SHIFT',
    shift,
    units,
    unit: 'septet',
    segments,
    unitsPerSegment: segments > 1 ? TURKISH_MULTI : TURKISH_SINGLE,
  };
}

/**
 * The text as UCS-2 whatever it holds: how a provider without the Turkish shift
 * tables sends a text that needs them (UCS-2 carries any text: the same one
 * segment up to 70 characters, two to three times the shift table's segments past that).
 */
export function analyzeAsUcs2(text: string): TextAnalysis {
  return analyzeUcs2(text, 0);
}

/**
 * UCS-2 continuation of analyzeText from the first character no GSM option can
 * carry. Everything before `from` was a GSM character, hence one BMP code unit
 * each, so the segment fill up to there follows from `from` alone.
 */
function analyzeUcs2(text: string, from: number): TextAnalysis {
  const length = text.length;
  let parts = Math.floor(from / UCS2_MULTI);
  let fill = from - parts * UCS2_MULTI;
  for (let i = from; i < length; i++) {
    const code = text.charCodeAt(i);
    let units = 1;
    // A surrogate pair (an emoji, say) is one character: it never straddles two segments.
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        units = 2;
        i++;
      }
    }
    fill += units;
    if (fill > UCS2_MULTI) {
      parts++;
      fill = units;
    }
  }
  const segments = segmentCount(length, UCS2_SINGLE, parts, fill);
  return {
    encoding: 'UCS2',
    units: length,
    unit: 'code-unit',
    segments,
    unitsPerSegment: segments > 1 ? UCS2_MULTI : UCS2_SINGLE,
  };
}
