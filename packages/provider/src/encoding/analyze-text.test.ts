import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { analyzeAsUcs2, analyzeText } from './analyze-text.js';
import type { TextAnalysis } from './encoding.js';
import {
  ESCAPE_SEPTET,
  GSM7_DEFAULT_ALPHABET,
  GSM7_DEFAULT_EXTENSION,
  GSM7_TURKISH_LOCKING_ALPHABET,
  GSM7_TURKISH_SINGLE_SHIFT_EXTENSION,
} from './gsm-alphabet.js';

const a = (n: number): string => 'a'.repeat(n);

describe('analyzeText: GSM-7', () => {
  it.each([
    [160, 1, 160],
    [161, 2, 153],
    [306, 2, 153],
    [307, 3, 153],
  ])('%i plain characters take %i segment(s) of %i septets', (length, segments, unitsPerSegment) => {
    expect(analyzeText(a(length))).toEqual({ encoding: 'GSM7', units: length, unit: 'septet', segments, unitsPerSegment });
  });

  it('keeps Ç Ö Ü ö ü é in the default alphabet at one septet each', () => {
    expect(analyzeText('ÇÖÜöüé')).toEqual({ encoding: 'GSM7', units: 6, unit: 'septet', segments: 1, unitsPerSegment: 160 });
  });

  it.each(['€', '{', '}', '[', ']', '~', '^', '|', '\\', '\f'])('charges two septets for the extension character %j', (ch) => {
    expect(analyzeText(ch)).toMatchObject({ encoding: 'GSM7', units: 2 });
    expect(analyzeText(`x${ch}y`)).toMatchObject({ encoding: 'GSM7', units: 4 });
  });

  it('counts extension characters against the single-segment limit', () => {
    expect(analyzeText(a(158) + '€')).toMatchObject({ encoding: 'GSM7', units: 160, segments: 1 });
    expect(analyzeText(a(159) + '€')).toMatchObject({ encoding: 'GSM7', units: 161, segments: 2 });
  });

  it('moves an escape pair that would straddle a segment boundary whole into the next segment', () => {
    // Part 1 holds 152 'a' (the '{' pair does not fit in the last septet), part 2 holds
    // '{' + 151 'a', and the last 'a' needs a third part: 306 septets, yet 3 segments.
    expect(analyzeText(a(152) + '{' + a(152))).toMatchObject({ encoding: 'GSM7', units: 306, segments: 3 });
    // One character earlier the pair fits exactly and 306 septets take 2 segments.
    expect(analyzeText(a(151) + '{' + a(153))).toMatchObject({ encoding: 'GSM7', units: 306, segments: 2 });
  });

  it('gives an empty text zero units and zero segments', () => {
    expect(analyzeText('')).toEqual({ encoding: 'GSM7', units: 0, unit: 'septet', segments: 0, unitsPerSegment: 160 });
  });

  it('carries every character of the default alphabet at one septet', () => {
    const characters = GSM7_DEFAULT_ALPHABET.filter((_, septet) => septet !== ESCAPE_SEPTET).join('');
    expect(analyzeText(characters)).toMatchObject({ encoding: 'GSM7', units: 127, segments: 1 });
  });
});

