import type { TextAnalysis } from './encoding.js';

// TEMPORARY placeholder (being replaced by the real 3GPP analyser): treats every text as UCS-2.
export function analyzeText(text: string): TextAnalysis {
  const units = text.length;
  const segments = units <= 70 ? 1 : Math.ceil(units / 67);
  return { encoding: 'UCS2', units, unit: 'code-unit', segments, unitsPerSegment: segments === 1 ? 70 : 67 };
}
