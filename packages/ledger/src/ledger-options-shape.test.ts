import { Ledger } from './ledger.js';
import { LedgerInputError } from './ledger-input-error.js';

// Checked before the ledger touches its store or router: stand-ins of the right kind do.
const store = {} as never;
const router = {} as never;

function refusal(options: Record<string, unknown>): LedgerInputError {
  try {
    new Ledger({ store, router, ...options } as never);
  } catch (error) {
    if (error instanceof LedgerInputError) return error;
    throw error;
  }
  throw new Error('the options were taken');
}

describe('new Ledger(options)', () => {
  it('refuses a misspelt key, naming it, where it was taken as if left out', () => {
    expect(refusal({ dispach: { concurrency: 8 } }).issues).toEqual([{ path: 'dispach', reason: 'is not a known field' }]);
    expect(refusal({ dispatch: { concurency: 8 } }).issues).toEqual([{ path: 'dispatch.concurency', reason: 'is not a known field' }]);
  });

  it('refuses counts a default took the place of, and limits no account could match, naming each', () => {
    const { issues } = refusal({ dispatch: { concurrency: 0 }, reports: { scheduleMs: [] }, limits: new Map([['nosuch', 5], ['fake/fake-notification', 0]]) });
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'dispatch.concurrency', reason: 'must be at least 2 (one unit is kept for OTPs)' },
        { path: 'reports.scheduleMs', reason: 'must list at least one wait' },
        expect.objectContaining({ path: expect.stringMatching(/^limits/), reason: expect.stringContaining('"provider/account"') }),
        expect.objectContaining({ path: expect.stringMatching(/^limits/), reason: expect.stringContaining('at least 1') }),
      ]),
    );
    expect(String(refusal({ store: undefined }))).toMatch(/ledger options: store must be a LedgerStore/);
  });
});
