/**
 * `target` as a caller sees it when some of its methods fail: each method
 * named in `failures` throws `message` while its count lasts (the count goes
 * down with each failure; Infinity fails for ever), then answers as
 * `target` does. `calls` counts every call of a named method.
 */
export function failingCalls<T extends object>(
  target: T,
  failures: Partial<Record<keyof T & string, number>>,
  message = 'Connection terminated unexpectedly',
): { proxy: T; calls: Record<string, number> } {
  const left = failures as Record<string, number>;
  const calls: Record<string, number> = {};
  const proxy = new Proxy(target, {
    get(inner, property) {
      const value = Reflect.get(inner, property, inner) as unknown;
      if (typeof value !== 'function') return value;
      const method = (value as (...args: unknown[]) => unknown).bind(inner);
      if (typeof property !== 'string' || !(property in left)) return method;
      return async (...args: unknown[]) => {
        calls[property] = (calls[property] ?? 0) + 1;
        if (left[property]! > 0) {
          left[property]! -= 1;
          throw new Error(message);
        }
        return method(...args);
      };
    },
  });
  return { proxy, calls };
}
