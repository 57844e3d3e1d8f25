import { TOKENS } from '@rota/provider/di';
import { Container } from 'inversify';
import { twilioModule } from './di.js';

const config = { accountSid: `AC${'0'.repeat(32)}`, authToken: 'tw-secret', fromAddresses: ['ACME'] };

describe('twilioModule', () => {
  it('binds a ProviderBinding with the default rank, enabled, as a singleton', async () => {
    const container = new Container();
    await container.load(twilioModule(config));
    const [binding] = container.getAll(TOKENS.Provider);
    expect(binding).toMatchObject({ rank: 5, enabled: true, provider: { id: 'twilio', accountIds: ['twilio'] } });
    expect(container.getAll(TOKENS.Provider)[0]).toBe(binding);
    await container.unbindAll();
  });

  it('takes a rank and the enabled flag, and closes the provider when unbound', async () => {
    const container = new Container();
    await container.load(twilioModule(config, { rank: 2, enabled: false }));
    const [binding] = container.getAll(TOKENS.Provider);
    expect(binding).toMatchObject({ rank: 2, enabled: false });
    await container.unbindAll();
    await expect(binding!.provider.send({} as never)).rejects.toMatchObject({ kind: 'provider-unavailable', code: 'closed' });
  });
});
