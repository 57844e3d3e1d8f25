// The fake provider of the router benchmarks (run.js, ab.js): answers at once,
// the cheapest possible far end, so only routing costs show.

/**
 * `ProviderError` is passed in: the router recognises a provider's failure by its
 * own build's class, and ab.js runs two builds (whose classes differ) side by side.
 */
export function instantProvider(id, { fails = false, ProviderError }) {
  let counter = 0;
  return {
    id,
    capabilities: { maxRecipientsPerRequest: 800, encodings: ['GSM7', 'GSM7_TURKISH_SHIFT', 'UCS2'], deliveryStatus: false, scheduling: false },
    accountIds: [`${id}-notification`],
    select: (message) =>
      message.iysType === 'NOTIFICATION' ? { eligible: true, accountId: `${id}-notification`, sender: 'ROTA' } : { eligible: false, reason: 'no account' },
    async send(request) {
      if (fails) throw new ProviderError('provider-unavailable', 'down', { code: 'down' });
      return { receipts: request.recipients.map((to) => ({ status: 'accepted', to, providerMessageId: `${id}-${++counter}` })) };
    },
  };
}

/** Two ranks: both accept, or rank 1 fails with provider-unavailable and rank 2 accepts. */
export function benchRouter(createRouter, ProviderError, failover) {
  const providers = [
    { provider: instantProvider('first', { fails: failover, ProviderError }), rank: 1 },
    { provider: instantProvider('second', { ProviderError }), rank: 2 },
  ];
  // errorThresholdPercentage 100 can never be exceeded: the failover path stays a failover path instead of a skip.
  return createRouter({ providers, breaker: { errorThresholdPercentage: 100 }, retry: { retries: 0 } });
}

export const NUMBERS = Array.from({ length: 1_000 }, (_, i) => `0532 ${String(i).padStart(7, '0')}`);
export const TEXTS = ['Doğrulama kodunuz: 482913', 'Your order #1234 has shipped', 'Faturanız hazır: 120,50 TL'];
export const messageAt = (i) => ({ to: NUMBERS[i % NUMBERS.length], text: TEXTS[i % TEXTS.length], iysType: 'NOTIFICATION' });
