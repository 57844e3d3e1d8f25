import type { LedgerStore, MessageRecord } from '../../src/index.js';
import { message, openTestStore, TestClock } from '../ledger-fixtures.js';
import { rig, type Rig } from '../ledger-rig.js';

// An operator's resend of an unknown message racing the KVKK erasure of its
// number (SQLite). The resend reads the original, then records a copy; an
// erasure that comes between the two must not leave a copy behind to be sent.

const NUMBER = '+905321234501';

async function unknownOriginal(store: LedgerStore): Promise<string> {
  const [outcome] = await store.recordMessages([{ message: message({ to: NUMBER }), owner: 'acme', state: 'dispatching' }]);
  const { id } = (outcome as { record: MessageRecord }).record;
  await store.finish(id, { status: 'unknown', to: NUMBER, providerId: 'fake', accountId: 'fake-notification', reason: 'interrupted', attempts: [] });
  return id;
}

/** The erasure runs once, between the resend's read of the original and the write of its copy. */
function eraseAfterNextRead(r: Rig): void {
  const read = r.store.get.bind(r.store);
  r.store.get = async (id, scope) => {
    r.store.get = read;
    const record = await read(id, scope);
    await r.ledger.eraseNumber(NUMBER);
    return record;
  };
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 200));

describe('a resend racing the erasure of its number', () => {
  it('erased between its read and its write: answers not-found, records nothing, sends nothing', async () => {
    const store = await openTestStore(new TestClock(Date.now()));
    const id = await unknownOriginal(store);
    const r = await rig({ store });
    eraseAfterNextRead(r);

    expect(await r.ledger.resend(id)).toEqual({ kind: 'not-found' });
    await settled();
    expect((await store.list()).items).toEqual([]);
    expect(r.provider.callCount).toBe(0);
    await r.close();
  });

  it('erased after the resend: the copy is erased with the original', async () => {
    const store = await openTestStore(new TestClock(Date.now()));
    const id = await unknownOriginal(store);
    const r = await rig({ store });

    expect(await r.ledger.resend(id)).toMatchObject({ kind: 'created', record: { resendOf: id, to: NUMBER } });
    expect(await r.ledger.eraseNumber(NUMBER)).toBe(2);
    expect((await store.list()).items).toEqual([]);
    await r.close();
  });
});
