import { jest } from '@jest/globals';
import fc from 'fast-check';
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import { BulkMessageSchema, MessageSchema, toValidationIssues, validateBulkMessage, validateMessage } from '../src/message/message.js';
import { normalizePhoneNumber } from '../src/message/phone-number.js';

const E164 = /^\+[1-9]\d{6,14}$/;

describe('message schema: properties', () => {
  it('answers any input with either a message or issues naming a path — never a throw', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 3 }), (input) => {
        const result = validateMessage(input);
        if (result.ok) return;
        expect(result.issues.length).toBeGreaterThan(0);
        for (const issue of result.issues) {
          expect(issue.path).not.toBe('');
          expect(issue.reason).not.toBe('');
        }
      }),
      { numRuns: 3_000, seed: 1 },
    );
  });

  it('answers messages with arbitrary field values the same way', () => {
    const value = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined));
    const message = fc.record({
      to: fc.oneof(value, fc.stringMatching(/^\+?[0-9 ()-]{0,20}$/)),
      text: fc.oneof(value, fc.string({ unit: 'grapheme', maxLength: 300 })),
      iysType: fc.oneof(value, fc.constantFrom('NOTIFICATION', 'CAMPAIGN')),
      sender: fc.oneof(value, fc.stringMatching(/^[A-Za-zÇçĞğİıÖöŞşÜü0-9 ]{0,13}$/)),
      sendAt: fc.oneof(value, fc.date({ noInvalidDate: false })),
      otp: value,
    }, { requiredKeys: [] });
    fc.assert(
      fc.property(message, (input) => {
        const result = validateMessage(input);
        if (result.ok) {
          expect(result.message.to).toMatch(E164);
          expect(result.message.analysis.segments).toBeGreaterThan(0);
        } else {
          expect(result.issues.every((i) => i.path.length > 0 && i.reason.length > 0)).toBe(true);
        }
      }),
      { numRuns: 3_000, seed: 2 },
    );
  });
});

