import { forbiddenKeyPaths } from './forbidden-keys.js';

describe('forbiddenKeyPaths', () => {
  it("names each key that reaches a prototype, in the body's order, and nothing else", () => {
    const body = '{"a":{"__proto__":{"x":1}},"b":[{"constructor":{"prototype":{}}},{"constructor":{"name":"ok"}}],"prototype":1,"a.constructor":{"prototype":1},"c":{"__proto__":null}}';
    expect(forbiddenKeyPaths(body)).toEqual(['a.__proto__', 'b.0.constructor.prototype', 'c.__proto__']);
  });

  it('walks a body nested deeper than the call stack would allow, and gives up on text that is not JSON', () => {
    const deep = `${'{"a":'.repeat(20_000)}{"__proto__":1}${'}'.repeat(20_000)}`;
    expect(forbiddenKeyPaths(deep)).toEqual([expect.stringMatching(/^…(a\.)+__proto__$/)]);
    expect(forbiddenKeyPaths(deep)[0]!.length).toBe(120);
    expect(forbiddenKeyPaths('{"__proto__":')).toEqual([]);
  });
});
