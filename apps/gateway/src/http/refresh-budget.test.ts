import { REFRESH_BURST, RefreshBudget } from './refresh-budget.js';

describe('RefreshBudget', () => {
  it('lets a client burst, then one refresh per 200 ms, each client on its own', () => {
    let now = 0;
    const budget = new RefreshBudget(() => now);
    for (let i = 0; i < REFRESH_BURST; i++) expect(budget.take('acme')).toBe(0);
    expect(budget.take('acme')).toBe(200);
    expect(budget.take('billing')).toBe(0);
    now += 100;
    expect(budget.take('acme')).toBe(100);
    now += 100;
    expect(budget.take('acme')).toBe(0);
    expect(budget.take('acme')).toBe(200);
    // A quiet client gets its burst back, never more.
    now += 60_000;
    for (let i = 0; i < REFRESH_BURST; i++) expect(budget.take('acme')).toBe(0);
    expect(budget.take('acme')).toBeGreaterThan(0);
  });
});
