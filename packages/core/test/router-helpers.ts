import { createFakeProvider, type FakeProviderOptionsInput } from '@rota/testkit';
import { createRouter } from '../src/router/create-router.js';
import type { RouterOptions } from '../src/router/router-types.js';

export const notification = { to: '0532 123 45 67', text: 'Kodunuz 123456', iysType: 'NOTIFICATION' } as const;
export const campaign = { to: '0532 123 45 67', text: 'Kış indirimi başladı', iysType: 'CAMPAIGN' } as const;

/** Fake providers with the given ids at ranks 1, 2, 3…, and a router over them with quick settings. */
export function setup(fakes: FakeProviderOptionsInput[], options: Partial<RouterOptions> = {}) {
  const providers = fakes.map((f) => createFakeProvider(f));
  const router = createRouter({
    providers: providers.map((provider, i) => ({ provider, rank: i + 1 })),
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
    ...options,
  });
  return { router, providers };
}

/** The ids of the providers in a result's trail, with what happened at each. */
export function trail(result: { attempts: Array<{ providerId: string; outcome: string }> }): string[] {
  return result.attempts.map((a) => `${a.providerId}:${a.outcome}`);
}
