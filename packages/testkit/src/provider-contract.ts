import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  checkAbortedSend,
  checkAccountIds,
  checkCampaignAccounts,
  checkCapabilities,
  checkClose,
  checkHealth,
  checkId,
  checkSelect,
  checkSend,
  checkStatus,
  checkUnknownSender,
  checkUnsupportedEncodings,
  type ContractSubject,
} from './provider-contract-checks.js';

export type { ContractSubject } from './provider-contract-checks.js';

/**
 * The jest suite every provider package runs against itself, so the router can
 * trust any provider the same way. Call it at the top level of a test file.
 * `make` is called before every check (each gets a fresh provider); afterwards
 * the provider is closed and `cleanup` runs.
 */
export function runProviderContract(name: string, make: () => Promise<ContractSubject> | ContractSubject): void {
  describe(`provider contract: ${name}`, () => {
    let subject: ContractSubject | undefined;

    beforeEach(async () => {
      subject = await make();
    });

    afterEach(async () => {
      const current = subject;
      subject = undefined;
      await current?.provider.close?.();
      await current?.cleanup?.();
    });

    const current = (): ContractSubject => {
      if (!subject) throw new Error(`provider contract "${name}": make() did not return a subject`);
      return subject;
    };

    // Each check returns the violations it found; an empty list is a pass, and a failure shows them all.
    it('has a non-empty kebab-case id', () => {
      expect(checkId(current().provider)).toEqual([]);
    });

    it('declares sane capabilities', () => {
      expect(checkCapabilities(current().provider)).toEqual([]);
    });

    it('lists its accounts: non-empty and unique', () => {
      expect(checkAccountIds(current().provider)).toEqual([]);
    });

    it('declares which accounts carry CAMPAIGN traffic, and select() keeps CAMPAIGN messages to them', () => {
      expect(checkCampaignAccounts(current().provider)).toEqual([]);
    });

    it('select() for a NOTIFICATION message names a known account and a valid sender, or gives a reason', () => {
      expect(checkSelect(current().provider, 'NOTIFICATION')).toEqual([]);
    });

    it('select() for a CAMPAIGN message names a known account and a valid sender, or gives a reason', () => {
      expect(checkSelect(current().provider, 'CAMPAIGN')).toEqual([]);
    });

    it('select() refuses a sender no account has, naming it in the reason', () => {
      expect(checkUnknownSender(current().provider)).toEqual([]);
    });

    it('select() refuses a text in an encoding it does not support', () => {
      expect(checkUnsupportedEncodings(current().provider)).toEqual([]);
    });

    it('send() answers one receipt per recipient in order, or fails with a ProviderError (stubs: provider-unavailable)', async () => {
      expect(await checkSend(current())).toEqual([]);
    });

    it('send() with an already-aborted signal rejects with a ProviderError and returns no receipt', async () => {
      expect(await checkAbortedSend(current())).toEqual([]);
    });

    it('status(), if present, returns an array of normalised delivery reports', async () => {
      expect(await checkStatus(current())).toEqual([]);
    });

    it('health(), if present, reports { healthy, accounts } for known accounts', async () => {
      expect(await checkHealth(current())).toEqual([]);
    });

    it('close(), if present, resolves and can be called twice', async () => {
      expect(await checkClose(current())).toEqual([]);
    });
  });
}
