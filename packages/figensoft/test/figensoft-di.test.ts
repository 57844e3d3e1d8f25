import { ProviderError } from '@rota/provider';
import { TOKENS } from '@rota/provider/di';
import { startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { Container } from 'inversify';
import { figensoftModule } from '../src/di.js';
import { configFor, NOTIFY, requestFor } from './fixtures.js';
import type { FigenSoftProvider } from '../src/index.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ accounts: [NOTIFY] });
});

afterAll(async () => {
  await sandbox.close();
});

const notifyOnly = () => ({ accounts: [configFor(sandbox.url).accounts[0]!] });

describe('figensoftModule', () => {
  it('binds one provider at rank 3, enabled, as a singleton', async () => {
    const container = new Container();
    await container.load(figensoftModule(notifyOnly()));
    const bindings = container.getAll(TOKENS.Provider);
    expect(bindings).toHaveLength(1);
    expect(bindings[0]).toMatchObject({ rank: 3, enabled: true });
    expect(bindings[0]!.provider.id).toBe('figensoft');
    expect(container.getAll(TOKENS.Provider)[0]).toBe(bindings[0]);
    await container.unbindAll();
  });

  it('takes rank and enabled from its options and the logger from the container', async () => {
    const warnings: string[] = [];
    const container = new Container();
    container.bind(TOKENS.Logger).toConstantValue({ debug() {}, info() {}, warn: (_fields, message) => warnings.push(message), error() {} });
    await container.load(figensoftModule(notifyOnly(), { rank: 7, enabled: false }));
    const [binding] = container.getAll(TOKENS.Provider);
    expect(binding).toMatchObject({ rank: 7, enabled: false });
    sandbox.injectFault({ kind: 'status-code', statusCode: 1030 });
    try {
      const provider = binding!.provider as FigenSoftProvider;
      await expect(provider.send(requestFor(provider, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' }))).rejects.toBeInstanceOf(ProviderError);
      expect(warnings).toEqual(['FigenSoft send failed']);
    } finally {
      sandbox.clearFaults();
      await container.unbindAll();
    }
  });

  it('closes the provider when the container unbinds it', async () => {
    const container = new Container();
    await container.load(figensoftModule(notifyOnly()));
    const provider = container.getAll(TOKENS.Provider)[0]!.provider as FigenSoftProvider;
    const request = requestFor(provider, { to: '+905321112233', text: 'x', iysType: 'NOTIFICATION' });
    await provider.send(request);
    await container.unbindAll();
    await expect(provider.send(request)).rejects.toMatchObject({ kind: 'provider-unavailable', code: 'closed' });
  });

  it('fails where the container is resolved when the configuration is invalid', async () => {
    const container = new Container();
    await container.load(figensoftModule({ accounts: [] }));
    expect(() => container.getAll(TOKENS.Provider)).toThrow(/accounts: must list at least one FigenSoft account/);
  });
});
