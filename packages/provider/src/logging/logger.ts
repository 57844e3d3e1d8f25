/**
 * The logging surface Rota needs; pino's logger satisfies it as is.
 * Callers must never pass credentials or request bodies, and must mask phone
 * numbers (`maskPhoneNumber`) before they reach a log line.
 */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

const noop = (): void => {};
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
