// Turns scenario reports into tables and a list of missed targets.
import { printTable } from '../lib/measure.js';

const n = (value) => (value === undefined || value === null ? '—' : Math.round(value).toLocaleString('en-US'));
const ms = (value) => (value === undefined || value === null ? 'never' : `${value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US')} ms`);
const counts = (record) => {
  const parts = Object.entries(record)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${n(v)}`);
  return parts.length === 0 ? '0' : parts.join(', ');
};
const mark = (ok) => (ok ? 'ok' : 'MISSED');

/** What a report breaks of the promises (none may break); empty when all hold. */
export function brokenPromises(report) {
  const missed = [];
  if (report.lost > 0) missed.push(`${report.id}: ${report.lost} message(s) without a result`);
  if (report.late > 0) missed.push(`${report.id}: ${report.late} result(s) past the ${report.settings.sendDeadlineMs ?? ''} ms deadline`);
  if (report.extraResults > 0) missed.push(`${report.id}: ${report.extraResults} extra result(s)`);
  if (report.unknownUnnamed > 0) missed.push(`${report.id}: ${report.unknownUnnamed} unknown result(s) without a provider`);
  if (report.mismatches > 0) missed.push(`${report.id}: ${report.mismatches} result(s) contradicted by the providers' records`);
  if (report.unknownOutcome === 'stop' && report.duplicates.pairs > 0) missed.push(`${report.id}: ${report.duplicates.pairs} duplicate(s) under stop`);
  if (report.providerBugs > 0) missed.push(`${report.id}: ${report.providerBugs} provider-bug event(s)`);
  for (const t of report.transitions) {
    if (t.provider && t.ms === null) missed.push(`${report.id}: ${t.label}: no traffic on ${t.provider} after the ${t.kind}`);
  }
  if (report.extras?.refusalsRoutedOn > 0) missed.push(`${report.id}: ${report.extras.refusalsRoutedOn} consent refusal(s) routed to another provider`);
  return missed;
}

/** Timing targets missed (reported; on a shared machine they depend on its load). */
export function missedTimings(report) {
  return report.transitions
    .filter((t) => t.provider && t.ms !== null && t.limitMs !== undefined && t.ms > t.limitMs)
    .map((t) => `${report.id}: ${t.label} took ${ms(t.ms)} (target ≤ ${ms(t.limitMs)})`);
}

/** Promise 3: the process itself survived the run. */
export function processMisses(counts) {
  if (counts.unhandledRejections + counts.uncaughtExceptions === 0) return [];
  return [`process: ${counts.unhandledRejections} unhandled rejection(s), ${counts.uncaughtExceptions} uncaught exception(s): ${counts.samples.join(' | ')}`];
}

export function printScenario(report) {
  const rows = [
    { case: 'messages sent', value: `${n(report.sent)} (${n(report.viaBatch)} in batches)`, target: '' },
    { case: 'results', value: counts(report.results), target: '' },
    { case: 'accepted by', value: counts(report.acceptedBy), target: '' },
    { case: 'unknown, provider named', value: `${counts(report.unknownBy)}${report.unknownUnnamed ? `; unnamed ${report.unknownUnnamed}` : ''}`, target: '' },
    { case: 'lost (no result, hung, threw)', value: n(report.lost), target: `0 ${mark(report.lost === 0)}` },
    {
      case: 'duplicates (to, text accepted twice)',
      value: `${n(report.duplicates.pairs)}${report.duplicates.pairs ? ` (${counts(report.duplicates.at)})` : ''}`,
      target: report.unknownOutcome === 'stop' ? `0 ${mark(report.duplicates.pairs === 0)}` : 'counted',
    },
    { case: 'results contradicted by records', value: n(report.mismatches), target: `0 ${mark(report.mismatches === 0)}` },
  ];
  for (const t of report.transitions) {
    if (t.provider) {
      const ok = t.ms !== null && (t.limitMs === undefined || t.ms <= t.limitMs);
      rows.push({ case: `${t.kind}: ${t.label}`, value: ms(t.ms), target: t.limitMs === undefined ? '' : `≤ ${ms(t.limitMs)} ${mark(ok)}` });
    } else {
      rows.push({ case: `${t.kind}: ${t.label} (last rank) → breaker open`, value: ms(t.breakerOpenMs), target: '' });
    }
  }
  rows.push({ case: 'latency p50 / p99 / max', value: `${ms(report.latencyMs.p50)} / ${ms(report.latencyMs.p99)} / ${ms(report.latencyMs.max)}`, target: '' });
  rows.push({ case: 'event-loop delay p99 / max', value: `${ms(report.eventLoopDelayMs.p99)} / ${ms(report.eventLoopDelayMs.max)}`, target: '' });
  if (report.extras && Object.keys(report.extras).length > 0) {
    const x = report.extras;
    rows.push({ case: 'lacking consent: sent / refused by', value: `${n(x.lackingConsent)} / ${counts(x.refusedBy)}`, target: '' });
    rows.push({ case: 'lacking consent, accepted by figensoft → report', value: counts(x.deliveryReasons.lackingConsent), target: '' });
    rows.push({ case: 'with consent, accepted by figensoft → report', value: counts(x.deliveryReasons.withConsent), target: '' });
    rows.push({ case: 'consent refusals routed to another provider', value: n(x.refusalsRoutedOn), target: `0 ${mark(x.refusalsRoutedOn === 0)}` });
  }
  printTable(`${report.name}  [${report.id}; unknownOutcome ${report.unknownOutcome}; ${report.iysType}; ${n(report.durationMs / 1000)} s]`, rows);
}

export function printSummary(reports) {
  const rows = reports.map((r) => {
    const next = r.transitions.filter((t) => t.kind === 'fault' && t.provider).map((t) => ms(t.ms));
    const opens = r.transitions.filter((t) => t.kind === 'fault' && !t.provider).map((t) => `open ${ms(t.breakerOpenMs)}`);
    const back = r.transitions.filter((t) => t.kind === 'recovery').map((t) => ms(t.ms));
    return {
      case: r.id,
      sent: n(r.sent),
      accepted: n(r.results.accepted),
      rejected: n(r.results.rejected),
      failed: n(r.results.failed),
      unknown: n(r.results.unknown),
      lost: n(r.lost),
      dup: n(r.duplicates.pairs),
      'fault → next rank': [...next, ...opens].join(', ') || '—',
      'recovery → back': back.join(', ') || '—',
      p50: ms(r.latencyMs.p50),
      p99: ms(r.latencyMs.p99),
      'loop delay max': ms(r.eventLoopDelayMs.max),
    };
  });
  printTable('Summary', rows);
}
