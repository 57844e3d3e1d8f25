import { EXIT, UsageError, type CliIo } from './cli-io.js';
import { callGateway, describeRefusal, resolveTarget } from './gateway-client.js';

export interface SendFlags {
  to?: string | undefined;
  text?: string | undefined;
  'iys-type'?: string | undefined;
  sender?: string | undefined;
  'recipient-type'?: string | undefined;
  'idempotency-key'?: string | undefined;
  url?: string | undefined;
  key?: string | undefined;
  json?: boolean | undefined;
}

const IYS_TYPES = ['NOTIFICATION', 'CAMPAIGN'];
const RECIPIENT_TYPES = ['BIREYSEL', 'TACIR'];
/** The gateway names message fields; the user typed flags. */
const FLAG_OF: Record<string, string> = {
  to: '--to',
  text: '--text',
  iysType: '--iys-type',
  sender: '--sender',
  recipientType: '--recipient-type',
  idempotencyKey: '--idempotency-key',
};

type SendResultBody = {
  status: 'accepted' | 'rejected' | 'failed' | 'unknown';
  id?: string;
  providerId?: string;
  accountId?: string;
  providerMessageId?: string;
  segments?: number;
  encoding?: string;
  simulated?: boolean;
  reason?: string;
  issues?: { path: string; reason: string }[];
  attempts?: { providerId: string; outcome: string; errorKind?: string; reason?: string }[];
};

/** `rota send`: one message through a running gateway; exit 0 only when it was accepted. */
export async function sendCommand(flags: SendFlags, io: CliIo): Promise<number> {
  const required = (name: 'to' | 'text' | 'iys-type'): string => {
    const value = flags[name];
    if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
    return value;
  };
  const to = required('to');
  const text = required('text');
  const iysType = required('iys-type').toUpperCase();
  if (!IYS_TYPES.includes(iysType)) throw new UsageError(`--iys-type must be NOTIFICATION or CAMPAIGN`);
  const recipientType = flags['recipient-type']?.toUpperCase();
  if (recipientType !== undefined && !RECIPIENT_TYPES.includes(recipientType)) throw new UsageError('--recipient-type must be BIREYSEL or TACIR');
  const target = resolveTarget(flags, io.env);

  const message = {
    to,
    text,
    iysType,
    ...(flags.sender === undefined ? {} : { sender: flags.sender }),
    ...(recipientType === undefined ? {} : { recipientType }),
    ...(flags['idempotency-key'] === undefined ? {} : { idempotencyKey: flags['idempotency-key'] }),
  };
  const { status, body } = await callGateway(target, 'POST', '/v1/messages', message);
  const result = body as SendResultBody;
  if (flags.json) io.out(JSON.stringify(body, null, 2));

  if (status === 400) {
    for (const line of describeRefusal(status, body, (path) => FLAG_OF[path] ?? path)) io.err(line);
    return EXIT.usage;
  }
  if (typeof result?.status !== 'string') {
    for (const line of describeRefusal(status, body)) io.err(line);
    return EXIT.failed;
  }
  if (!flags.json) for (const line of describeResult(result)) io.out(line);
  return result.status === 'accepted' ? EXIT.ok : EXIT.failed;
}

function describeResult(result: SendResultBody): string[] {
  switch (result.status) {
    case 'accepted':
      return [
        `accepted${result.simulated ? ' (SIMULATED: not delivered)' : ''}`,
        `  id:          ${result.id}`,
        `  provider:    ${result.providerId} / ${result.accountId}`,
        `  provider id: ${result.providerMessageId}`,
        `  segments:    ${result.segments} (${result.encoding})`,
      ];
    case 'unknown':
      return [`unknown: ${result.reason}`, `  ${result.providerId} / ${result.accountId} may have the message; do not resend it elsewhere`];
    case 'rejected':
      return [`rejected: ${result.reason}`, ...(result.issues ?? []).map((i) => `  ${i.path}: ${i.reason}`)];
    case 'failed':
      return [
        `failed: ${result.reason}`,
        ...(result.attempts ?? []).map((a) => `  ${a.providerId}: ${a.outcome}${a.errorKind ? ` (${a.errorKind})` : ''}${a.reason ? ` — ${a.reason}` : ''}`),
      ];
  }
}
