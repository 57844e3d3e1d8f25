/**
 * Polls `check` every `stepMs` until it answers something other than undefined, or throws naming `what`
 * after `timeoutMs`: what a test waits on instead of a sleep, bounded, with a message when it gives up.
 */
export async function until<T>(check: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 10_000, stepMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}
