import { readFileSync } from 'node:fs';
import type { ProviderStatus } from '@rota/core';
import type { Ledger } from '@rota/ledger';
import type { z } from 'zod';
import { buildGateway } from '../src/http/build-gateway.js';
import { ProviderStatusSchema } from '@rota/api';
import { buildOpenApiDocument } from '../src/http/openapi.js';
import { captureLogs } from './support/harness.js';
import { createGatewayMetrics } from '../src/metrics/gateway-metrics.js';
import { createRouter } from '@rota/core';

// Compile-time: what the handlers return must fit the documented schemas (tsc checks test/ too).
// A message's view is typed by its schema already (message-view.ts); the router's status is not.
const fitsProvider = (p: ProviderStatus): z.input<typeof ProviderStatusSchema> => p;
void fitsProvider;

/** The operations console: its page and its admin data routes. */
const CONSOLE_ROUTES = [
  'GET /console',
  'GET /console/assets/{file}',
  'GET /v1/admin/providers',
  'GET /v1/admin/traffic',
  'GET /v1/admin/messages',
  'GET /v1/admin/messages/{id}',
  'POST /v1/admin/messages/{id}/resend',
  'GET /v1/admin/bulks',
  'GET /v1/admin/bulks/{id}',
  'GET /v1/admin/config',
];

/**
 * The routes fastify serves, as `METHOD /path/{param}`, read from its route
 * tree (each line a node: the path segment after its parent's, and its
 * methods). HEAD is fastify's own twin of each GET; `/console/` is the same
 * page as `/console`.
 */
function servedRoutes(tree: string): string[] {
  const parents: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const node = /^([│ ├└─]*?)(\S+) \(([A-Z, ]+)\)$/.exec(line);
    if (!node) continue;
    const depth = node[1]!.length / 4;
    const path = (parents[depth - 1] ?? '') + node[2]!;
    parents[depth] = path;
    const documentedPath = path.replace(/:(\w+)/g, '{$1}').replace(/(.)\/$/, '$1');
    for (const method of node[3]!.split(', ')) if (method !== 'HEAD') routes.push(`${method} ${documentedPath}`);
  }
  return [...new Set(routes)];
}

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[]; requestBody?: unknown; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, { properties?: Record<string, any>; required?: string[]; additionalProperties?: unknown }> };
};

describe('GET /openapi.json', () => {
  const doc = buildOpenApiDocument() as unknown as Doc;

  it('is OpenAPI 3.1 and describes every route the gateway serves', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const router = createRouter({ providers: [] });
    const app = buildGateway({
      runtime: { router, config: () => ({}) as never },
      ledger: {} as Ledger,
      logger: captureLogs().logger,
      metrics: createGatewayMetrics(),
    });
    await app.ready();
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(
      [
        'POST /v1/messages',
        'GET /v1/messages',
        'POST /v1/messages/batch',
        'GET /v1/messages/{id}',
        'POST /v1/messages/{id}/resend',
        'POST /v1/messages/{id}/cancel',
        'POST /v1/bulk',
        'GET /v1/bulk/{id}',
        'POST /v1/bulk/{id}/cancel',
        'DELETE /v1/numbers/{number}/messages',
        'GET /v1/providers',
        'PATCH /v1/providers/{id}',
        'POST /v1/providers/{id}/breaker',
        'DELETE /v1/providers/{id}/overrides',
        'POST /v1/providers/{id}/reports',
        'POST /v1/webhooks/events/{id}/redeliver',
        'GET /v1/webhooks/endpoints',
        'POST /v1/webhooks/endpoints/enable',
        'GET /healthz',
        'GET /readyz',
        'GET /v1/readiness',
        'GET /metrics',
        'GET /openapi.json',
        ...CONSOLE_ROUTES,
      ].sort(),
    );
    // Every documented route exists in fastify (path params in fastify's spelling).
    for (const entry of documented) {
      const [method, path] = entry.split(' ') as [string, string];
      expect({ entry, found: app.hasRoute({ method: method as 'GET', url: path.replace(/\{(\w+)\}/g, ':$1') }) }).toEqual({ entry, found: true });
    }
    // And every route fastify serves is documented: a new route cannot be left out of the document.
    expect(servedRoutes(app.printRoutes({ commonPrefix: false })).sort()).toEqual([...new Set(documented)].sort());
    await app.close();
    await router.close();
  });

  it('generates the message schema from core\'s MessageSchema: strict, required fields, enums, descriptions', () => {
    const message = doc.components.schemas.MessageRequest!;
    expect(message.additionalProperties).toBe(false);
    expect(message.required?.sort()).toEqual(['iysType', 'text', 'to']);
    expect(message.properties!.iysType.enum).toEqual(['NOTIFICATION', 'CAMPAIGN']);
    // Counted composed (NFC): a decomposed text may be longer as written, so the limit is in the words, not maxLength.
    expect(message.properties!.text.description).toContain('at most 1,600 characters counted after composition');
    expect(message.properties!.sender.minLength).toBe(3);
    expect(message.properties!.sendAt).toMatchObject({ type: 'string', format: 'date-time' });
    expect(typeof message.properties!.to.description).toBe('string');
    const batch = doc.components.schemas.BatchRequest!;
    expect(batch.properties!.messages.items).toEqual({ $ref: '#/components/schemas/MessageRequest' });
  });

  it('marks who may call what', () => {
    expect(doc.paths['/v1/messages']!.post!.security).toEqual([{ apiKey: [] }]);
    expect(doc.paths['/v1/providers/{id}']!.patch!.security).toEqual([{ adminToken: [] }]);
    expect(doc.paths['/healthz']!.get!.security).toEqual([]);
    expect(Object.keys(doc.paths['/v1/messages']!.post!.responses)).toEqual(expect.arrayContaining(['202', '400', '401', '403', '413', '415', '422', '503']));
  });

  it('names the 400 of every /v1 operation (each refuses a query parameter it does not take), and a send\'s 200 (a canceled message\'s repeat)', () => {
    // Each names those mistakes, beside its own reasons where it has some (a status read's `refresh`).
    const without = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, methods]) => Object.entries(methods).filter(([, operation]) => !JSON.stringify(operation.responses['400'] ?? '').includes('a query parameter the route does not take')).map(([m]) => `${m.toUpperCase()} ${path}`));
    expect(without).toEqual([]);
    expect(JSON.stringify(doc.paths['/v1/messages/{id}']!.get!.responses['400'])).toContain('`refresh` is neither true nor false');
    expect(Object.keys(doc.paths['/v1/messages']!.post!.responses)).toContain('200');
  });

  it('every route but the console\'s is in both endpoint tables, docs/gateway.md\'s and the README\'s', () => {
    const endpointsTable = (file: string) => {
      const text = readFileSync(new URL(file, import.meta.url), 'utf8');
      const section = text.slice(text.indexOf('## Endpoints'));
      return section.slice(0, section.indexOf('\n## ', 1));
    };
    const routes = Object.entries(doc.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
      .filter((route) => !CONSOLE_ROUTES.includes(route));
    for (const file of ['../../../docs/gateway.md', '../README.md']) {
      const table = endpointsTable(file);
      expect({ file, missing: routes.filter((route) => !table.includes(`\`${route}\``)) }).toEqual({ file, missing: [] });
    }
  });

  it('every $ref points at a component', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(doc.components.schemas).toHaveProperty(ref);
  });
});
