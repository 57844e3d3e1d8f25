import { TOKENS } from '@rota/provider/di';
import { Container } from 'inversify';
import { twilioModule } from '../src/di.js';
import { configFor } from './fixtures.js';

describe('twilioModule', () => {
  it('binds a ProviderBinding at rank 5, enabled, as a singleton; closes the provider when unbound', async () => {
    const container = new Container();
    await container.load(twilioModule(configFor('https://api.twilio.com')));
    const [binding] = container.getAll(TOKENS.Provider);
    expect(binding).toMatchObject({ rank: 5, enabled: true, provider: { id: 'twilio', accountIds: ['twilio'] } });
    await container.unbindAll();
    await expect(binding!.provider.send({ accountId: 'twilio' } as never)).rejects.toMatchObject({ kind: 'provider-unavailable', code: 'closed' });
  });

  it('takes a rank and the enabled flag', async () => {
    const container = new Container();
    await container.load(twilioModule(configFor('https://api.twilio.com'), { rank: 2, enabled: false }));
    expect(container.getAll(TOKENS.Provider)[0]).toMatchObject({ rank: 2, enabled: false });
    await container.unbindAll();
  });
});