describe('validateMessage / validateBulkMessage: the schemas, called without their transform pipe', () => {
  const value = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined));
  const date = fc.oneof(fc.date({ min: new Date('2026-01-01'), max: new Date('2027-01-01') }), fc.constantFrom('2026-12-01T10:00:00+03:00', 'not a date'));
  const text = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.constantFrom('Kodunuz 4711', 'x'.repeat(1_600), 'ş'.repeat(1_000), '   ', 'a\u0000b'),
  );
  const fields = {
    text: fc.oneof({ weight: 4, arbitrary: text }, value),
    iysType: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('NOTIFICATION', 'CAMPAIGN') }, value),
    recipientType: fc.oneof(fc.constantFrom('BIREYSEL', 'TACIR'), value),
    sender: fc.oneof(fc.constantFrom('ROTA', 'ŞİRKET', 'ab'), value),
    sendAt: date,
    validUntil: date,
    otp: fc.oneof(fc.boolean(), value),
    unknownField: value,
  };
  const number = fc.oneof(fc.constantFrom('+905321234567', '0532 123 45 67', '02121234567', 'abc'), value);
  // Same verdict, same issues, same value (key order included) as the schema with its transform.
  const same = (mine: { ok: boolean; issues?: unknown }, value: unknown, schema: typeof MessageSchema | typeof BulkMessageSchema, input: unknown) => {
    const reference = schema.safeParse(input);
    expect(mine.ok).toBe(reference.success);
    if (reference.success) {
      expect(value).toStrictEqual(reference.data);
      expect(Object.keys(value as object)).toEqual(Object.keys(reference.data));
    } else {
      expect(mine.issues).toStrictEqual(toValidationIssues(reference.error));
    }
  };
  // How many valid inputs took the fast path (the schema's own parse was never called), so
  // a test can tell that it exercised that path, not only the schema behind it.
  const fastPath = { valid: 0, fast: 0 };
  const parsesWhile = <T>(schema: typeof MessageSchema | typeof BulkMessageSchema, run: () => T): { value: T; parses: number } => {
    const spy = jest.spyOn(schema, 'safeParse');
    try {
      const value = run();
      return { value, parses: spy.mock.calls.length };
    } finally {
      spy.mockRestore();
    }
  };
  // `reference`: the same input afresh, for inputs that change when read.
  const messageAsSchema = (input: unknown, reference: unknown = input) => {
    const { value: mine, parses } = parsesWhile(MessageSchema, () => validateMessage(input));
    if (mine.ok) count(parses);
    same(mine, mine.ok ? mine.message : undefined, MessageSchema, reference);
  };
  const bulkAsSchema = (input: unknown, reference: unknown = input) => {
    const { value: mine, parses } = parsesWhile(BulkMessageSchema, () => validateBulkMessage(input));
    if (mine.ok) count(parses);
    same(mine, mine.ok ? mine.bulk : undefined, BulkMessageSchema, reference);
  };
  const count = (parses: number) => {
    fastPath.valid++;
    if (parses === 0) fastPath.fast++;
  };
  beforeEach(() => {
    fastPath.valid = 0;
    fastPath.fast = 0;
  });

  it('validateMessage says what MessageSchema.safeParse says', () => {
    fc.assert(
      fc.property(fc.record({ ...fields, to: number, idempotencyKey: fc.oneof(fc.string({ maxLength: 3 }), value) }, { requiredKeys: ['to', 'text', 'iysType'] }), (input) => messageAsSchema(input)),
      { numRuns: 3_000, seed: 21 },
    );
  });

  // Inputs the fast paths take, and near misses: every field plausible, some just wrong.
  const plainNumber = fc.oneof(fc.constantFrom('+905321234567', '0532 123 45 67', '905321234567', '+4915112345678', '02121234567', '+90532', ''), fc.stringMatching(/^\+?[0-9 ]{0,14}$/));
  const plainFields = {
    text: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.constantFrom('Kodunuz 4711', 'x'.repeat(1_600), 'x'.repeat(1_601), 'ş'.repeat(700), ' ', 'a\u0007b', '\ud800')),
    iysType: fc.constantFrom('NOTIFICATION', 'CAMPAIGN', 'notification'),
    recipientType: fc.constantFrom('BIREYSEL', 'TACIR', 'OTHER', undefined),
    sender: fc.oneof(fc.constantFrom('ROTA', 'ROTA SMS', 'ŞİRKET', 'ab', 'ABCDEFGHIJKL', 'A!B', undefined), fc.string({ maxLength: 12 })),
    otp: fc.constantFrom(true, false, undefined, 'yes'),
  };
  const withInherited = <T extends object>(plain: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 9, arbitrary: plain }, { weight: 1, arbitrary: plain.map((m) => Object.assign(Object.create({ inherited: 1 }), m) as T) });

  it('validateMessage says what MessageSchema.safeParse says for plain messages (its fast path)', () => {
    const plain = fc.record(
      {
        ...plainFields,
        to: plainNumber,
        idempotencyKey: fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom('k'.repeat(200), 'k'.repeat(201), undefined)),
      },
      { requiredKeys: ['to', 'text', 'iysType'] },
    );
    fc.assert(
      fc.property(withInherited(plain), (input) => messageAsSchema(input)),
      { numRuns: 5_000, seed: 23 },
    );
    expect(fastPath.fast).toBeGreaterThan(fastPath.valid * 0.9);
  });

  it('validateBulkMessage says what BulkMessageSchema.safeParse says for plain bulks (its fast path)', () => {
    const numbers = fc.oneof(
      { weight: 4, arbitrary: fc.array(fc.constantFrom('+905321234567', '+905329876543', '0532 123 45 67'), { minLength: 1, maxLength: 5 }) },
      fc.array(plainNumber, { maxLength: 4 }),
    );
    const plain = fc.record({ ...plainFields, to: numbers, idempotencyKey: fc.constantFrom('k', undefined) }, { requiredKeys: ['to', 'text', 'iysType'], noNullPrototype: true });
    // A bulk has no idempotency key: one key cannot stand for many messages.
    const bulk = fc.oneof(plain, plain.map(({ idempotencyKey: _, ...rest }) => rest));
    fc.assert(
      fc.property(withInherited(bulk), (input) => bulkAsSchema(input)),
      { numRuns: 5_000, seed: 24 },
    );
    expect(fastPath.fast).toBeGreaterThan(fastPath.valid * 0.9);
  });

  it.each([
    ['validateMessage', '05321234567', messageAsSchema],
    ['validateBulkMessage', ['05321234567', '+905321234568'], bulkAsSchema],
  ] as const)('%s says what its schema says for odd objects: arrays, getters, a polluted prototype', (_, to, check) => {
    const valid = { to, text: 'Merhaba', iysType: 'NOTIFICATION', sender: 'ROTA' };
    const arrayLike = Object.setPrototypeOf(Object.assign([], valid), Object.prototype);
    const withGetters = Object.defineProperties({}, {
      to: { get: () => valid.to, enumerable: true },
      text: { get: () => valid.text, enumerable: true },
      iysType: { value: valid.iysType, enumerable: true },
      sender: { value: 'ROTA', enumerable: false },
    });
    const nullProto = Object.assign(Object.create(null), valid);
    // A proxy that says it lacks a key whose value it still gives.
    const hiding = (key: string) => new Proxy({ ...valid }, { has: (target, k) => k !== key && Reflect.has(target, k) });
    const inputs = [arrayLike, withGetters, nullProto, Object.freeze({ ...valid }), new Proxy({ ...valid }, {}), hiding('to'), hiding('text'), hiding('iysType'), hiding('sender')];
    for (const input of inputs) check(input);
    // A getter that spoils `to` when read: what is seen depends on the order of reading.
    const meddling = () => {
      const input: Record<string, unknown> = { ...valid };
      Object.defineProperty(input, 'text', { enumerable: true, get: () => ((input.to = typeof valid.to === 'string' ? 'bad' : ['bad']), valid.text) });
      return input;
    };
    check(meddling(), meddling());
    const polluted = Object.prototype as Record<string, unknown>;
    for (const [key, value] of [['unknownKey', 1], ['sender', 'ACME'], ['otp', true], ['sendAt', new Date('2026-12-01')]] as const) {
      polluted[key] = value;
      try {
        for (const input of [{ ...valid }, { to: valid.to, text: valid.text, iysType: valid.iysType }]) check(input);
      } finally {
        delete polluted[key];
      }
    }
  });

  it('validateBulkMessage says what BulkMessageSchema.safeParse says', () => {
    fc.assert(
      fc.property(fc.record({ ...fields, to: fc.oneof(fc.array(number, { maxLength: 4 }), value) }, { requiredKeys: ['to', 'text', 'iysType'] }), (input) => bulkAsSchema(input)),
      { numRuns: 3_000, seed: 22 },
    );
  });
});