describe('analyzeText: Turkish shift tables', () => {
  it.each(['ç', 'ğ', 'ı', 'İ', 'ş', 'Ş', 'Ğ'])('needs a Turkish table for %s', (ch) => {
    // Without è-like letters the locking table carries it in one septet.
    expect(analyzeText(`Merhaba ${ch}`)).toEqual({
      encoding: 'GSM7_TURKISH_SHIFT',
      shift: 'locking',
      units: 9,
      unit: 'septet',
      segments: 1,
      unitsPerSegment: 155,
    });
    // With è the locking table is out; the single-shift table carries it in two.
    expect(analyzeText(`Merhabè ${ch}`)).toEqual({
      encoding: 'GSM7_TURKISH_SHIFT',
      shift: 'single',
      units: 10,
      unit: 'septet',
      segments: 1,
      unitsPerSegment: 155,
    });
  });

  it.each(['è', 'ì', 'Ø', 'ø', 'Æ', 'æ', '¡', '¿'])('falls back to single shift when the text has %s', (ch) => {
    expect(analyzeText(`şu ${ch}`)).toMatchObject({ encoding: 'GSM7_TURKISH_SHIFT', shift: 'single', units: 5 });
  });

  it('charges € one septet under locking shift and two under single shift', () => {
    expect(analyzeText('ş€')).toMatchObject({ shift: 'locking', units: 2 });
    expect(analyzeText('şè€')).toMatchObject({ shift: 'single', units: 5 });
  });

  it.each([
    // 'ş' costs 1 septet in the locking table: septets = 1 + n.
    [155, 1, 155],
    [156, 2, 149],
    [298, 2, 149],
    [299, 3, 149],
  ])('locking shift: %i septets take %i segment(s) of %i', (septets, segments, unitsPerSegment) => {
    expect(analyzeText('ş' + a(septets - 1))).toEqual({
      encoding: 'GSM7_TURKISH_SHIFT',
      shift: 'locking',
      units: septets,
      unit: 'septet',
      segments,
      unitsPerSegment,
    });
  });

  it.each([
    // 'è' rules out locking shift; 'ş' costs 2 septets in the single-shift table: septets = 3 + n.
    [155, 1, 155],
    [156, 2, 149],
    [298, 2, 149],
    [299, 3, 149],
  ])('single shift: %i septets take %i segment(s) of %i', (septets, segments, unitsPerSegment) => {
    expect(analyzeText('èş' + a(septets - 3))).toEqual({
      encoding: 'GSM7_TURKISH_SHIFT',
      shift: 'single',
      units: septets,
      unit: 'septet',
      segments,
      unitsPerSegment,
    });
  });

  it('prefers locking shift when it saves a segment', () => {
    // Locking: 155 septets, one segment; single shift would need 156 and two.
    expect(analyzeText('ş' + a(154))).toMatchObject({ shift: 'locking', units: 155, segments: 1 });
  });

  it('never splits a single-shift escape pair across segments', () => {
    // Part 1: è + 147 'a' = 148 septets, 'ş' (2) does not fit; part 2: 'ş' + 147 'a'; part 3: 1 'a'.
    expect(analyzeText('è' + a(147) + 'ş' + a(148))).toMatchObject({ shift: 'single', units: 298, segments: 3 });
    expect(analyzeText('è' + a(146) + 'ş' + a(149))).toMatchObject({ shift: 'single', units: 298, segments: 2 });
  });

  it('never splits a default-extension escape pair under locking shift', () => {
    expect(analyzeText('ş' + a(147) + '{' + a(148))).toMatchObject({ shift: 'locking', units: 298, segments: 3 });
    expect(analyzeText('ş' + a(146) + '{' + a(149))).toMatchObject({ shift: 'locking', units: 298, segments: 2 });
  });
});

describe('analyzeText: UCS-2', () => {
  it.each([
    [70, 1, 70],
    [71, 2, 67],
    [134, 2, 67],
    [135, 3, 67],
  ])('%i code units take %i segment(s) of %i', (length, segments, unitsPerSegment) => {
    expect(analyzeText('Ж' + a(length - 1))).toEqual({ encoding: 'UCS2', units: length, unit: 'code-unit', segments, unitsPerSegment });
  });

  it.each(['Ж', 'ع', '中', '‰', '∑', '“'])('needs UCS-2 for %s', (ch) => {
    expect(analyzeText(`Merhaba ş ${ch}`)).toMatchObject({ encoding: 'UCS2', units: 11 });
  });

  it('counts an emoji as two code units', () => {
    expect(analyzeText('😀')).toEqual({ encoding: 'UCS2', units: 2, unit: 'code-unit', segments: 1, unitsPerSegment: 70 });
    expect(analyzeText('😀'.repeat(35))).toMatchObject({ units: 70, segments: 1 });
    expect(analyzeText('😀'.repeat(36))).toMatchObject({ units: 72, segments: 2 });
  });

  it('never splits a surrogate pair across segments', () => {
    // Part 1: 66 'a', the emoji does not fit; part 2: emoji + 65 'a'; part 3: 1 'a'.
    expect(analyzeText(a(66) + '😀' + a(66))).toMatchObject({ encoding: 'UCS2', units: 134, segments: 3 });
    expect(analyzeText(a(65) + '😀' + a(67))).toMatchObject({ encoding: 'UCS2', units: 134, segments: 2 });
  });

  it('counts a lone surrogate as one code unit', () => {
    expect(analyzeText('a\uD83D')).toMatchObject({ encoding: 'UCS2', units: 2, segments: 1 });
    expect(analyzeText(a(66) + '\uD83D' + a(67))).toMatchObject({ encoding: 'UCS2', units: 134, segments: 2 });
  });
});

describe('analyzeAsUcs2: a text as a provider without the Turkish shift tables sends it', () => {
  it('counts a Turkish text that fits one shift segment as the two UCS-2 segments it takes', () => {
    const turkish = 'Şubat ayı faturanız hazır: ödemenizi 28 Şubat günü saat 18:00 e kadar yapınız. İyi günler dileriz.';
    expect(analyzeText(turkish)).toMatchObject({ encoding: 'GSM7_TURKISH_SHIFT', segments: 1 });
    expect(analyzeAsUcs2(turkish)).toEqual({ encoding: 'UCS2', units: turkish.length, unit: 'code-unit', segments: 2, unitsPerSegment: 67 });
  });

  it('agrees with analyzeText on any text that needs UCS-2 anyway', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        const ucs2 = 'Ж' + text;
        expect(analyzeAsUcs2(ucs2)).toEqual(analyzeText(ucs2));
      }),
    );
  });
});

