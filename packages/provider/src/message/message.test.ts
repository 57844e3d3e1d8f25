import { MAX_BULK_RECIPIENTS, MAX_SEGMENTS, validateBulkMessage, validateMessage } from './message.js';

const valid = { to: '0532 123 45 67', text: 'Siparişiniz yola çıktı', iysType: 'NOTIFICATION' } as const;

function issuesOf(input: unknown) {
  const result = validateMessage(input);
  if (result.ok) throw new Error('expected the message to be refused');
  return result.issues;
}

describe('validateMessage', () => {
  it('normalises the number, fills defaults and analyses the text once', () => {
    const result = validateMessage(valid);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.message).toMatchObject({
      to: '+905321234567',
      recipientType: 'BIREYSEL',
      otp: false,
      analysis: { encoding: 'GSM7_TURKISH_SHIFT', segments: 1 },
    });
  });

  it('composes decomposed Turkish letters (NFC), so that they fit the Turkish GSM shift rather than UCS-2', () => {
    const decomposed = 'S\u0327'.repeat(140);
    const result = validateMessage({ ...valid, text: decomposed });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.message.text).toBe('Ş'.repeat(140));
    expect(result.message.analysis).toMatchObject({ encoding: 'GSM7_TURKISH_SHIFT', segments: 1 });
  });

  it('accepts a text whose only visible character carries a selector or tags (an emoji heart, a flag)', () => {
    for (const text of ['\u2764\ufe0f', '\u{1f3f4}\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}']) expect(validateMessage({ ...valid, text }).ok).toBe(true);
  });

  it('accepts every optional field', () => {
    const result = validateMessage({
      ...valid,
      iysType: 'CAMPAIGN',
      recipientType: 'TACIR',
      sender: 'ROTA',
      idempotencyKey: 'order-1',
      sendAt: '2030-01-01T10:00:00+03:00',
      validUntil: '2030-01-01T12:00:00+03:00',
      otp: true,
    });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.message.sendAt).toEqual(new Date('2030-01-01T07:00:00Z'));
  });

  // Each bad input names the field at fault and why.
  it.each<[string, unknown, string, RegExp]>([
    ['empty text', { ...valid, text: '' }, 'text', /empty/],
    ['blank text', { ...valid, text: '   \n ' }, 'text', /empty or blank/],
    ['a 5,000-character text', { ...valid, text: 'a'.repeat(5_000) }, 'text', /at most 1600/],
    ['a text over the segment limit', { ...valid, text: 'ж'.repeat(700) }, 'text', new RegExp(`at most ${MAX_SEGMENTS}`)],
    ['a text of line separators', { ...valid, text: '\u2028' }, 'text', /empty or blank/],
    ['a text of a byte order mark', { ...valid, text: '\ufeff' }, 'text', /empty or blank/],
    ['a text of zero-width spaces and joiners', { ...valid, text: '\u200b\u200b\u200d \u2060' }, 'text', /empty or blank/],
    ['a text of other format characters (interlinear annotation, musical symbol formatting, shorthand format controls, Egyptian hieroglyph formatting)', { ...valid, text: '\ufff9\ufffb\u{1d173}\u{1d17a}\u{1bca0}\u{13430}' }, 'text', /empty or blank/],
    ['a text of combining marks alone (they show on the character before them, and there is none)', { ...valid, text: '\u0301\u200b\u0327' }, 'text', /empty or blank/],
    ['a text of 1,601 characters once composed', { ...valid, text: 'e\u0301'.repeat(1_601) }, 'text', /at most 1600/],
    ['a text of blank fillers and selectors (Hangul filler, braille blank, a variation selector, a tag)', { ...valid, text: '\u3164\u2800\ufe0f\u{e0041}\u061c' }, 'text', /empty or blank/],
    ['a text with U+FFFF in it (Mobildev\'s XML body would not be well-formed)', { ...valid, text: 'Merhaba \uffff test' }, 'text', /noncharacter/],
    ['a text with U+FDD0 in it', { ...valid, text: 'Merhaba \ufdd0' }, 'text', /noncharacter/],
    ['a text with U+1FFFE in it', { ...valid, text: 'Merhaba \u{1fffe}' }, 'text', /noncharacter/],
    ['a control character in the text', { ...valid, text: 'hello\u0007' }, 'text', /control character/],
    ['a C1 control character in the text', { ...valid, text: 'a\u009bb' }, 'text', /control character/],
    ['a C1 padding character in the text', { ...valid, text: 'a\u0080b' }, 'text', /control character/],
    ['a lone surrogate in the text', { ...valid, text: 'bad \uD83D text' }, 'text', /lone surrogate/],
    ['text of the wrong type', { ...valid, text: 42 }, 'text', /^must be a string$/],
    ['a bad number', { ...valid, to: '0532 12' }, 'to', /not a valid phone number/],
    ['letters in the number', { ...valid, to: '0532ABC4567' }, 'to', /only digits/],
    ['a Turkish landline', { ...valid, to: '0212 123 45 67' }, 'to', /fixed line/],
    ['a missing number', { text: 'hi', iysType: 'NOTIFICATION' }, 'to', /^is required \(a phone number/],
    ['a missing iysType', { text: 'hi', to: '+905321234567' }, 'iysType', /^is required \(NOTIFICATION or CAMPAIGN\)$/],
    ['a sendAt that is no date', { ...valid, sendAt: 'tomorrow' }, 'sendAt', /^must be an ISO 8601 date-time with its offset/],
    ['a sendAt on 30 February, with its offset', { ...valid, sendAt: '2030-02-30T10:00:00+03:00' }, 'sendAt', /^names a day its month does not have$/],
    ['a validUntil on 31 April', { ...valid, validUntil: '2030-04-31T10:00:00Z' }, 'validUntil', /^names a day its month does not have$/],
    // FigenSoft answered these with a date-format error that counted against the account's breaker.
    ['a sender of spaces', { ...valid, sender: '   ' }, 'sender', /^must not begin or end with a space$/],
    ['a sendAt in the year 999', { ...valid, sendAt: '0999-01-01T00:00:00Z' }, 'sendAt', /^must be in the years 2000 to 9999$/],
    ['a validUntil past the year 9999', { ...valid, validUntil: new Date(8.64e15) }, 'validUntil', /^must be in the years 2000 to 9999$/],
    ['a NUL in the idempotency key', { ...valid, idempotencyKey: 'a\u0000b' }, 'idempotencyKey', /NUL/],
    ['a lone surrogate in the idempotency key (it would read back from a store as U+FFFD)', { ...valid, idempotencyKey: 'a\udabc' }, 'idempotencyKey', /lone surrogate/],
    ['an unknown IYS type', { ...valid, iysType: 'PROMO' }, 'iysType', /NOTIFICATION|CAMPAIGN/],
    ['a missing IYS type', { to: valid.to, text: 'hi' }, 'iysType', /./],
    ['an unknown recipient type', { ...valid, recipientType: 'COMPANY' }, 'recipientType', /BIREYSEL|TACIR/],
    ['a sender with Turkish letters', { ...valid, sender: 'GÜVERCİN' }, 'sender', /Turkish letters/],
    ['a sender that is too short', { ...valid, sender: 'AB' }, 'sender', /at least 3/],
    ['a sender that is too long', { ...valid, sender: 'ABCDEFGHIJKL' }, 'sender', /at most 11/],
    ['a sender with symbols', { ...valid, sender: 'ROTA!' }, 'sender', /may contain only/],
    ['an empty idempotency key', { ...valid, idempotencyKey: '' }, 'idempotencyKey', /empty/],
    ['a sendAt that is not a date', { ...valid, sendAt: 'tomorrow' }, 'sendAt', /./],
    ['validUntil before sendAt', { ...valid, sendAt: '2030-01-01T10:00:00Z', validUntil: '2030-01-01T09:00:00Z' }, 'validUntil', /later than sendAt/],
    ['otp that is not a boolean', { ...valid, otp: 'yes' }, 'otp', /^must be true or false$/],
    ['an unknown field', { ...valid, priority: 'high' }, 'priority', /not a known field/],
  ])('refuses %s, naming the field', (_, input, path, reason) => {
    const issues = issuesOf(input);
    const issue = issues.find((i) => i.path === path);
    expect(issue).toBeDefined();
    expect(issue!.reason).toMatch(reason);
  });

  it.each([null, undefined, 'a string', 42, []])('refuses %j as a whole', (input) => {
    expect(issuesOf(input).length).toBeGreaterThan(0);
  });

  it('counts the text composed (NFC): 900 "e" + U+0301 pairs (1,800 as written) are 900 characters, as sent', () => {
    const result = validateMessage({ ...valid, text: 'e\u0301'.repeat(900) });
    expect(result.ok && result.message.text).toBe('\u00e9'.repeat(900));
    expect(validateMessage({ ...valid, text: 'Kod 1\u0301' }).ok).toBe(true); // a mark after something visible is text
  });

  it('reports every bad field at once', () => {
    const paths = issuesOf({ to: 'x', text: '', iysType: 'X' }).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['to', 'text', 'iysType']));
  });

  it('reports a text too long in SMS and a validity that ends before sendAt beside other bad fields, not only once they are mended', () => {
    const issues = issuesOf({ to: 'x', text: 'ş'.repeat(1_500), iysType: 'X', sendAt: '2030-01-01T10:00:00Z', validUntil: '2030-01-01T09:00:00Z' });
    expect(issues).toEqual([
      { path: 'to', reason: expect.stringMatching(/may contain only/) },
      { path: 'text', reason: `needs 11 SMS segments (GSM7_TURKISH_SHIFT); at most ${MAX_SEGMENTS} are allowed` },
      { path: 'iysType', reason: 'must be NOTIFICATION or CAMPAIGN' },
      { path: 'validUntil', reason: 'must be later than sendAt' },
    ]);
    // A date that is itself refused is named once, for itself, and not compared.
    expect(issuesOf({ ...valid, sendAt: '2030-01-01T10:00:00Z', validUntil: '1999-01-01T09:00:00Z' })).toEqual([{ path: 'validUntil', reason: 'must be in the years 2000 to 9999' }]);
    expect(issuesOf({ ...valid, sendAt: 'soon', validUntil: '2030-01-01T09:00:00Z' }).map((issue) => issue.path)).toEqual(['sendAt']);
  });
});

