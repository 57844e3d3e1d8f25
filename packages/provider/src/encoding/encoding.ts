import { z } from 'zod';

/** The alphabets an SMS can be sent in, cheapest first (see docs/sms-encoding.md). */
export const EncodingSchema = z.enum(['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2']);
export type Encoding = z.infer<typeof EncodingSchema>;

/** Which Turkish national-language table a GSM7_TURKISH_SHIFT text uses. */
export type TurkishShift = 'single' | 'locking';

export interface TextAnalysis {
  encoding: Encoding;
  /** Present only for GSM7_TURKISH_SHIFT. */
  shift?: TurkishShift;
  /** Septets for the GSM-7 encodings, UTF-16 code units for UCS-2. */
  units: number;
  unit: 'septet' | 'code-unit';
  segments: number;
  /** Units that fit in one segment at this length (160/153, 155/149, 70/67). */
  unitsPerSegment: number;
}
