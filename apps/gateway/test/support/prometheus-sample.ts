/** The value of one sample line of the Prometheus text, by metric name and exact label set. */
export function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    // A metric without labels is written bare: `name value`.
    if (wanted.length === 0 && line.startsWith(`${name} `)) return Number(line.slice(name.length + 1));
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.indexOf('}'));
    const parts = labelText.split(',');
    if (parts.length === wanted.length && wanted.every((w) => parts.includes(w))) return Number(line.slice(line.indexOf('}') + 2));
  }
  return undefined;
}
