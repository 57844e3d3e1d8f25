import { EXIT, UsageError, type CliIo, type FlagsOf } from './cli-io.js';
import { CONNECTION_OPTIONS, callGateway, describeRefusal, resolveTarget } from './gateway-client.js';

export const CANCEL_OPTIONS = {
  ...CONNECTION_OPTIONS,
  /** The id is a bulk's: cancel what of it has not gone out. */
  bulk: { type: 'boolean' },
} as const;
export type CancelFlags = FlagsOf<typeof CANCEL_OPTIONS>;

/**
 * `rota cancel ID` (`--bulk`): a queued message, or what of a bulk has not gone
 * out yet, taken back through a running gateway (`POST /v1/messages/{id}/cancel`,
 * `POST /v1/bulk/{id}/cancel`). Exit 0 once canceled; 1 when the gateway
 * refuses (409: the message is on its way or finished; 404: no such id, or
 * another client's).
 */
export async function cancelCommand(id: string | undefined, flags: CancelFlags, io: CliIo): Promise<number> {
  if (id === undefined || id === '') throw new UsageError(`cancel needs the id of a message (or, with --bulk, of a bulk): rota cancel ID${flags.bulk ? ' --bulk' : ''}`);
  const target = resolveTarget(flags, io.env);
  const path = flags.bulk ? `/v1/bulk/${encodeURIComponent(id)}/cancel` : `/v1/messages/${encodeURIComponent(id)}/cancel`;
  const { status, body } = await callGateway(target, 'POST', path);
  if (status < 200 || status >= 300) {
    for (const line of describeRefusal(status, body)) io.err(line);
    return EXIT.failed;
  }
  if (flags.json) io.out(JSON.stringify(body, null, 2));
  else if (flags.bulk) {
    const { canceled, byState } = body as { canceled: number; byState: Record<string, number> };
    const left = Object.entries(byState).filter(([state, count]) => count > 0 && state !== 'canceled').map(([state, count]) => `${count} ${state}`);
    io.out(`${id}: ${canceled} canceled now${left.length > 0 ? `; ${left.join(', ')} (not canceled: taken by a dispatcher, or finished)` : ''}`);
  } else io.out(`${id}: canceled`);
  return EXIT.ok;
}
