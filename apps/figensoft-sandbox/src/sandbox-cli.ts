import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_SANDBOX_ACCOUNTS, DEFAULT_SANDBOX_CONSENT, DEFAULT_SANDBOX_WIRES } from './default-accounts.js';
import { describeIssues, SandboxAccountSchema, SandboxConsentSchema, type SandboxOptionsInput } from './sandbox-options.js';
import { InfobipWireSchema } from './wires/infobip-wire.js';
import { MessageCenterWireSchema } from './wires/message-center-wire.js';
import { MobildevWireSchema } from './wires/mobildev-wire.js';
import { TwilioWireSchema } from './wires/twilio-wire.js';
import { startSandbox, type Sandbox } from './sandbox-server.js';

export const CLI_USAGE =
  'Usage: figensoft-sandbox [--port 8090] [--host 127.0.0.1] [--accounts FILE.json] [--delivery-delay-ms 200] [--help]';

/** Without --port the CLI listens where the README and the gateway's default configuration expect it. */
export const CLI_DEFAULT_PORT = 8090;

/**
 * An accounts file is either a list of FigenSoft accounts or `{ accounts?,
 * consent?, messageCenter?, infobip?, twilio?, mobildev? }`: told apart by
 * its shape, so that a bad field is named (`accounts.0.iysType`) and not
 * refused as matching neither form.
 */
const AccountListSchema = z.array(SandboxAccountSchema);
const AccountsObjectSchema = z.strictObject({
  accounts: z.array(SandboxAccountSchema).default([]),
  consent: SandboxConsentSchema.optional(),
  messageCenter: MessageCenterWireSchema.optional(),
  infobip: InfobipWireSchema.optional(),
  twilio: TwilioWireSchema.optional(),
  mobildev: MobildevWireSchema.optional(),
});

export interface CliArgs {
  /** --help (-h): print the usage and start nothing. */
  help: boolean;
  port: number;
  host: string;
  accountsFile: string | undefined;
  deliveryDelayMs: number | undefined;
}

/** What to say of a --host other machines may reach: the admin API has no authentication. */
export function exposureWarning(host: string): string | undefined {
  if (host === 'localhost' || host === '::1' || host.startsWith('127.')) return undefined;
  return `warning: listening on ${host}: the sandbox's admin API (/_admin) has no authentication, and anyone who reaches it can read every message sent to it; keep it on loopback (127.0.0.1) unless this network is yours alone`;
}

export function parseCliArgs(argv: string[]): CliArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      accounts: { type: 'string' },
      'delivery-delay-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  return {
    help: values.help ?? false,
    port: values.port === undefined ? CLI_DEFAULT_PORT : wholeNumber('--port', values.port),
    host: values.host ?? '127.0.0.1',
    accountsFile: values.accounts,
    deliveryDelayMs: values['delivery-delay-ms'] === undefined ? undefined : wholeNumber('--delivery-delay-ms', values['delivery-delay-ms']),
  };
}

function wholeNumber(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new Error(`${flag} must be a whole number, got "${text}"`);
  return Number(text);
}

export async function loadAccountsFile(file: string): Promise<Pick<SandboxOptionsInput, 'accounts' | 'consent' | 'messageCenter' | 'infobip' | 'twilio' | 'mobildev'>> {
  if (!/\.json$/i.test(file)) {
    throw new Error(`--accounts: ${file} is not a .json file (YAML accounts files are not supported by this build)`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`--accounts: cannot read ${file} as JSON: ${(error as Error).message}`);
  }
  if (Array.isArray(raw)) {
    const list = AccountListSchema.safeParse(raw);
    if (!list.success) throw new Error(`--accounts: ${file} is not a valid accounts file: ${describeIssues(list.error)}`);
    return { accounts: list.data };
  }
  const parsed = AccountsObjectSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`--accounts: ${file} is not a valid accounts file (a list of accounts, or { accounts, consent, … }): ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** Starts the sandbox the CLI describes and prints the one line tools wait for; with --help prints the usage and starts nothing. */
export async function runCli(argv: string[], print: (line: string) => void, warn: (line: string) => void = print): Promise<Sandbox | undefined> {
  const args = parseCliArgs(argv);
  if (args.help) {
    print(CLI_USAGE);
    return undefined;
  }
  const exposed = exposureWarning(args.host);
  if (exposed) warn(exposed);
  const fromFile = args.accountsFile === undefined ? undefined : await loadAccountsFile(args.accountsFile);
  // A file decides every wire; without one, every wire runs with its built-in accounts.
  const sandbox = await startSandbox({
    ...(fromFile ?? { accounts: DEFAULT_SANDBOX_ACCOUNTS, consent: DEFAULT_SANDBOX_CONSENT, ...DEFAULT_SANDBOX_WIRES }),
    host: args.host,
    port: args.port,
    ...(args.deliveryDelayMs === undefined ? {} : { deliveryDelayMs: args.deliveryDelayMs }),
  });
  print(`FigenSoft sandbox listening on ${sandbox.url}`);
  return sandbox;
}
