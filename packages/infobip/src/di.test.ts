import { TOKENS } from '@rota/provider/di';
import { Container } from 'inversify';
import { infobipModule } from './di.js';

const config = { accounts: [{ apiKey: 'ib-secret', from: 'ACME', baseUrl: 'https://abc123.api.infobip.com' }] };

describe('infobipModule', () => {
  it('binds a ProviderBinding with the default rank, enabled, as a singleton', async () => {
    const container = new Container();
    await container.load(infobipModule(config));
    const [binding] = container.getAll(TOKENS.Provider);
    expect(binding).toMatchObject({ rank: 4, enabled: true, provider: { id: 'infobip', accountIds: ['infobip-ACME-notification'] } });
    expect(container.getAll(TOKENS.Provider)[0]).toBe(binding);
    await container.unbindAll();
  });

  it('takes a rank and the enabled flag, and closes the provider when unbound', async () => {
    const container = new Container();
    await container.load(infobipModule(config, { rank: 1, enabled: false }));
    const [binding] = container.getAll(TOKENS.Provider);
    expect(binding).toMatchObject({ rank: 1, enabled: false });
    await container.unbindAll();
    await expect(binding!.provider.send({} as never)).rejects.toMatchObject({ kind: 'provider-unavailable', code: 'closed' });
  });
});
