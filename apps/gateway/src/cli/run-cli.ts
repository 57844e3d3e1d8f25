import { parseArgs } from 'node:util';
import { EXIT, UsageError, type CliIo } from './cli-io.js';
import { configCheck } from './config-check.js';
import { GatewayUnreachableError } from './gateway-client.js';
import { providersCommand } from './providers-command.js';
import { sendCommand } from './send-command.js';
import { statusCommand } from './status-command.js';

export const USAGE = `usage:
  rota config check FILE [--development]
      validate a configuration file; print every problem with its path
  rota send --to NUMBER --text TEXT --iys-type NOTIFICATION|CAMPAIGN
            [--sender S] [--recipient-type BIREYSEL|TACIR] [--idempotency-key K]
            [--url URL] [--key KEY] [--json]
      send one message through a running gateway
  rota status ID [--url URL] [--key KEY]
      a message as the gateway answers GET /v1/messages/ID (ID: the id send printed)
  rota providers [--url URL] [--key KEY] [--json]
      the provider status table of a running gateway

  --url defaults to $ROTA_GATEWAY_URL, then http://127.0.0.1:8080
  --key defaults to $ROTA_API_KEY (an API key; the admin token cannot send)`;

const CONNECTION_OPTIONS = { url: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean' } } as const;

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
      const { values, positionals } = parseArgs({ args: rest, options: { url: CONNECTION_OPTIONS.url, key: CONNECTION_OPTIONS.key }, allowPositionals: true, strict: true });
      if (positionals.length > 1) throw new UsageError(`status takes one message id (got ${positionals.length})`);
      return statusCommand(positionals[0], values, io);
    }
    case 'providers': {
      const { values } = parseArgs({ args: rest, options: CONNECTION_OPTIONS, allowPositionals: false, strict: true });
      return providersCommand(values, io);
    }
    default:
      throw new UsageError(`unknown command "${command}" (known: config check, send, status, providers)`);
  }
}

/** node:util parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes whose messages name the flag. */
function isParseArgsError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
