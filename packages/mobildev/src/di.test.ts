import { TOKENS } from '@rota/provider/di';
import { Container } from 'inversify';
import { mobildevModule } from './di.js';

const config = {
  accounts: [{ companyCode: '01234', username: 'acme', password: 'md-secret', senderList: ['ACME'], smsIysMessageType: 'NOTIFICATION' as const }],
};

describe('mobildevModule', () => {
  it('binds a ProviderBinding with the default rank, enabled, as a singleton', async () => {
    const container = new Container();
    await container.load(mobildevModule(config));
    const [binding] = container.getAll(TOKENS.Provider);
    expect(binding).toMatchObject({ rank: 2, enabled: true, provider: { id: 'mobildev', accountIds: ['mobildev-notification'] } });
    expect(container.getAll(TOKENS.Provider)[0]).toBe(binding);
    await container.unbindAll();
  });

  it('takes a rank and the enabled flag, and closes the provider when unbound', async () => {
    const container = new Container();
    await container.load(mobildevModule(config, { rank: 9, enabled: false }));
    const [binding] = container.getAll(TOKENS.Provider);
    expect(binding).toMatchObject({ rank: 9, enabled: false });
    await container.unbindAll();
    await expect(binding!.provider.send({} as never)).rejects.toMatchObject({ kind: 'provider-unavailable', code: 'closed' });
  });
});
