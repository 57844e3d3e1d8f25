import { TOKENS } from '@rota/provider/di';
import { Container } from 'inversify';
import { messageCenterModule } from './di.js';

const config = { accounts: [{ username: 'acme', password: 'mc-secret', sender: 'ACME' }] };

describe('messageCenterModule', () => {
  it('binds a ProviderBinding with the default rank, enabled, as a singleton', async () => {
    const container = new Container();
    await container.load(messageCenterModule(config));
    const [binding] = container.getAll(TOKENS.Provider);
    expect(binding).toMatchObject({ rank: 1, enabled: true, provider: { id: 'message-center', accountIds: ['message-center-ACME'] } });
    expect(container.getAll(TOKENS.Provider)[0]).toBe(binding);
    await container.unbindAll();
  });

  it('takes a rank and the enabled flag, and closes the provider when unbound', async () => {
    const container = new Container();
    await container.load(messageCenterModule({ ...config, simulate: { latencyMs: 0 } }, { rank: 7, enabled: false }));
    const [binding] = container.getAll(TOKENS.Provider);
    expect(binding).toMatchObject({ rank: 7, enabled: false });
    await container.unbindAll();
    // A closed stub refuses to send: proof that onDeactivation closed it.
    await expect(binding!.provider.send({} as never)).rejects.toMatchObject({ kind: 'provider-unavailable', code: 'closed' });
  });
});
