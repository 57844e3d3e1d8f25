import { pushTokenRefusal, type DeliveryReport, type PushedReports, type ReceivedReports, type Secret } from '@rota/provider';
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
export function readPushedReports(push: PushedReports, token: Secret | undefined): ReceivedReports {
  const refused = pushTokenRefusal(push.url, token, 'FigenSoft');
  if (refused) return refused;
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
