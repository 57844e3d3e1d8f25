import { groupPerNumberIds, parsePerNumberId, perNumberId, wireDigits } from './index.js';

describe('per-number ids (one id a request, a recipient named by request id and number)', () => {
  it('names a recipient by the request id and its E.164 number, whatever form the number came in', () => {
    expect(perNumberId('12323232', '+905321234567')).toBe('12323232+905321234567');
    for (const written of ['905321234567', '05321234567', '5321234567', '00905321234567']) {
      expect(wireDigits(written)).toBe('905321234567');
      expect(perNumberId('12323232', written)).toBe('12323232+905321234567');
    }
  });

  it('reads such an id back, and nothing else', () => {
    expect(parsePerNumberId('12323232+905321234567')).toEqual({ requestId: '12323232', digits: '905321234567' });
    for (const other of ['', '12323232', 'abc+905321234567', '12+123', '12+905321234567x']) expect(parsePerNumberId(other)).toBeUndefined();
  });

  it('groups the ids asked about by request, each number mapped back to its id; the others are unreadable', () => {
    const { byRequest, unreadable } = groupPerNumberIds(['7+905321234567', '7+905321234568', '8+905321234567', 'SBX_1']);
    expect([...byRequest.keys()]).toEqual(['7', '8']);
    expect(Object.fromEntries(byRequest.get('7')!)).toEqual({ '905321234567': '7+905321234567', '905321234568': '7+905321234568' });
    expect(unreadable).toEqual(['SBX_1']);
  });
});
