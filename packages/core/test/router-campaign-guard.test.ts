import { createFakeProvider } from '@rota/testkit';
import type { Provider } from '@rota/provider';
import { createRouter } from '../src/router/create-router.js';
import { campaign, notification, trail } from './router-helpers.js';

/**
 * A provider whose `select` is buggy: it answers with its NOTIFICATION-only
 * account for every message, CAMPAIGN included. The router must not trust it:
 * a CAMPAIGN message leaves only through an account the provider declares in
 * `campaignAccountIds` (one whose traffic is checked against IYS consent).
 */
function buggySelect(id: string, declared: readonly string[]): { provider: Provider; calls: () => number } {
  const fake = createFakeProvider({ id, accounts: [{ accountId: `${id}-transactional`, iysType: 'NOTIFICATION', senders: ['ROTA'] }] });
  const provider: Provider = {
    id: fake.id,
    capabilities: fake.capabilities,
    accountIds: fake.accountIds,
    campaignAccountIds: declared,
    select: () => ({ eligible: true, accountId: `${id}-transactional`, sender: 'ROTA' }),
    send: (request, options) => fake.send(request, options),
    close: () => fake.close(),
  };
  return { provider, calls: () => fake.callCount };
}

describe('router: CAMPAIGN only through accounts declared to check IYS consent', () => {
  it('skips an account a buggy select picked for a CAMPAIGN message, says why in the trail, and sends through the next provider', async () => {
    const buggy = buggySelect('no-consent-check', []);
    const next = createFakeProvider({ id: 'consent-checked' });
    const router = createRouter({ providers: [{ provider: buggy.provider, rank: 1 }, { provider: next, rank: 2 }] });
    try {
      const result = await router.send(campaign);
      expect(result).toMatchObject({ status: 'accepted', providerId: 'consent-checked', accountId: 'consent-checked-campaign' });
      expect(trail(result)).toEqual(['no-consent-check:skipped', 'consent-checked:accepted']);
      expect(result.attempts[0]!.reason).toMatch(/no-consent-check-transactional is not declared to have its CAMPAIGN traffic checked against IYS consent/);
      expect(result.attempts[0]!.field).toBeUndefined(); // about the account, not the message: no "rejected" verdict from it
      expect(buggy.calls()).toBe(0);
    } finally {
      await router.close();
    }
  });

  it('fails a CAMPAIGN message rather than send it when no provider declares a consent-checked account', async () => {
    const buggy = buggySelect('no-consent-check', []);
    const router = createRouter({ providers: [{ provider: buggy.provider, rank: 1 }] });
    try {
      const result = await router.send(campaign);
      expect(result.status).toBe('failed');
      expect(buggy.calls()).toBe(0);
    } finally {
      await router.close();
    }
  });

  it('lets NOTIFICATION traffic through the same account', async () => {
    const transactional = buggySelect('no-consent-check', []);
    const router = createRouter({ providers: [{ provider: transactional.provider, rank: 1 }] });
    try {
      expect(await router.send(notification)).toMatchObject({ status: 'accepted', providerId: 'no-consent-check' });
    } finally {
      await router.close();
    }
  });

  it('guards bulk sends the same way', async () => {
    const buggy = buggySelect('no-consent-check', []);
    const router = createRouter({ providers: [{ provider: buggy.provider, rank: 1 }] });
    try {
      const results = await router.sendBulk({ to: ['+905321112233', '+905421112244'], text: campaign.text, iysType: 'CAMPAIGN' });
      expect(results.map((r) => r.status)).toEqual(['failed', 'failed']);
      expect(buggy.calls()).toBe(0);
    } finally {
      await router.close();
    }
  });
});
