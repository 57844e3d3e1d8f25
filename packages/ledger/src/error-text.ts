/** An error as a log line or a reason carries it: its class and message, or whatever was thrown, as text. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
