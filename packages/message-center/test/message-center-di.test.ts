import { TOKENS } from '@rota/provider/di';
import { Container } from 'inversify';
import { messageCenterModule } from '../src/di.js';
import { configFor } from './fixtures.js';

describe('messageCenterModule', () => {
  it('binds a ProviderBinding with the default rank, enabled, as a singleton', async () => {
    const container = new Container();
    await container.load(messageCenterModule(configFor('https://api.iletimerkezi.com')));
    const [binding] = container.getAll(TOKENS.Provider);
    expect(binding).toMatchObject({ rank: 1, enabled: true, provider: { id: 'message-center', accountIds: ['message-center-ROTAOTP-notification', 'message-center-ROTA'] } });
    expect(container.getAll(TOKENS.Provider)[0]).toBe(binding);
    await container.unbindAll();
  });

  it('takes a rank and the enabled flag, and closes the provider when unbound', async () => {
    const container = new Container();
    await container.load(messageCenterModule(configFor('https://api.iletimerkezi.com'), { rank: 7, enabled: false }));
    const [binding] = container.getAll(TOKENS.Provider);
    expect(binding).toMatchObject({ rank: 7, enabled: false });
    await container.unbindAll();
    // A closed provider refuses to send: proof that onDeactivation closed it.
    await expect(binding!.provider.send({ accountId: 'message-center-ROTA' } as never)).rejects.toMatchObject({ kind: 'provider-unavailable', code: 'closed' });
  });
});
