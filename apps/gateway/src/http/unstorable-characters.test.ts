import { jest } from '@jest/globals';
import type { ValidationIssue } from '@rota/provider';
import { collectUnstorableIssues } from './unstorable-characters.js';

const issuesIn = (value: unknown): ValidationIssue[] => {
  const issues: ValidationIssue[] = [];
  collectUnstorableIssues(value, issues);
  return issues;
};

describe('collectUnstorableIssues', () => {
  it('names each string holding a NUL by its path, top to bottom', () => {
    expect(issuesIn({ messages: [{ text: 'ok' }, { reference: 'a\u0000', to: ['x', '\u0000'] }], key: 'k' }).map((issue) => issue.path)).toEqual(['messages.1.reference', 'messages.1.to.1']);
    expect(issuesIn('\u0000')).toEqual([{ path: '(body)', reason: 'must not contain a NUL character (\\u0000)' }]);
  });

  it('names a lone surrogate (half of a UTF-16 pair) the same way, and lets a whole pair through', () => {
    expect(issuesIn({ idempotencyKey: 'k-\udabc', reference: 'r-😀', to: ['\udc00x'], ['k\ud800']: 1 })).toEqual([
      { path: 'idempotencyKey', reason: 'must not contain a lone surrogate (half of a UTF-16 pair, \\uD800–\\uDFFF: not valid Unicode)' },
      { path: 'k\ud800', reason: '(a field name) must not contain a lone surrogate (half of a UTF-16 pair, \\uD800–\\uDFFF: not valid Unicode)' },
      { path: 'to.0', reason: 'must not contain a lone surrogate (half of a UTF-16 pair, \\uD800–\\uDFFF: not valid Unicode)' },
    ]);
  });

  it('does not walk raw bytes: a pushed report is a Buffer, and its bytes are no strings', () => {
    const entries = jest.spyOn(Object, 'entries');
    try {
      expect(issuesIn(Buffer.alloc(1024 * 1024))).toEqual([]);
      expect(issuesIn({ body: new Uint8Array(16) })).toEqual([]);
      // Once, for the object around the bytes; never for the bytes.
      expect(entries).toHaveBeenCalledTimes(1);
    } finally {
      entries.mockRestore();
    }
  });
});
