import type { z } from 'zod';
import type { DisabledEndpointsSchema, EndpointEnabledSchema } from '@rota/api';
import { EXIT, UsageError, type CliIo, type FlagsOf } from './cli-io.js';
import { CONNECTION_OPTIONS, callGateway, describeRefusal, resolveTarget, type GatewayTarget } from './gateway-client.js';
import { textTable } from './text-table.js';

export const WEBHOOKS_OPTIONS = CONNECTION_OPTIONS;
export type WebhooksFlags = FlagsOf<typeof WEBHOOKS_OPTIONS>;

export const WEBHOOKS_SUBCOMMANDS = ['redeliver', 'endpoints', 'enable'] as const;

/** A receiver switched off after a 410, as `GET /v1/webhooks/endpoints` lists it. */
type DisabledEndpoint = z.infer<typeof DisabledEndpointsSchema>['disabled'][number];

/**
 * `rota webhooks redeliver EVENT_ID | endpoints | enable URL`: thin over the
 * gateway's webhook routes. Exit 0 on a 2xx answer, 1 otherwise.
 */
export async function webhooksCommand(sub: string | undefined, args: readonly string[], flags: WebhooksFlags, io: CliIo): Promise<number> {
  switch (sub) {
    case 'redeliver':
      return redeliver(onlyArgument(args, 'redeliver', 'EVENT_ID', 'the event id (the Rota-Event-Id header of a delivery)'), flags, io);
    case 'endpoints':
      if (args.length > 0) throw new UsageError(`webhooks endpoints takes no arguments (got ${args.length})`);
      return endpoints(flags, io);
    case 'enable':
      return enable(onlyArgument(args, 'enable', 'URL', 'the receiver URL, as rota webhooks endpoints --json prints it'), flags, io);
    case undefined:
      throw new UsageError(`webhooks needs a subcommand: ${WEBHOOKS_SUBCOMMANDS.join(', ')}`);
    default:
      throw new UsageError(`unknown webhooks subcommand "${sub}" (known: ${WEBHOOKS_SUBCOMMANDS.join(', ')})`);
  }
}

function onlyArgument(args: readonly string[], sub: string, name: string, what: string): string {
  if (args.length !== 1 || args[0] === '') throw new UsageError(`webhooks ${sub} needs exactly one ${name}: ${what}`);
  return args[0]!;
}

/** The event is due again, same id and body, whatever became of it — unless its receiver is switched off after a 410 or the event is on its way now (the gateway says which). */
async function redeliver(eventId: string, flags: WebhooksFlags, io: CliIo): Promise<number> {
  const target = resolveTarget(flags, io.env);
  const { status, body } = await callGateway(target, 'POST', `/v1/webhooks/events/${encodeURIComponent(eventId)}/redeliver`);
  if (status !== 202) return refused(status, body, io);
  io.out(flags.json ? JSON.stringify(body, null, 2) : `${eventId}: due again; the gateway sends it on its next round`);
  return EXIT.ok;
}

async function endpoints(flags: WebhooksFlags, io: CliIo): Promise<number> {
  const target = resolveTarget(flags, io.env);
  const answer = await disabledEndpoints(target);
  if (!answer.ok) return refused(answer.status, answer.body, io);
  if (flags.json) {
    io.out(JSON.stringify(answer.body, null, 2));
    return EXIT.ok;
  }
  if (answer.disabled.length === 0) {
    io.out('no receiver is switched off');
    return EXIT.ok;
  }
  const rows = answer.disabled.map((endpoint) => [displayUrl(endpoint.url), endpoint.disabledAt, String(endpoint.held), endpoint.reason ?? '-']);
  for (const line of textTable(['URL', 'DISABLED AT', 'HELD', 'REASON'], rows)) io.out(line);
  return EXIT.ok;
}

/** Turns a receiver back on, releasing its held events; a URL that is not switched off (a typo) changes nothing and exits 1. */
async function enable(url: string, flags: WebhooksFlags, io: CliIo): Promise<number> {
  const { status, body } = await callGateway(resolveTarget(flags, io.env), 'POST', '/v1/webhooks/endpoints/enable', { url });
  if (status === 404 && (body as { error?: unknown } | undefined)?.error === 'not-disabled') {
    io.err(`rota: ${displayUrl(url)} is not a switched-off receiver; nothing was changed (rota webhooks endpoints lists them)`);
    return EXIT.failed;
  }
  if (status !== 200) return refused(status, body, io);
  const { released } = body as z.infer<typeof EndpointEnabledSchema>;
  io.out(flags.json ? JSON.stringify(body, null, 2) : `${displayUrl(url)}: on again; ${released} held event(s) released`);
  return EXIT.ok;
}

async function disabledEndpoints(target: GatewayTarget): Promise<{ ok: true; body: unknown; disabled: DisabledEndpoint[] } | { ok: false; status: number; body: unknown }> {
  const { status, body } = await callGateway(target, 'GET', '/v1/webhooks/endpoints');
  if (status !== 200) return { ok: false, status, body };
  return { ok: true, body, disabled: (body as z.infer<typeof DisabledEndpointsSchema>).disabled };
}

function refused(status: number, body: unknown, io: CliIo): number {
  for (const line of describeRefusal(status, body)) io.err(line);
  return EXIT.failed;
}

/** A receiver URL without its query: the query may carry the receiver's token, and a table ends up in scrollback and screenshots. */
export function displayUrl(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : `${url.slice(0, query)}?…`;
}
