import { structureProblem } from './structure-limits.js';

const limits = (depth: number, containers = 1_000) => ({ depth, containers });

describe('structureProblem', () => {
  it('counts levels of objects and arrays, both', () => {
    expect(structureProblem('{"messages":[{"to":"+905321234567"}]}', limits(3))).toBeUndefined();
    expect(structureProblem('{"messages":[{"to":["+905321234567"]}]}', limits(3))).toBe('nests objects and arrays more than 3 levels deep');
    expect(structureProblem('[[[1]]]', limits(2))).toBe('nests objects and arrays more than 2 levels deep');
    expect(structureProblem('[[1],[2],[3]]', limits(2))).toBeUndefined();
  });

  it('counts every object and array, side by side as well as nested', () => {
    expect(structureProblem(`[${Array(9).fill('{}').join(',')}]`, limits(5, 10))).toBeUndefined();
    expect(structureProblem(`[${Array(10).fill('{}').join(',')}]`, limits(5, 10))).toBe('holds more than 10 objects and arrays');
  });

  it('reads brackets and braces inside strings as text, escaped quotes and all', () => {
    expect(structureProblem('{"text":"[[[[{{{{ \\"[[[[\\" \\\\"}', limits(1))).toBeUndefined();
    expect(structureProblem('{"a\\\\":[[1]]}', limits(2))).toBe('nests objects and arrays more than 2 levels deep');
  });

  it('stops at the first level too deep: five million brackets are answered at once', () => {
    const deep = `${'['.repeat(2_600_000)}${']'.repeat(2_600_000)}`;
    expect(structureProblem(deep, limits(32))).toBe('nests objects and arrays more than 32 levels deep');
  });

  it('leaves text that is not JSON to the parser (an unclosed string ends the scan)', () => {
    expect(structureProblem('{"text":"[[[[', limits(1))).toBeUndefined();
    expect(structureProblem('', limits(1))).toBeUndefined();
  });
});
