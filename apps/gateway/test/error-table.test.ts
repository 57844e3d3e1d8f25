import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// docs/gateway.md's errors table is what a client codes against: every
// `error` code the gateway's source answers is in it, with the status it is
// answered with wherever the source pairs them in one place.

const SOURCE = fileURLToPath(new URL('../src/', import.meta.url));
const DOC = fileURLToPath(new URL('../../../docs/gateway.md', import.meta.url));

function sourceText(): string {
  const files = readdirSync(SOURCE, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));
  return files.map((file) => readFileSync(join(SOURCE, file), 'utf8')).join('\n');
}

/** The table's rows as `status code`. */
function documentedRows(): Set<string> {
  const text = readFileSync(DOC, 'utf8');
  const section = text.slice(text.indexOf('## Errors'), text.indexOf('## Limits'));
  return new Set([...section.matchAll(/^\| (\d{3}) \| `([a-z-]+)` \|/gm)].map((row) => `${row[1]} ${row[2]}`));
}

describe("docs/gateway.md's errors table", () => {
  const source = sourceText();
  const rows = documentedRows();
  const documentedCodes = new Set([...rows].map((row) => row.split(' ')[1]));

  it('names every error code the gateway answers', () => {
    const codes = new Set([...source.matchAll(/error: '([a-z][a-z-]*)'/g)].map((match) => match[1]!));
    expect(codes.size).toBeGreaterThan(15);
    expect([...codes].filter((code) => !documentedCodes.has(code))).toEqual([]);
  });

  it('gives each code the status the source answers it with', () => {
    const pairs = new Set([
      // A table row: `status: 414, error: 'uri-too-long'` (with a statusText in between for socket errors).
      ...[...source.matchAll(/status: (\d{3}),(?: statusText: '[^']*',)? error: '([a-z-]+)'/g)].map((match) => `${match[1]} ${match[2]}`),
      // A route's answer: `reply.code(404).send({ error: 'not-found'`, or over a few lines with headers in between.
      ...[...source.matchAll(/\.code\((\d{3})\)(?:\s*\.header\([^)]*\))*\s*\.send\(\{\s*error: '([a-z-]+)'/g)].map((match) => `${match[1]} ${match[2]}`),
    ]);
    expect(pairs.size).toBeGreaterThan(15);
    expect([...pairs].filter((pair) => !rows.has(pair))).toEqual([]);
  });
});
