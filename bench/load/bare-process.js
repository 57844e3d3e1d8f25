// Starts the bare relay (bare-launcher.js) in its own process, the same layout
// as the gateway's (gateway-process.js), with the same FigenSoft accounts and
// the same number of connections to the sandbox.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BENCH_ACCOUNTS } from '../lib/sandbox-process.js';
import { forkServer } from '../lib/server-process.js';

const LAUNCHER = fileURLToPath(new URL('./bare-launcher.js', import.meta.url));

/** The fastify both sides run: the bare side's must be the gateway's, or the ratio measures a version change. */
export function fastifyVersions() {
  const version = (from) => createRequire(from)('fastify/package.json').version;
  return { gateway: version(new URL('../../apps/gateway/package.json', import.meta.url)), bare: version(import.meta.url) };
}

export async function startBareProcess({ sandboxUrl, accounts = BENCH_ACCOUNTS, connections = 64 } = {}) {
  const versions = fastifyVersions();
  if (versions.gateway !== versions.bare) throw new Error(`fastify ${versions.bare} on the bare side, ${versions.gateway} in the gateway: they must be the same`);
  const settings = { sandboxUrl, accounts: accounts.map(({ username, password, iysType, senders }) => ({ username, password, iysType, senders })), connections };
  return forkServer({ launcher: LAUNCHER, args: [JSON.stringify(settings)], execArgv: (process.env.BARE_EXEC_ARGV ?? '').split(' ').filter(Boolean) });
}
