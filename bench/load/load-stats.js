// Tallies of one load phase: latencies, answers by HTTP status and by result
// status, and every answer that breaks the gateway's documented contract.
import { percentile } from '../lib/measure.js';

/** What each result status must be answered with (apps/gateway/README.md, "What a send answers"). */
const HTTP_OF_RESULT = { accepted: 202, unknown: 202, rejected: 422, failed: 503 };

export class PhaseTally {
  latencies = [];
  byHttp = new Map();
  byResult = new Map();
  /** Answers that break the contract, counted by kind; the first few kept whole. */
  violations = new Map();
  examples = [];
  networkErrors = 0;
  responses = 0;
  /** Segments of accepted messages: what the provider must have charged, exactly. */
  acceptedSegments = 0;

  /** Records one answer; `latencyMs` from the request's start to its last body byte. */
  answer(httpStatus, text, latencyMs) {
    this.responses += 1;
    this.latencies.push(latencyMs);
    bump(this.byHttp, httpStatus);
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      this.violation('body is not JSON', `${httpStatus} ${text.slice(0, 200)}`);
      return;
    }
    const status = body?.status ?? (body?.error ? `error:${body.error}` : 'no status');
    bump(this.byResult, `${httpStatus} ${status}`);
    if (httpStatus >= 500 && !(httpStatus === 503 && status === 'failed')) {
      this.violation('5xx other than 503 failed (no provider left)', `${httpStatus} ${text.slice(0, 300)}`);
    }
    const expected = HTTP_OF_RESULT[status];
    if (expected !== undefined && expected !== httpStatus) this.violation('HTTP status does not match the result status', `${httpStatus} ${status}`);
    if (expected === undefined && httpStatus < 400) this.violation('a 2xx without a result status', `${httpStatus} ${text.slice(0, 200)}`);
    if (status === 'accepted') {
      if (typeof body.id !== 'string' || typeof body.providerMessageId !== 'string') this.violation('accepted without id / providerMessageId', text.slice(0, 200));
      this.acceptedSegments += body.segments;
    }
  }

  networkError(error) {
    this.networkErrors += 1;
    this.violation('no HTTP answer (network error)', `${error?.code ?? ''} ${error instanceof Error ? error.message : String(error)}`);
  }

  violation(kind, example) {
    bump(this.violations, kind);
    if (this.examples.length < 5) this.examples.push(`${kind}: ${example}`);
  }

  count(resultStatus) {
    let total = 0;
    for (const [key, n] of this.byResult) if (key.endsWith(` ${resultStatus}`)) total += n;
    return total;
  }

  percentiles() {
    const sorted = Float64Array.from(this.latencies).sort();
    const at = (p) => percentile(sorted, p) ?? NaN;
    return { p50: at(50), p90: at(90), p99: at(99), max: sorted.length === 0 ? NaN : sorted[sorted.length - 1] };
  }
}

function bump(map, key) {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Sums a Prometheus counter's samples whose labels include every pair of `match`. */
export function sumMetric(text, name, match = {}) {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labels = /\{(.*)\}/.exec(line)?.[1] ?? '';
    if (Object.entries(match).every(([k, v]) => labels.includes(`${k}="${v}"`))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export const mib = (bytes) => (bytes === undefined ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(1)} MiB`);
export const fixed = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
