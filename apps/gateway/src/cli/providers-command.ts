import type { ProvidersResponseSchema } from '@rota/api';
import type { z } from 'zod';
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
  for (const line of providersTable((body as z.infer<typeof ProvidersResponseSchema>).providers)) io.out(line);
  return EXIT.ok;
}

/** The table; the traffic columns read `-` for an API key, which is not given them (every client's traffic). */
export function providersTable(providers: readonly z.infer<typeof ProvidersResponseSchema>['providers'][number][]): string[] {
  const header = ['PROVIDER', 'RANK', 'ENABLED', 'ACCEPTED', 'REJECTED', 'FAILED', 'UNKNOWN', 'SKIPPED', 'LATENCY', 'BREAKERS'];
  const count = (value: number | undefined) => (value === undefined ? '-' : String(value));
  const rows = providers.map((p) => [
    p.providerId,
    String(p.rank),
    p.enabled ? 'yes' : 'no',
    count(p.counts?.accepted),
    count(p.counts?.rejected),
    count(p.counts?.failed),
    count(p.counts?.unknown),
    count(p.counts?.skipped),
    p.meanLatencyMs === undefined ? '-' : `${Math.round(p.meanLatencyMs)} ms`,
    p.accounts.map((a) => `${a.accountId}=${a.breaker}${a.override === 'auto' ? '' : ` (forced ${a.override})`}`).join(', ') || '-',
  ]);
  return textTable(header, rows);
}
