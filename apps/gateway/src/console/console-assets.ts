import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * The operations console's built files (apps/console/dist, found through the
 * @rota/console package the gateway depends on), served from memory: the file
 * list is read once, so only those names are ever served (no path from the
 * URL reaches the file system). A gateway whose console was not built still
 * starts, and answers /console with a 503 that says how to build it.
 */

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * The page talks to this gateway only, runs only its own scripts, and cannot
 * be framed. Styles set from script (the chart library's) are allowed by
 * CSSOM; no inline <style> or style attribute is needed.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  body: Buffer;
  type: string;
}

/** apps/console/dist through the package dependency, or undefined when @rota/console is not installed. */
export function defaultConsoleDir(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@rota/console/package.json')), 'dist');
  } catch {
    return undefined;
  }
}

function readAssets(dir: string): Map<string, Asset> | undefined {
  try {
    if (!statSync(join(dir, 'index.html')).isFile()) return undefined;
  } catch {
    return undefined;
  }
  const assets = new Map<string, Asset>();
  const walk = (folder: string, prefix: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      else if (entry.isFile() && TYPES[extname(entry.name)]) assets.set(`${prefix}${entry.name}`, { body: readFileSync(path), type: TYPES[extname(entry.name)]! });
    }
  };
  walk(dir, '');
  return assets;
}

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cross-origin-opener-policy', 'same-origin');
}

export function registerConsoleAssets(app: FastifyInstance, dir: string | undefined): void {
  // Read at the first request that finds them, so a console built after the gateway started is picked up.
  let assets: Map<string, Asset> | undefined;
  const load = (): Map<string, Asset> | undefined => (assets ??= dir === undefined ? undefined : readAssets(dir));

  const notBuilt = (reply: FastifyReply) =>
    reply.code(503).send({
      error: 'console-not-built',
      message: 'the operations console is not built: run `pnpm build` (or `pnpm --filter @rota/console build`) so that apps/console/dist exists, then reload this page',
    });

  const serve = (name: string, reply: FastifyReply) => {
    const files = load();
    if (!files) return notBuilt(reply);
    const asset = files.get(name);
    if (!asset) return reply.code(404).send({ error: 'not-found', message: 'no such console file' });
    // Built file names carry a content hash: they never change. The page itself must always be fresh.
    const cache = name === 'index.html' ? 'no-store' : 'public, max-age=31536000, immutable';
    return secure(reply).header('cache-control', cache).type(asset.type).send(asset.body);
  };

  app.get('/console', async (_request, reply) => serve('index.html', reply));
  app.get('/console/', async (_request, reply) => serve('index.html', reply));
  app.get<{ Params: { file: string } }>('/console/assets/:file', async (request, reply) => serve(`assets/${request.params.file}`, reply));
}
