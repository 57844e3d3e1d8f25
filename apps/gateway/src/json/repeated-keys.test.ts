import { repeatedKeyPaths } from './repeated-keys.js';

describe('repeatedKeyPaths', () => {
  it.each([
    ['no object', '"to"', []],
    ['distinct keys', '{"to":"a","text":"b","nested":{"to":"c"}}', []],
    ['the same key in sibling objects', '[{"to":"a"},{"to":"b"}]', []],
    ['a key twice at the top', '{"to":"a","text":"b","to":"c"}', ['to']],
    ['a key twice in an array element', '{"messages":[{"to":"a"},{"to":"b","to":"c"}]}', ['messages.1.to']],
    ['a key three times', '{"a":1,"a":2,"a":3}', ['a', 'a']],
    ['an escaped spelling of a key', '{"to":"a","t\\u006f":"b"}', ['to']],
    ['quotes, braces and commas inside strings', '{"text":"say \\"}\\", then {, [", "to":"a","x\\\\":1,"to":2}', ['to']],
    ['a value that looks like a key', '{"a":"b","c":"a"}', []],
    ['keys of objects inside arrays inside objects', '{"a":[[{"k":1}],[{"k":1,"k":2}]]}', ['a.1.0.k']],
  ])('%s', (_name, json, paths) => {
    JSON.parse(json); // every case is valid JSON, as the scan expects
    expect(repeatedKeyPaths(json)).toEqual(paths);
  });

  it('stops at the limit it is given', () => {
    expect(repeatedKeyPaths(`{${Array.from({ length: 50 }, () => '"a":1').join(',')}}`, 5)).toHaveLength(5);
  });

  it('cuts a long path to its end, so that the answer stays smaller than the body', () => {
    const deep = `${'{"a-rather-long-key-name":'.repeat(5_000)}{"to":1,"to":2}${'}'.repeat(5_000)}`;
    const [path] = repeatedKeyPaths(deep);
    expect(path).toHaveLength(120);
    expect(path).toMatch(/^….*\.a-rather-long-key-name\.to$/);
  });

  it('walks a body nested 20,000 levels deep without recursion', () => {
    const deep = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
    expect(repeatedKeyPaths(deep)).toEqual([]);
  });
});