describe('GSM 7-bit tables', () => {
  it('has 128 septets in each base table, the escape included', () => {
    expect(GSM7_DEFAULT_ALPHABET).toHaveLength(128);
    expect(GSM7_TURKISH_LOCKING_ALPHABET).toHaveLength(128);
    expect(new Set(GSM7_DEFAULT_ALPHABET).size).toBe(128);
    expect(new Set(GSM7_TURKISH_LOCKING_ALPHABET).size).toBe(128);
  });

  it('differs between the default and Turkish locking tables in exactly the eight documented places', () => {
    const differences = GSM7_DEFAULT_ALPHABET.flatMap((ch, septet) =>
      ch === GSM7_TURKISH_LOCKING_ALPHABET[septet] ? [] : [[septet, ch, GSM7_TURKISH_LOCKING_ALPHABET[septet]]],
    );
    expect(differences).toEqual([
      [0x04, 'è', '€'],
      [0x07, 'ì', 'ı'],
      [0x0b, 'Ø', 'Ğ'],
      [0x0c, 'ø', 'ğ'],
      [0x1c, 'Æ', 'Ş'],
      [0x1d, 'æ', 'ş'],
      [0x40, '¡', 'İ'],
      [0x60, '¿', 'ç'],
    ]);
  });

  it('extends the default extension table with the seven Turkish letters in the single-shift table', () => {
    const turkishOnly = GSM7_TURKISH_SINGLE_SHIFT_EXTENSION.filter(
      ([septet]) => !GSM7_DEFAULT_EXTENSION.some(([other]) => other === septet),
    );
    expect(turkishOnly.map(([, ch]) => ch).join('')).toBe('ĞİŞçğış');
  });
});

// ---------------------------------------------------------------------------
// Reference: a deliberately naive analyser built from character sets written
// out here (not from gsm-alphabet.ts), brute-forcing every option.
// ---------------------------------------------------------------------------

const DEFAULT_CHARACTERS =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const EXTENSION_CHARACTERS = '\f^{}\\[~]|€';
const TURKISH_LETTERS = 'ĞİŞçğış';
const REPLACED_BY_LOCKING = 'èìØøÆæ¡¿';
const LOCKING_CHARACTERS = [...DEFAULT_CHARACTERS].filter((ch) => !REPLACED_BY_LOCKING.includes(ch)).join('') + '€ıĞğŞşİç';

interface Option {
  base: Set<string>;
  extension: Set<string>;
}
const DEFAULT_OPTION: Option = { base: new Set(DEFAULT_CHARACTERS), extension: new Set(EXTENSION_CHARACTERS) };
const SINGLE_OPTION: Option = { base: new Set(DEFAULT_CHARACTERS), extension: new Set(EXTENSION_CHARACTERS + TURKISH_LETTERS) };
const LOCKING_OPTION: Option = { base: new Set(LOCKING_CHARACTERS), extension: new Set(EXTENSION_CHARACTERS) };

/** Septet cost of each character, or undefined when the option cannot carry one of them. */
function septetCosts(characters: string[], option: Option): number[] | undefined {
  const costs: number[] = [];
  for (const ch of characters) {
    if (option.base.has(ch)) costs.push(1);
    else if (option.extension.has(ch)) costs.push(2);
    else return undefined;
  }
  return costs;
}

/** Packs indivisible items into segments in order. */
function countSegments(sizes: number[], single: number, multi: number): number {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (total === 0) return 0;
  if (total <= single) return 1;
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > multi) {
      segments++;
      used = 0;
    }
    used += size;
  }
  return segments;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function referenceAnalysis(text: string): TextAnalysis {
  const characters = Array.from(text); // code points; a lone surrogate stays on its own

  const gsm = septetCosts(characters, DEFAULT_OPTION);
  if (gsm) {
    const segments = countSegments(gsm, 160, 153);
    return { encoding: 'GSM7', units: sum(gsm), unit: 'septet', segments, unitsPerSegment: segments > 1 ? 153 : 160 };
  }

  const turkish = (['single', 'locking'] as const)
    .map((shift) => ({ shift, costs: septetCosts(characters, shift === 'single' ? SINGLE_OPTION : LOCKING_OPTION) }))
    .flatMap(({ shift, costs }) => (costs ? [{ shift, units: sum(costs), segments: countSegments(costs, 155, 149) }] : []))
    // Stable sort: single shift stays first on a full tie.
    .sort((x, y) => x.segments - y.segments || x.units - y.units);
  const best = turkish[0];
  if (best) {
    return {
      encoding: 'GSM7_TURKISH_SHIFT',
      shift: best.shift,
      units: best.units,
      unit: 'septet',
      segments: best.segments,
      unitsPerSegment: best.segments > 1 ? 149 : 155,
    };
  }

  const codeUnits = characters.map((ch) => ch.length);
  const segments = countSegments(codeUnits, 70, 67);
  return { encoding: 'UCS2', units: sum(codeUnits), unit: 'code-unit', segments, unitsPerSegment: segments > 1 ? 67 : 70 };
}

