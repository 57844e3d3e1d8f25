import { jest } from '@jest/globals';
import { silentLogger } from '@rota/provider';
import { TOKENS } from '@rota/provider/di';
import { composeProviders } from './provider-container.js';
import { RotaConfigSchema } from './rota-config.js';
import { baseConfig } from './test-fixtures.js';

describe('composeProviders', () => {
  it('builds the configured providers from the packages’ DI modules, with their ranks, and closes them on unbind', async () => {
    const input = baseConfig();
    input.providers = [
      ...(input.providers ?? []),
      { type: 'message-center', rank: 1, settings: { accounts: [{ username: 'mc-user', password: 'mc-password-123', sender: 'ROTA' }] } },
    ];
    const config = RotaConfigSchema.parse(input);
    const { container, providers } = composeProviders(config, silentLogger);

    expect([...providers.keys()].sort()).toEqual(['figensoft', 'message-center']);
    const bindings = container.getAll(TOKENS.Provider);
    expect(bindings.map((b) => `${b.provider.id}@${b.rank}`).sort()).toEqual(['figensoft@3', 'message-center@1']);
    expect(bindings.every((b) => providers.get(b.provider.id as 'figensoft') === b.provider)).toBe(true);

    const figensoft = providers.get('figensoft')!;
    const close = jest.spyOn(figensoft, 'close');
    await container.unbindAll();
    expect(close).toHaveBeenCalled();
  });
});
