import { committedMarkdown, readRepoFile } from '../src/markdown.js';

/**
 * The design notes the project started from live outside this repository (a
 * `shared/` folder beside it), so a reader of a clone cannot follow a pointer
 * there: the docs must say what they need themselves.
 */
const POINTERS_OUT: { what: string; pattern: RegExp }[] = [
  { what: 'a path into shared/', pattern: /(^|[^\w.-])(\.\.\/)*shared\// },
  { what: 'a path into a design folder', pattern: /(^|[^\w.-])design\// },
  { what: 'a design document by its name', pattern: /\bARCHITECTURE(\.md\b|'s\b)|\bSTYLE\.md\b|\b[\w-]+-api\.md\b/ },
  { what: 'a design document or folder', pattern: /\bdesign (document|doc|docs|file|files|folder|notes)\b/i },
];

describe('the docs stand alone', () => {
  it('no committed Markdown file points into shared/ or at the design documents', () => {
    const found: string[] = [];
    for (const file of committedMarkdown()) {
      readRepoFile(file)
        .split('\n')
        .forEach((line, index) => {
          for (const { what, pattern } of POINTERS_OUT) if (pattern.test(line)) found.push(`${file}:${index + 1}: ${what}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });

  it.each([
    ['docs/architecture.md: the design target is shared/design/ARCHITECTURE.md', 'The design\ntarget is `shared/design/ARCHITECTURE.md`;'],
    ['a relative link', 'see [the notes](../shared/design/providers.md)'],
    ["docs/gateway.md: ARCHITECTURE's message table", "See ARCHITECTURE's message table"],
    ['packages/figensoft/README.md: the design document figensoft-api.md', 'is the design document\n`figensoft-api.md`;'],
  ])('would catch %s', (_, text) => {
    expect(POINTERS_OUT.some(({ pattern }) => text.split('\n').some((line) => pattern.test(line)))).toBe(true);
  });
});
