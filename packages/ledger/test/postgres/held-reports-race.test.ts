import type { DeliveryReport } from '@rota/provider';
import { HeldReportsFull, openLedgerStore, type LedgerStore } from '../../src/index.js';
import { PushedReports } from '../../src/reports/pushed-reports.js';
import { dropSchema, freshSchemaName, HASH_KEY, postgresTestConfig } from '../ledger-fixtures.js';

// Pushes of one provider to two gateways at once, each naming messages Rota has
// no record of yet: together they never hold more than the provider's cap
// (counted apart, 12 pushes of 5,000 made 35,000 of a 10,000 cap).

let schema: string;
let stores: LedgerStore[];

beforeEach(async () => {
  schema = freshSchemaName();
  stores = [await openLedgerStore(postgresTestConfig(schema), { hashKey: HASH_KEY }), await openLedgerStore(postgresTestConfig(schema), { hashKey: HASH_KEY })];
});

afterEach(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await dropSchema(schema);
});

it("holds no more than the provider's cap however many pushes come at once, to however many gateways", async () => {
  const gateways = stores.map((store) => new PushedReports({ store, nextDueAt: () => Date.now(), maxHeld: 1_000 }));
  const push = (n: number) => Array.from({ length: 300 }, (_, i): DeliveryReport => ({ providerMessageId: `not-yet-${n}-${i}`, state: 'delivered', final: true }));
  const outcomes = await Promise.all(Array.from({ length: 10 }, (_, n) => gateways[n % 2]!.receive('fake', push(n)).catch((error: unknown) => error)));
  const held = outcomes.filter((outcome) => !(outcome instanceof HeldReportsFull));
  expect(held).toHaveLength(3);
  expect(held).toEqual(Array.from({ length: 3 }, () => ({ matched: 0, held: 300, dropped: 0 })));
  expect(outcomes.filter((outcome) => outcome instanceof HeldReportsFull)).toHaveLength(7);
  expect(await stores[0]!.heldReportCount('fake')).toBe(900);
  // Another provider's room is its own.
  expect(await gateways[1]!.receive('other', push(99))).toEqual({ matched: 0, held: 300, dropped: 0 });
});
