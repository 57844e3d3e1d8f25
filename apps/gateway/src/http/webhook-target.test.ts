import type { RotaConfig } from '../config/rota-config.js';
import { webhookTarget } from './webhook-target.js';

/** Just what webhookTarget reads of a configuration: one client's webhook block and the http switch. */
const configWith = (webhook: { url?: string; allowedUrls: string[] }): RotaConfig =>
  ({ gateway: { apiKeys: [{ name: 'shop', webhook }], webhooks: { allowHttp: false } } }) as unknown as RotaConfig;

describe('webhookTarget', () => {
  it('gives back the receiver as the URL parser writes it, a message\'s own and the configured default alike', () => {
    // One receiver written two ways would be two receivers to its 410 switch and its per-host cap.
    const config = configWith({ url: 'HTTPS://Hooks.Example', allowedUrls: ['https://hooks.example/orders'] });
    expect(webhookTarget(config, 'shop', undefined)).toEqual({ ok: true, url: 'https://hooks.example/' });
    expect(webhookTarget(config, 'shop', 'https://HOOKS.example/orders/./7 b')).toEqual({ ok: true, url: 'https://hooks.example/orders/7%20b' });
  });

  it.each(['/orders/..%2fother', '/orders/%2e%2e%2fother', '/orders/..%5Cother', '/orders/..;/other', '/orders/x;jsessionid=1', '/orders/..%3b/other', '/orders/..%252f..%252fother', '/orders/%C0%AE%C0%AE/other', '/orders/..%00/other'])(
    'refuses a callbackUrl whose path hides a separator or a dot past the allowed prefix (%s)',
    (path) => {
      const config = configWith({ allowedUrls: ['https://hooks.example/orders'] });
      expect(webhookTarget(config, 'shop', `https://hooks.example${path}`)).toMatchObject({ ok: false, issue: { path: 'callbackUrl', reason: expect.stringContaining('encoded slash') } });
    },
  );

  it('refuses a callbackUrl outside the allowlist, naming it', () => {
    const config = configWith({ allowedUrls: ['https://hooks.example/orders'] });
    expect(webhookTarget(config, 'shop', 'https://hooks.example/orders-evil')).toMatchObject({ ok: false, issue: { path: 'callbackUrl' } });
  });
});
