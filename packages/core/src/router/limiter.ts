/** Runs at most `concurrency` tasks at once, in the order they were queued. */
export function createLimiter(concurrency: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: Array<() => void> = [];
  const next = (): void => {
    running -= 1;
    queue.shift()?.();
  };
  return <T>(task: () => Promise<T>): Promise<T> => {
    if (running < concurrency) {
      running += 1;
      return task().finally(next);
    }
    return new Promise<T>((resolve, reject) => {
      queue.push(() => {
        running += 1;
        task().then(resolve, reject).finally(next);
      });
    });
  };
}
