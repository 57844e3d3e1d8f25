// The sandbox's admin API (/_admin: faults, records, credit) from a benchmark
// process. Credit is the cheap way to count what the sandbox accepted: every
// accepted message is charged its segments (one for the benchmarks' texts), and
// /_admin/accounts is a few hundred bytes where /_admin/records lists every message.
import { Pool } from 'undici';

export function sandboxAdmin(adminUrl) {
  const pool = new Pool(new URL(adminUrl).origin, { connections: 2 });
  const call = async (method, path, json) => {
    const response = await pool.request({ method, path: `/_admin${path}`, headers: { 'content-type': 'application/json' }, body: json === undefined ? undefined : JSON.stringify(json) });
    const text = await response.body.text();
    if (response.statusCode >= 300) throw new Error(`sandbox admin ${method} ${path}: ${response.statusCode} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  return {
    call,
    /** Credit left, over every account or for one username. */
    creditLeft: async (username) => (await call('GET', '/accounts')).filter((a) => username === undefined || a.username === username).reduce((sum, a) => sum + a.credit, 0),
    /** Every accepted message of one account (or all): { receiver, acceptedAt (ms since the epoch), messageId, … }. */
    records: (username) => call('GET', `/records${username === undefined ? '' : `?username=${encodeURIComponent(username)}`}`),
    clearRecords: () => call('DELETE', '/records'),
    close: () => pool.close(),
  };
}
