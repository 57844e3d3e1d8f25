import { describe, expect, it } from '@jest/globals';
import type { LedgerStore } from '../ledger-store.js';
import type { FetchedUnit, PgBossQueue } from '../postgres/pg-boss-queue.js';
import { QUEUE_NAMES } from '../postgres/queue-classes.js';
import { QueueSource } from './queue-source.js';

describe('QueueSource', () => {
  it('hands back, at its next fetch, a job the database would not take back when its claim failed', async () => {
    // A database blip at the wrong moment: the claim fails, and so does the hand-back. Before, the job stayed this
    // worker's, its message unsent, until its time ran out (unitTimeoutSeconds, five minutes by default).
    const job: FetchedUnit = { queue: QUEUE_NAMES.otp, jobId: 'job-1', data: { ids: ['msg_1'] }, retryCount: 0, expireInSeconds: 300 };
    const handedBack: string[][] = [];
    let databaseAway = true;
    let fetched = false;
    const queue = {
      fetch: async () => (fetched ? [] : ((fetched = true), [job])),
      fail: async (units: FetchedUnit[]) => {
        if (databaseAway) throw new Error('the database did not answer');
        handedBack.push(units.map((unit) => unit.jobId));
      },
    } as unknown as PgBossQueue;
    const store = {
      claimUnit: async () => {
        throw new Error('the database did not answer');
      },
    } as unknown as LedgerStore;
    const source = new QueueSource(store, queue);
    await expect(source.next({ otpOnly: true })).rejects.toThrow('did not answer');
    expect(handedBack).toEqual([]);
    // Still away: kept for later, and the fetch goes on.
    expect(await source.next({ otpOnly: true })).toBeUndefined();
    expect(handedBack).toEqual([]);
    databaseAway = false;
    expect(await source.next({ otpOnly: true })).toBeUndefined();
    expect(handedBack).toEqual([['job-1']]);
    // Once: not handed back again.
    expect(await source.next({ otpOnly: true })).toBeUndefined();
    expect(handedBack).toEqual([['job-1']]);
  });
});
