// Request bodies for the HTTP benchmarks: unique numbers, three short texts (one
// SMS segment each, so the sandbox charges one credit a message), one message in
// ten CAMPAIGN so both FigenSoft accounts carry traffic, and optionally a unique
// idempotencyKey each, as a careful client sends.

export const TEXTS = ['Doğrulama kodunuz: 482913', 'Your order #1234 has shipped', 'Faturanız hazır: 120,50 TL'];

/**
 * A generator of JSON bodies for POST /v1/messages. `block` (0–9) is the digit
 * after +90532… … so that generators of one run never share a number.
 */
export function messageBodies({ idempotencyKeys = true, block = 0 } = {}) {
  const runTag = `${Date.now().toString(36)}-${block}`;
  let serial = 0;
  return () => {
    const i = serial++;
    return JSON.stringify({
      to: `+9053${block}${String(i % 10_000_000).padStart(7, '0')}`,
      text: TEXTS[i % TEXTS.length],
      iysType: i % 10 === 9 ? 'CAMPAIGN' : 'NOTIFICATION',
      ...(idempotencyKeys ? { idempotencyKey: `bench-${runTag}-${i}` } : {}),
    });
  };
}

/** `count` distinct E.164 numbers starting at `first` in block `block`, parsed from JSON as a server receives them. */
export function e164Numbers(count, first = 0, block = 0) {
  const list = Array.from({ length: count }, (_, i) => `+9053${block}${String((first + i) % 10_000_000).padStart(7, '0')}`);
  return JSON.parse(JSON.stringify(list));
}
