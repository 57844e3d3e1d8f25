import { TOKENS } from '@rota/provider/di';
import { Container } from 'inversify';
import { infobipModule } from '../src/di.js';
import { configFor } from './fixtures.js';

describe('infobipModule', () => {
  it('binds a ProviderBinding at rank 4, enabled, as a singleton; closes the provider when unbound', async () => {
    const container = new Container();
    await container.load(infobipModule(configFor('https://example.api.infobip.com')));
    const [binding] = container.getAll(TOKENS.Provider);
    expect(binding).toMatchObject({ rank: 4, enabled: true, provider: { id: 'infobip', accountIds: ['infobip-ROTA-notification', 'infobip-ROTAKAMP-campaign'] } });
    expect(container.getAll(TOKENS.Provider)[0]).toBe(binding);
    await container.unbindAll();
    await expect(binding!.provider.send({ accountId: 'infobip-ROTA-notification' } as never)).rejects.toMatchObject({ kind: 'provider-unavailable', code: 'closed' });
  });

  it('takes a rank and the enabled flag', async () => {
    const container = new Container();
    await container.load(infobipModule(configFor('https://example.api.infobip.com'), { rank: 2, enabled: false }));
    expect(container.getAll(TOKENS.Provider)[0]).toMatchObject({ rank: 2, enabled: false });
    await container.unbindAll();
  });
});
