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

/**
 * A record as `POST /v1/messages` answers it. Every field but `status` may be
 * missing: a message still queued or on its way has no provider yet, and a
 * gateway newer than this CLI may answer a state it does not know.
 */
type SendResultBody = {
  status: string;
  id?: string;
  providerId?: string;
  accountId?: string;
  providerMessageId?: string;
  segments?: number;
  encoding?: string;
  simulated?: boolean;
  sendAt?: string;
  reason?: string;
  issues?: { path: string; reason: string }[];
  attempts?: { providerId: string; outcome: string; errorKind?: string; reason?: string }[];
};

/**
 * The states in which the gateway has the message and will send it (or has): exit 0.
 * `queued` and `dispatching` answer a send that is not finished yet — one scheduled,
 * or a repeat of an idempotency key whose first send is still on its way — and the
 * record will move on by itself: sending again would be wrong, so it is no failure.
 */
const TAKEN_STATES = new Set(['accepted', 'queued', 'dispatching']);

/** `rota send`: one message through a running gateway; exit 0 when it was accepted, or is queued or on its way. */
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
  return TAKEN_STATES.has(result.status) ? EXIT.ok : EXIT.failed;
}

/** `providerId / accountId`, or what is known of them. */
function providerOf(result: SendResultBody): string | undefined {
  if (result.providerId === undefined) return undefined;
  return result.accountId === undefined ? result.providerId : `${result.providerId} / ${result.accountId}`;
}

function describeResult(result: SendResultBody): string[] {
  const id = result.id === undefined ? [] : [`  id:          ${result.id}`];
  const provider = providerOf(result);
  switch (result.status) {
    case 'accepted':
      return [
        `accepted${result.simulated ? ' (SIMULATED: not delivered)' : ''}`,
        ...id,
        ...(provider === undefined ? [] : [`  provider:    ${provider}`]),
        ...(result.providerMessageId === undefined ? [] : [`  provider id: ${result.providerMessageId}`]),
        ...(result.segments === undefined ? [] : [`  segments:    ${result.segments}${result.encoding === undefined ? '' : ` (${result.encoding})`}`]),
      ];
    case 'queued':
    case 'dispatching':
      return [
        result.status === 'queued'
          ? `queued: recorded, not sent yet${result.sendAt === undefined ? '' : ` (scheduled for ${result.sendAt})`}`
          : 'dispatching: on its way to a provider, no answer yet',
        ...id,
        ...(result.id === undefined ? [] : [`  follow it:   rota status ${result.id}`]),
      ];
    case 'unknown':
      return [`unknown: ${result.reason ?? 'no answer from the provider'}`, ...id, `  ${provider ?? 'a provider'} may have the message; do not resend it elsewhere`];
    case 'rejected':
      return [`rejected: ${result.reason ?? 'refused'}`, ...id, ...(result.issues ?? []).map((i) => `  ${i.path}: ${i.reason}`)];
    case 'failed':
      return [
        `failed: ${result.reason ?? 'no provider took it'}`,
        ...id,
        ...(result.attempts ?? []).map((a) => `  ${a.providerId}: ${a.outcome}${a.errorKind ? ` (${a.errorKind})` : ''}${a.reason ? ` — ${a.reason}` : ''}`),
      ];
    default:
      // A state this CLI does not know (a newer gateway): said as it is, and not taken for a success.
      return [result.status, ...id];
  }
}
