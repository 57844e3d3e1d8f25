import { shortened } from './shortened.js';

describe('shortened', () => {
  it('keeps a text that fits, and cuts a longer one to the limit, mark included', () => {
    expect(shortened('abc', 3)).toBe('abc');
    expect(shortened('abcdefgh', 6)).toBe('abc...');
    expect(shortened('abcdefgh', 6, '…')).toBe('abcde…');
  });

  it('never cuts through a surrogate pair: the emoji goes whole or not at all', () => {
    const key = `${'a'.repeat(62)}😀b`; // the emoji's two units are the 63rd and 64th
    const cut = shortened(key, 64, '…');
    expect(cut).toBe(`${'a'.repeat(62)}…`);
    expect(cut.length).toBeLessThanOrEqual(64);
    expect((cut as string & { isWellFormed(): boolean }).isWellFormed()).toBe(true);
    expect(shortened(`${'a'.repeat(116)}😀${'b'.repeat(10)}`, 120)).toBe(`${'a'.repeat(116)}...`);
    expect(shortened(`${'a'.repeat(115)}😀${'b'.repeat(10)}`, 120)).toBe(`${'a'.repeat(115)}😀...`);
  });
});
