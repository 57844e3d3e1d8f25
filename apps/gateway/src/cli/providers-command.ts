import type { ProviderStatus } from '@rota/core';
import { EXIT, type CliIo } from './cli-io.js';
import { callGateway, describeRefusal, resolveTarget } from './gateway-client.js';
import { textTable } from './text-table.js';

/** `rota providers`: the status table of a running gateway, in rank order. */
export async function providersCommand(flags: { url?: string | undefined; key?: string | undefined; json?: boolean | undefined }, io: CliIo): Promise<number> {
  const target = resolveTarget(flags, io.env);
  const { status, body } = await callGateway(target, 'GET', '/v1/providers');
  if (status !== 200) {
    for (const line of describeRefusal(status, body)) io.err(line);
    return EXIT.failed;
  }
  if (flags.json) {
    io.out(JSON.stringify(body, null, 2));
    return EXIT.ok;
  }
  for (const line of providersTable((body as { providers: ProviderStatus[] }).providers)) io.out(line);
  return EXIT.ok;
}

export function providersTable(providers: readonly ProviderStatus[]): string[] {
  const header = ['PROVIDER', 'RANK', 'ENABLED', 'ACCEPTED', 'REJECTED', 'FAILED', 'UNKNOWN', 'SKIPPED', 'LATENCY', 'BREAKERS'];
  const rows = providers.map((p) => [
    p.providerId,
    String(p.rank),
    p.enabled ? 'yes' : 'no',
    String(p.counts.accepted),
    String(p.counts.rejected),
    String(p.counts.failed),
    String(p.counts.unknown),
    String(p.counts.skipped),
    `${Math.round(p.meanLatencyMs)} ms`,
    p.accounts.map((a) => `${a.accountId}=${a.breaker}${a.override === 'auto' ? '' : ` (forced ${a.override})`}`).join(', ') || '-',
  ]);
  return textTable(header, rows);
}
