import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

/**
 * Every provider's credential fields, by the names its configuration gives
 * them: FigenSoft's and Mobildev's `password`, Message Center's `key` (a
 * credential too), `hash` (sent as issued) and `secret`, Infobip's `apiKey`,
 * Twilio's `authToken`, and the `pushToken` a pushed report's URL carries.
 */
const PROVIDER_CREDENTIALS = ['password', 'key', 'hash', 'secret', 'apiKey', 'authToken', 'pushToken'] as const;

/**
 * The gateway's pino logger: JSON lines, secrets redacted by path. The gateway
 * never passes request bodies or headers to a log call; these paths catch a
 * mistake (or a dependency) that does. A provider credential is redacted as
 * deep as an account in a provider's settings (`settings.accounts.0.hash`).
 */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  '*.authorization',
  ...PROVIDER_CREDENTIALS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`, `*.*.*.${field}`]),
  'apiKeys',
  '*.apiKeys',
  'adminToken',
  '*.adminToken',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'credentials',
  '*.credentials',
  'hashKey',
  '*.hashKey',
  // A webhook block's secret being rotated out: `secret` above, its predecessor here.
  'previousSecret',
  '*.previousSecret',
  '*.*.previousSecret',
  '*.*.*.previousSecret',
  'body',
  '*.body',
];

export interface GatewayLoggerOptions {
  level?: LevelWithSilent;
  /** Where lines go; stdout when left out. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

export function createGatewayLogger(options: GatewayLoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'rota-gateway' },
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

export type { Logger } from 'pino';
