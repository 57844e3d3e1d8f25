import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

/**
 * The gateway's pino logger: JSON lines, secrets redacted by path. The gateway
 * never passes request bodies or headers to a log call; these paths catch a
 * mistake (or a dependency) that does.
 */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  '*.authorization',
  'password',
  '*.password',
  '*.*.password',
  'apiKey',
  '*.apiKey',
  'apiKeys',
  '*.apiKeys',
  'adminToken',
  '*.adminToken',
  'authToken',
  '*.authToken',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'secret',
  '*.secret',
  'credentials',
  '*.credentials',
  'hashKey',
  '*.hashKey',
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