describe('validateMessage: regressions found by the property tests', () => {
  it('names an unknown empty-string key visibly instead of with an empty path', () => {
    const result = validateMessage({ ...valid, '': 'x' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues).toContainEqual({ path: '""', reason: 'is not a known field' });
  });

  it('cuts a very long unknown key in the issue path: the 400 does not reflect a 4 MB key back', () => {
    const result = validateMessage({ ...valid, ['k'.repeat(4_000_000)]: 'x' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues).toEqual([{ path: `${'k'.repeat(63)}…`, reason: 'is not a known field' }]);
  });
});

describe('validateBulkMessage', () => {
  const bulk = { text: 'Kış indirimi başladı', iysType: 'CAMPAIGN', sender: 'ROTA' } as const;
  const bulkIssues = (input: unknown) => {
    const result = validateBulkMessage(input);
    if (result.ok) throw new Error('expected the bulk to be refused');
    return result.issues;
  };

  it('normalises every number like a single message does, keeping their order, and analyses the text once', () => {
    const result = validateBulkMessage({ ...bulk, to: ['0532 123 45 67', '+905321234568', '90 532 123 45 69'] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.bulk.to).toEqual(['+905321234567', '+905321234568', '+905321234569']);
    expect(result.bulk.analysis).toMatchObject({ encoding: 'GSM7_TURKISH_SHIFT', segments: 1 });
    expect(result.bulk.recipientType).toBe('BIREYSEL');
  });

  it('names each bad entry by its index and says why', () => {
    expect(bulkIssues({ ...bulk, to: ['+905321234567', 'not a number', 42, null, '0212 123 45 67'] })).toEqual([
      { path: 'to.1', reason: expect.stringMatching(/digits/) },
      { path: 'to.2', reason: 'must be a phone number written as a string, not number' },
      { path: 'to.3', reason: 'must be a phone number written as a string, not null' },
      { path: 'to.4', reason: 'is a Turkish fixed line, which cannot receive SMS' },
    ]);
  });

  it.each([
    ['missing', undefined, 'must be a list of phone numbers'],
    ['not a list', '+905321234567', 'must be a list of phone numbers'],
    ['empty', [], 'must list at least one number'],
    ['too long', new Array(MAX_BULK_RECIPIENTS + 1).fill('+905321234567'), `must list at most ${MAX_BULK_RECIPIENTS} numbers`],
  ])('refuses a `to` that is %s', (_, to, reason) => {
    expect(bulkIssues({ ...bulk, to })).toEqual([{ path: 'to', reason }]);
  });

  it('reports the other fields too, and refuses an idempotency key (one key cannot stand for many messages)', () => {
    const paths = bulkIssues({ to: ['+905321234567'], text: '', iysType: 'PROMO', idempotencyKey: 'k' }).map((i) => i.path).sort();
    expect(paths).toEqual(['idempotencyKey', 'iysType', 'text']);
  });

  it('reports a text too long in SMS and an early validUntil beside bad numbers', () => {
    const issues = bulkIssues({ ...bulk, text: 'ş'.repeat(1_500), to: ['+905321234567', 'x'], sendAt: '2030-01-01T10:00:00Z', validUntil: '2030-01-01T10:00:00Z' });
    expect(issues.map((issue) => issue.path)).toEqual(['text', 'to.1', 'validUntil']);
  });
});
