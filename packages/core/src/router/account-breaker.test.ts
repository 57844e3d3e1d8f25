import { ProviderError } from '@rota/provider';
import { AccountBreaker } from './account-breaker.js';
import { BreakerSettingsSchema } from './router-types.js';

describe('AccountBreaker', () => {
  it('keeps no per-call latency samples (with them, each failure sorted the whole rolling window)', async () => {
    const breaker = new AccountBreaker(BreakerSettingsSchema.parse({ volumeThreshold: 1_000_000 }), () => {});
    for (let i = 0; i < 500; i++) await breaker.fire(async () => 'ok');
    for (let i = 0; i < 500; i++) await breaker.fire(async () => Promise.reject(new ProviderError('provider-unavailable', 'down'))).catch(() => {});
    const opossum = (breaker as unknown as { breaker: { stats: { latencyTimes: number[]; fires: number } } }).breaker;
    expect(opossum.stats.fires).toBe(1_000);
    expect(opossum.stats.latencyTimes).toEqual([]);
    breaker.shutdown();
  });

  it('does not count message-rejected against the breaker', async () => {
    const breaker = new AccountBreaker(BreakerSettingsSchema.parse({ volumeThreshold: 2 }), () => {});
    for (let i = 0; i < 5; i++) await breaker.fire(async () => Promise.reject(new ProviderError('message-rejected', 'bad number'))).catch(() => {});
    expect(breaker.state).toBe('closed');
    breaker.shutdown();
  });
});

describe('ProviderError', () => {
  it('carries kind, code and retryAfterMs, and keeps only the message line as its stack', () => {
    const error = new ProviderError('retryable', 'throttled', { code: 'HTTP_429', retryAfterMs: 2000 });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'ProviderError', kind: 'retryable', code: 'HTTP_429', retryAfterMs: 2000, message: 'throttled' });
    expect(error.stack?.split('\n')).toHaveLength(1);
    expect(new Error('a bug').stack?.split('\n').length).toBeGreaterThan(1); // the global limit is restored
  });
});
