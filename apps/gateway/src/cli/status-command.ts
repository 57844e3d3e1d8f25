import type { z } from 'zod';
import type { MessageViewSchema } from '@rota/api';
import { EXIT, UsageError, type CliIo, type FlagsOf } from './cli-io.js';
import { CONNECTION_OPTIONS, callGateway, describeRefusal, resolveTarget } from './gateway-client.js';
import { textTable } from './text-table.js';

export const STATUS_OPTIONS = {
  url: CONNECTION_OPTIONS.url,
  key: CONNECTION_OPTIONS.key,
  /** Ask the provider for the status now (`?refresh=true`) rather than read the record. */
  refresh: { type: 'boolean' },
  /** The message's steps one a line instead of the JSON. */
  timeline: { type: 'boolean' },
} as const;
export type StatusFlags = FlagsOf<typeof STATUS_OPTIONS>;

type MessageView = z.infer<typeof MessageViewSchema>;

/**
 * `rota status ID`: a message as a running gateway answers `GET /v1/messages/{id}`,
 * printed whole as indented JSON rather than picked apart: its fields belong to the
 * gateway and may grow. `--timeline` prints its steps one a line instead. Exit 0 on
 * a 2xx answer, 1 otherwise (an unknown id is 404; `--refresh` of a message whose
 * provider the configuration no longer names is 409, and says how to read it as stored).
 */
export async function statusCommand(id: string | undefined, flags: StatusFlags, io: CliIo): Promise<number> {
  if (id === undefined || id === '') throw new UsageError('status needs the message id that send printed: rota status ID');
  const target = resolveTarget(flags, io.env);
  const { status, body } = await callGateway(target, 'GET', `/v1/messages/${encodeURIComponent(id)}${flags.refresh ? '?refresh=true' : ''}`);
  if (status < 200 || status >= 300) {
    for (const line of describeRefusal(status, body)) io.err(line);
    // The provider is gone from the configuration: asking again cannot help, reading the record can.
    if (flags.refresh && (body as { error?: unknown } | undefined)?.error === 'provider-not-configured') io.err(`  the record as stored: rota status ${id}${flags.timeline ? ' --timeline' : ''} (without --refresh)`);
    return EXIT.failed;
  }
  const lines = flags.timeline ? timelineLines(body as MessageView) : [typeof body === 'string' ? body : JSON.stringify(body, null, 2)];
  for (const line of lines) io.out(line);
  return EXIT.ok;
}

/** The message in one line, then every step it went through, oldest first. */
export function timelineLines(message: MessageView): string[] {
  const delivery = message.delivery ? `, delivery ${message.delivery.state}${message.delivery.reason ? ` (${message.delivery.reason})` : ''}${message.delivery.final ? ', final' : ''}` : '';
  const provider = message.providerId ? ` via ${message.providerId}${message.accountId ? ` / ${message.accountId}` : ''}` : '';
  const summary = `${message.id}: ${message.status}${delivery}; to ${message.to}${provider}`;
  const steps = message.timeline ?? [];
  if (steps.length === 0) return [summary, 'no steps recorded yet'];
  const rows = steps.map((step) => [step.at, step.kind, step.state, step.source, [step.reason, step.providerCode === undefined ? undefined : `code ${step.providerCode}`].filter(Boolean).join(', ') || '-']);
  return [summary, ...textTable(['AT', 'KIND', 'STATE', 'SOURCE', 'DETAIL'], rows)];
}