describe('phone numbers: properties', () => {
  const turkishMobile = fc.stringMatching(/^5\d{9}$/);
  const writtenAs = (national: string) =>
    fc.constantFrom(
      `+90${national}`,
      `90${national}`,
      `0${national}`,
      national,
      `0090${national}`,
      `+90 ${national.slice(0, 3)} ${national.slice(3, 6)} ${national.slice(6, 8)} ${national.slice(8)}`,
      `(0${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6)}`,
    );

  it('reads a Turkish mobile number the same way in every common form', () => {
    fc.assert(
      fc.property(turkishMobile.chain((national) => fc.tuple(fc.constant(national), writtenAs(national))), ([national, written]) => {
        expect(normalizePhoneNumber(written)).toEqual({ ok: true, e164: `+90${national}` });
      }),
      { numRuns: 2_000, seed: 3 },
    );
  });

  it('agrees with libphonenumber, whose general parser the fast path skips', () => {
    fc.assert(
      fc.property(turkishMobile, (national) => {
        const parsed = parsePhoneNumberFromString(`0${national}`, 'TR');
        expect(parsed?.isValid()).toBe(true);
        expect(normalizePhoneNumber(`0${national}`)).toEqual({ ok: true, e164: parsed!.number });
      }),
      { numRuns: 1_000, seed: 4 },
    );
  });

  it('agrees with libphonenumber on numbers already in E.164, which take a shortcut past the regex too', () => {
    fc.assert(
      fc.property(turkishMobile, (national) => {
        const parsed = parsePhoneNumberFromString(`+90${national}`);
        expect(parsed?.isValid()).toBe(true);
        expect(normalizePhoneNumber(`+90${national}`)).toEqual({ ok: true, e164: parsed!.number });
      }),
      { numRuns: 1_000, seed: 6 },
    );
  });

  it('never throws, answers E.164 when it accepts, and is idempotent', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.stringMatching(/^[+0-9 ()-]{0,24}$/)), (input) => {
        const result = normalizePhoneNumber(input);
        if (!result.ok) return expect(result.reason.length).toBeGreaterThan(0);
        expect(result.e164).toMatch(E164);
        expect(normalizePhoneNumber(result.e164)).toEqual(result);
      }),
      { numRuns: 5_000, seed: 5 },
    );
  });
});
