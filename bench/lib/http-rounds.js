// Rounds of HTTP requests against a server in a child process (bench/lib/server-process.js),
// for `paired` (measure.js): each round's rate, and the CPU time the server process
// spent per request (asked of the process itself before and after the round). On
// a machine whose cores the client, the server and the sandbox share, the server's
// CPU per request is the steadier figure; the rate is what a client sees.
import { Pool } from 'undici';
import { concurrent } from './measure.js';

/** One connection per request in flight: the load generator must not be the queue. */
export const clientPool = (url, inFlight) => new Pool(new URL(url).origin, { connections: Math.max(inFlight, 1), pipelining: 1, keepAliveTimeout: 60_000 });

/**
 * `count` POSTs of `bodyAt(i)` (a JSON string) to `path`, `inFlight` at a time.
 * `check(statusCode, text)` returns undefined for a good answer, or what is wrong
 * with it; the round throws on the first bad answer (figures of failures are
 * worthless). Returns perSecond, microsEach, cpuMicrosEach (the server's CPU
 * per request) and clientCpuMicrosEach (this process's).
 */
export async function httpRound({ server, pool, path = '/v1/messages', headers, count, inFlight, bodyAt, check }) {
  const cpuBefore = await server.cpuMicros();
  const run = await concurrent(count, inFlight, async (i) => {
    const response = await pool.request({ method: 'POST', path, headers, body: bodyAt(i) });
    const text = await response.body.text();
    const wrong = check(response.statusCode, text);
    if (wrong !== undefined) throw new Error(`${path}: ${wrong}: ${response.statusCode} ${text.slice(0, 300)}`);
  });
  const cpuAfter = await server.cpuMicros();
  return { perSecond: run.perSecond, microsEach: run.microsEach, cpuMicrosEach: (cpuAfter - cpuBefore) / count, clientCpuMicrosEach: run.cpuMicrosEach };
}

/** A synchronous send's answer: 202 with the provider's id (the gateway's view and the bare relay's both carry it). */
export function acceptedAnswer(statusCode, text) {
  if (statusCode !== 202) return 'not 202';
  if (!text.includes('"status":"accepted"')) return 'not accepted';
  if (!text.includes('"providerMessageId":"')) return 'no providerMessageId';
  return undefined;
}

/** An asynchronous send's answer: 202, queued, with an id to ask about it later. */
export function queuedAnswer(statusCode, text) {
  if (statusCode !== 202) return 'not 202';
  if (!text.includes('"status":"queued"')) return 'not queued';
  if (!text.includes('"id":"')) return 'no id';
  return undefined;
}
