import { fileURLToPath } from 'node:url';
import { productionDependencyClosure } from '@rota/testkit';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('@rota/figensoft installed for production', () => {
  const closure = productionDependencyClosure(packageDir);

  it('brings the provider seam and its wire client, not the router', () => {
    expect(closure).toContain('@rota/provider');
    expect(closure).toContain('undici');
    for (const routerOnly of ['@rota/core', 'opossum', 'p-retry', 'inversify', 'reflect-metadata']) expect(closure).not.toContain(routerOnly);
  });
});
