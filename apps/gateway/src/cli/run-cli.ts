import { parseArgs } from 'node:util';
import { EXIT, UsageError, type CliIo } from './cli-io.js';
import { CANCEL_OPTIONS, cancelCommand } from './cancel-command.js';
import { configCheck } from './config-check.js';
import { CONNECTION_OPTIONS, GatewayUnreachableError } from './gateway-client.js';
import { MESSAGES_OPTIONS, messagesCommand } from './messages-command.js';
import { providersCommand } from './providers-command.js';
import { sendCommand } from './send-command.js';
import { STATUS_OPTIONS, statusCommand } from './status-command.js';
import { WEBHOOKS_OPTIONS, webhooksCommand } from './webhooks-command.js';

export const USAGE = `usage:
  rota gateway --config FILE [--worker] [--development]
      run the HTTP gateway (on a PostgreSQL store it records and queues; --worker: also send from it)
  rota worker --config FILE [--metrics-listen HOST:PORT] [--development]
      run a worker on a PostgreSQL store: send what gateways queue, follow delivery reports, deliver webhooks;
      --metrics-listen: serve its /metrics and /healthz there (the figures of sending are the workers')
  rota store copy --from FILE --to FILE [--new-hash-key]
      copy every record of one configuration's store into the other's, empty one
      (an embedded SQLite ledger moving to PostgreSQL; stop and drain the source first)
  rota config check FILE [--development]
      validate a configuration file; print every problem with its path
  rota send --to NUMBER --text TEXT --iys-type NOTIFICATION|CAMPAIGN
            [--sender S] [--recipient-type BIREYSEL|TACIR] [--idempotency-key K]
            [--url URL] [--key KEY] [--json]
      send one message through a running gateway (exit 0: accepted, or queued / on its way)
  rota status ID [--timeline] [--refresh] [--url URL] [--key KEY]
      a message as the gateway answers GET /v1/messages/ID (ID: the id send printed);
      --timeline: its steps one a line; --refresh: ask the provider now
  rota cancel ID [--bulk] [--url URL] [--key KEY] [--json]
      take back a message not on its way yet (scheduled for later, or waiting its turn or its
      account's rate limit), or with --bulk what of a bulk has not gone out; a request under way is sent
  rota messages [--state S] [--to NUMBER] [--bulk BULK_ID] [--since T] [--until T]
                [--limit N] [--cursor C] [--owner CLIENT] [--url URL] [--key KEY] [--json]
      your messages, newest first (T: ISO 8601, or 30m / 2h / 7d ago;
      --owner: the admin token's view of one client)
  rota providers [--url URL] [--key KEY] [--json]
      the provider status table of a running gateway (the traffic columns need the admin token)
  rota webhooks redeliver EVENT_ID [--url URL] [--key KEY] [--json]
      send a webhook event again (EVENT_ID: a delivery's Rota-Event-Id)
  rota webhooks endpoints [--url URL] [--key ADMIN_TOKEN] [--json]
      the receivers switched off after answering 410, with their held events
  rota webhooks enable URL [--url URL] [--key ADMIN_TOKEN] [--json]
      turn a switched-off receiver back on; its held events go out

  --url defaults to $ROTA_GATEWAY_URL, then http://127.0.0.1:8080
  --key defaults to $ROTA_API_KEY (an API key; the admin token cannot send)`;

const KNOWN_COMMANDS = 'gateway, worker, store copy, config check, send, status, cancel, messages, providers, webhooks';

