import { maskPhoneNumber, normalizePhoneNumber } from './phone-number.js';

describe('normalizePhoneNumber', () => {
  it.each([
    '+90 532 123 45 67',
    '0532 123 45 67',
    '532 123 4567',
    '905321234567',
    '+905321234567',
    '00905321234567',
    '(0532) 123-45-67',
    '0532.123.45.67',
  ])('reads %s as +905321234567', (input) => {
    expect(normalizePhoneNumber(input)).toEqual({ ok: true, e164: '+905321234567' });
  });

  it.each([
    ['+49 151 23456789', '+4915123456789'],
    ['+1 415 555 2671', '+14155552671'],
    ['0044 7911 123456', '+447911123456'],
  ])('accepts the foreign number %s in international form', (input, e164) => {
    expect(normalizePhoneNumber(input)).toEqual({ ok: true, e164 });
  });

  it.each([
    ['', 'is empty'],
    ['   ', 'is empty'],
    ['../..', 'has no digits'],
    ['()-', 'has no digits'],
    ['0532 123 45', 'is not a valid phone number'],
    ['0532 123 45 67 89 00 11 22 33', 'is too long to be a phone number'],
    ['0532-ABC-4567', 'may contain only digits'],
    ['+90 212 123 45 67', 'Turkish fixed line'],
    ['+999 1234567', 'is not a valid phone number'],
  ])('refuses %j (%s)', (input, reason) => {
    const result = normalizePhoneNumber(input);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });
});

describe('maskPhoneNumber', () => {
  it('keeps the country code, operator prefix and the last two digits', () => {
    expect(maskPhoneNumber('+905321234567')).toBe('+90532*****67');
  });
  it('masks short values entirely', () => {
    expect(maskPhoneNumber('+12345')).toBe('******');
  });
});
