import { timingSafeEqual, createHash } from 'node:crypto';
import type { DeliveryReport, PushedReports, ReceivedReports } from '@rota/provider';
import { smsStatusRow } from './figensoft-codes.js';
import { parseFigenSoftDate } from './figensoft-dates.js';
import { PushedReportsBodySchema, type StatusResultEntry } from './figensoft-wire.js';

const NON_DIGITS = /\D/g;

/** A Status entry as Rota's delivery report; an id FigenSoft left out (`entry` undefined) is not found. */
export function toDeliveryReport(id: string, entry: StatusResultEntry | undefined): DeliveryReport {
  const row = smsStatusRow(entry?.SmsStatus ?? '');
  const report: DeliveryReport = {
    providerMessageId: id,
    state: row.state,
    final: row.final === 'as-reported' ? entry?.IsFinalStatus?.trim() === '1' : row.final,
  };
  if (row.reason) report.reason = row.reason;
  if (entry?.SmsStatus) report.providerCode = entry.SmsStatus.trim();
  const at = parseFigenSoftDate(entry?.StatusTime);
  if (at) report.at = at;
  const receiver = entry?.Receiver?.replace(NON_DIGITS, '');
  if (receiver) report.to = `+${receiver}`;
  return report;
}

/**
 * Reports pushed in the sandbox's push format: FigenSoft signs nothing, so the
 * callback URL it is given carries a secret (`?token=`), compared here in
 * constant time. Without a configured token every push is refused.
 */
export function readPushedReports(push: PushedReports, token: string | undefined): ReceivedReports {
  if (token === undefined) return { ok: false, status: 401, reason: 'this FigenSoft provider takes no pushed reports (no pushToken configured)' };
  let given: string | null;
  try {
    given = new URL(push.url, 'http://push.invalid').searchParams.get('token');
  } catch {
    given = null;
  }
  if (given === null || !sameSecret(given, token)) return { ok: false, status: 401, reason: 'the push does not carry this provider\'s token' };
  let json: unknown;
  try {
    json = JSON.parse(push.body.toString('utf8'));
  } catch {
    return { ok: false, status: 400, reason: 'the body is not JSON' };
  }
  const parsed = PushedReportsBodySchema.safeParse(json);
  if (!parsed.success) return { ok: false, status: 400, reason: 'the body is not { Reports: [Status entries] }' };
  return { ok: true, reports: parsed.data.Reports.map((entry) => toDeliveryReport(entry.MessageId, entry)) };
}

/** Equal-length digests, so the comparison takes the same time whatever was sent. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