/** Runs one `rota` command line; returns the exit code (0 ok, 1 failed, 2 bad arguments). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.err(`rota: ${(error as Error).message}`);
      io.err(`run "rota --help" for usage`);
      return EXIT.usage;
    }
    if (error instanceof GatewayUnreachableError) {
      io.err(`rota: ${error.message}`);
      return EXIT.failed;
    }
    throw error;
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      io.out(USAGE);
      return command === undefined ? EXIT.usage : EXIT.ok;
    case 'config': {
      const [sub, ...args] = rest;
      if (sub !== 'check') throw new UsageError(sub === undefined ? 'config needs a subcommand: rota config check FILE' : `unknown config subcommand "${sub}" (known: check)`);
      const { values, positionals } = parseArgs({ args, options: { development: { type: 'boolean' } }, allowPositionals: true, strict: true });
      if (positionals.length !== 1) throw new UsageError('config check needs exactly one FILE');
      return configCheck(positionals[0]!, values.development ?? false, io);
    }
    case 'send': {
      const { values } = parseArgs({
        args: rest,
        options: {
          ...CONNECTION_OPTIONS,
          to: { type: 'string' },
          text: { type: 'string' },
          'iys-type': { type: 'string' },
          sender: { type: 'string' },
          'recipient-type': { type: 'string' },
          'idempotency-key': { type: 'string' },
        },
        allowPositionals: false,
        strict: true,
      });
      return sendCommand(values, io);
    }
    case 'status': {
      const { values, positionals } = parseArgs({ args: rest, options: STATUS_OPTIONS, allowPositionals: true, strict: true });
      if (positionals.length > 1) throw new UsageError(`status takes one message id (got ${positionals.length})`);
      return statusCommand(positionals[0], values, io);
    }
    case 'cancel': {
      const { values, positionals } = parseArgs({ args: rest, options: CANCEL_OPTIONS, allowPositionals: true, strict: true });
      if (positionals.length > 1) throw new UsageError(`cancel takes one id (got ${positionals.length})`);
      return cancelCommand(positionals[0], values, io);
    }
    case 'messages': {
      const { values } = parseArgs({ args: rest, options: MESSAGES_OPTIONS, allowPositionals: false, strict: true });
      return messagesCommand(values, io);
    }
    case 'webhooks': {
      const { values, positionals } = parseArgs({ args: rest, options: WEBHOOKS_OPTIONS, allowPositionals: true, strict: true });
      const [sub, ...args] = positionals;
      return webhooksCommand(sub, args, values, io);
    }
    case 'providers': {
      const { values } = parseArgs({ args: rest, options: CONNECTION_OPTIONS, allowPositionals: false, strict: true });
      return providersCommand(values, io);
    }
    case 'store': {
      const [sub, ...args] = rest;
      if (sub !== 'copy') throw new UsageError(sub === undefined ? 'store needs a subcommand: rota store copy --from FILE --to FILE' : `unknown store subcommand "${sub}" (known: copy)`);
      const { values } = parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' }, 'new-hash-key': { type: 'boolean' } }, allowPositionals: false, strict: true });
      if (values.from === undefined || values.to === undefined) throw new UsageError('store copy needs --from FILE and --to FILE');
      const { storeCopyCommand } = await import('./store-copy-command.js');
      return storeCopyCommand({ from: values.from, to: values.to, newHashKey: values['new-hash-key'] === true }, io);
    }
    case 'gateway':
    case 'worker': {
      const { values } = parseArgs({
        args: rest,
        options: {
          config: { type: 'string', short: 'c' },
          development: { type: 'boolean' },
          ...(command === 'gateway' ? { worker: { type: 'boolean' as const } } : { 'metrics-listen': { type: 'string' as const } }),
        },
        allowPositionals: false,
        strict: true,
      }) as { values: { config?: string; development?: boolean; worker?: boolean; 'metrics-listen'?: string } };
      if (typeof values.config !== 'string') throw new UsageError(`${command} needs --config FILE`);
      // Loaded only here: the other commands are HTTP clients and start faster without the server.
      const { serveCommand } = await import('./serve-command.js');
      const listen = values['metrics-listen'];
      return serveCommand(
        command,
        { config: values.config, development: values.development === true, worker: values.worker === true, ...(typeof listen === 'string' ? { metricsListen: hostAndPort(listen) } : {}) },
        io,
      );
    }
    default:
      throw new UsageError(`unknown command "${command}" (known: ${KNOWN_COMMANDS})`);
  }
}

/** node:util parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes whose messages name the flag. */
function isParseArgsError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** `HOST:PORT` (`[::1]:9464` for IPv6) of --metrics-listen. */
function hostAndPort(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65_535) throw new UsageError(`--metrics-listen must be HOST:PORT with a port from 0 to 65535 (got "${text}")`);
  return { host: (match[1] ?? match[2])!, port };
}
