import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { productionDependencyClosure } from '../src/dependency-closure.js';

// A service that reuses one provider package (the FigenSoft client to read
// delivery status, say) installs that package and @rota/provider, never the
// router or a DI container. The provider packages are found, not listed: every
// package under packages/ whose code depends on @rota/provider, but the router, the
// ledger, the testkit and the gateway's API schemas.
const packagesDir = fileURLToPath(new URL('../../', import.meta.url));
const providerPackages = readdirSync(packagesDir).filter((folder) => {
  const manifest = JSON.parse(readFileSync(`${packagesDir}${folder}/package.json`, 'utf8')) as { name: string; dependencies?: Record<string, string> };
  return manifest.dependencies?.['@rota/provider'] !== undefined && !['@rota/api', '@rota/core', '@rota/ledger', '@rota/testkit'].includes(manifest.name);
});

describe('provider packages installed for production', () => {
  it('include figensoft and the four stubs', () => {
    expect(providerPackages.sort()).toEqual(['figensoft', 'infobip', 'message-center', 'mobildev', 'twilio']);
  });

  it.each(providerPackages)('@rota/%s brings the provider seam, not the router, opossum, p-retry or inversify', (folder) => {
    const closure = productionDependencyClosure(`${packagesDir}${folder}`);
    expect(closure).toContain('@rota/provider');
    expect(closure).toContain('zod');
    for (const routerOnly of ['@rota/core', 'opossum', 'p-retry', 'inversify', 'reflect-metadata']) expect(closure).not.toContain(routerOnly);
  });
});
