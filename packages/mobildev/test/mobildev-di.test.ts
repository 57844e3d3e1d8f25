import { TOKENS } from '@rota/provider/di';
import { Container } from 'inversify';
import { mobildevModule } from '../src/di.js';
import { configFor } from './fixtures.js';

describe('mobildevModule', () => {
  it('binds a ProviderBinding at rank 2, enabled, as a singleton; closes the provider when unbound', async () => {
    const container = new Container();
    await container.load(mobildevModule(configFor('https://xmlapi.mobildev.com')));
    const [binding] = container.getAll(TOKENS.Provider);
    expect(binding).toMatchObject({ rank: 2, enabled: true, provider: { id: 'mobildev', accountIds: ['mobildev-notification', 'mobildev-campaign'] } });
    await container.unbindAll();
    await expect(binding!.provider.send({ accountId: 'mobildev-notification' } as never)).rejects.toMatchObject({ kind: 'provider-unavailable', code: 'closed' });
  });

  it('takes a rank and the enabled flag', async () => {
    const container = new Container();
    await container.load(mobildevModule(configFor('https://xmlapi.mobildev.com'), { rank: 6, enabled: false }));
    expect(container.getAll(TOKENS.Provider)[0]).toMatchObject({ rank: 6, enabled: false });
    await container.unbindAll();
  });
});
