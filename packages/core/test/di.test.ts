import { Container, ContainerModule } from 'inversify';
import { createFakeProvider } from '@rota/testkit';
import { TOKENS, rotaCoreModule, type ProviderBinding } from '../src/di/module.js';
import { notification } from './router-helpers.js';

describe('DI: rotaCoreModule', () => {
  it('builds the router from every provider binding and closes it on unbind', async () => {
    const first = createFakeProvider({ id: 'first' });
    const second = createFakeProvider({ id: 'second' });
    const providers = new ContainerModule(({ bind }) => {
      bind(TOKENS.Provider).toConstantValue({ provider: second, rank: 2, enabled: true } satisfies ProviderBinding);
      bind(TOKENS.Provider).toConstantValue({ provider: first, rank: 1, enabled: true } satisfies ProviderBinding);
    });
    const container = new Container();
    await container.load(providers, rotaCoreModule());
    container.bind(TOKENS.RouterOptions).toConstantValue({ retry: { retries: 0 } });

    const router = container.get(TOKENS.Router);
    expect(container.get(TOKENS.Router)).toBe(router); // singleton
    expect(await router.send(notification)).toMatchObject({ status: 'accepted', providerId: 'first' });
    expect(router.status().map((s) => s.providerId)).toEqual(['first', 'second']);

    await container.unbindAll();
    expect(await router.send(notification)).toMatchObject({ status: 'failed', reason: 'the router is closed' });
  });
});