/** mulberry32: small, seeded, good enough to spread test strings. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const POOLS = {
  plain: [...'abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789.,!?'],
  gsmExtra: [...'ÇÖÜöüéÄÑ@£$¥ΔΣ_\n\r'],
  extension: [...EXTENSION_CHARACTERS],
  replacedByLocking: [...REPLACED_BY_LOCKING],
  turkish: [...TURKISH_LETTERS],
  ucs2: ['Ж', 'ع', '中', '‰', '“', '😀', '👍🏽', '\uD83D', '\uDE00', 'ä'.normalize('NFD')],
};

function randomText(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  // Each text mixes the plain pool with a random subset of the others at random
  // densities, and its length clusters around the segment limits.
  const mix = (Object.keys(POOLS) as (keyof typeof POOLS)[])
    .filter((pool) => pool !== 'plain' && random() < (pool === 'ucs2' ? 0.15 : 0.5))
    .map((pool) => ({ pool: POOLS[pool], density: random() * 0.3 }));
  const length = pick([
    Math.floor(random() * 400),
    pick([67, 70, 77, 134, 149, 153, 155, 160, 201, 298, 306]) + Math.floor(random() * 11) - 5,
  ]);
  let text = '';
  for (let i = 0; i < length; i++) {
    const extra = mix.find(({ density }) => random() < density);
    text += pick(extra ? extra.pool : POOLS.plain);
  }
  return text;
}

describe('analyzeText against a brute-force reference', () => {
  it('agrees on 5000 pseudo-random mixed texts', () => {
    const random = prng(0x5a17);
    const seen = new Set<string>();
    const disagreements: { text: string; actual: TextAnalysis; expected: TextAnalysis }[] = [];
    for (let i = 0; i < 5000; i++) {
      const text = randomText(random);
      const expected = referenceAnalysis(text);
      const actual = analyzeText(text);
      seen.add(`${expected.encoding}/${expected.shift ?? '-'}/${Math.min(expected.segments, 3)}`);
      if (!isDeepStrictEqual(actual, expected)) disagreements.push({ text, actual, expected });
    }
    expect(disagreements.slice(0, 3)).toEqual([]);
    // The sample reaches every encoding, both shifts and single and multipart messages.
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        'GSM7/-/0',
        'GSM7/-/1',
        'GSM7/-/2',
        'GSM7/-/3',
        'GSM7_TURKISH_SHIFT/locking/1',
        'GSM7_TURKISH_SHIFT/locking/2',
        'GSM7_TURKISH_SHIFT/locking/3',
        'GSM7_TURKISH_SHIFT/single/1',
        'GSM7_TURKISH_SHIFT/single/2',
        'GSM7_TURKISH_SHIFT/single/3',
        'UCS2/-/1',
        'UCS2/-/2',
        'UCS2/-/3',
      ]),
    );
  });

  it('agrees with the reference on the reference alphabets themselves', () => {
    expect(DEFAULT_CHARACTERS).toHaveLength(127);
    expect(new Set(LOCKING_CHARACTERS).size).toBe(127);
    for (const ch of [...DEFAULT_CHARACTERS, ...EXTENSION_CHARACTERS, ...TURKISH_LETTERS]) {
      expect({ ch, analysis: analyzeText(ch) }).toEqual({ ch, analysis: referenceAnalysis(ch) });
    }
  });
});

describe('analyzeText: properties (fast-check)', () => {
  const character = fc.constantFrom(...Object.values(POOLS).flat());
  const mixedText = fc.array(character, { maxLength: 480 }).map((chars) => chars.join(''));

  it('agrees with the 3GPP reference on generated texts, and never throws', () => {
    fc.assert(
      fc.property(mixedText, (text) => {
        expect(analyzeText(text)).toEqual(referenceAnalysis(text));
      }),
      { numRuns: 2_000, seed: 0x70a },
    );
  });

  it('never throws on arbitrary UTF-16 and gives a consistent shape', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (text) => {
        const result = analyzeText(text);
        expect(result.units).toBeGreaterThanOrEqual(0);
        expect(result.segments).toBe(text.length === 0 ? 0 : result.units <= (result.encoding === 'UCS2' ? 70 : result.shift ? 155 : 160) ? 1 : result.segments);
        expect(result.segments * result.unitsPerSegment).toBeGreaterThanOrEqual(result.units);
      }),
      { numRuns: 2_000, seed: 0x70b },
    );
  });
});
