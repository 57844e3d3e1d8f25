import { pushTokenRefusal, type DeliveryReport, type PushedReports, type ReceivedReports, type Secret } from '@rota/provider';
import { reasonOf, statusRow } from './infobip-codes.js';
import { parseInfobipDate, readReports, type Report } from './infobip-wire.js';

/** An Infobip report as Rota's: the state from the status, the reason refined by the error, the time it was done. */
export function toDeliveryReport(report: Report): DeliveryReport {
  const row = statusRow(report.status);
  const normalised: DeliveryReport = { providerMessageId: report.messageId, state: row.state, final: row.final, providerCode: `${report.status.groupId}/${report.status.id}` };
  const reason = reasonOf(row, report.error);
  if (reason) normalised.reason = reason;
  const at = parseInfobipDate(report.doneAt);
  if (at) normalised.at = at;
  if (report.to) normalised.to = `+${report.to.replace(/^\+/, '')}`;
  return normalised;
}

/**
 * A push from Infobip: `{ results: [report…] }`, up to 100 a POST, to the URL
 * each send named. Infobip signs nothing it pushes to a per-message URL, so
 * that URL carries a secret (`?token=`), compared in constant time; without a
 * configured token every push is refused.
 */
export function readPushedReports(push: PushedReports, token: Secret | undefined): ReceivedReports {
  const refused = pushTokenRefusal(push.url, token, 'Infobip');
  if (refused) return refused;
  let json: unknown;
  try {
    json = JSON.parse(push.body.toString('utf8'));
  } catch {
    return { ok: false, status: 400, reason: 'the body is not JSON (Infobip pushes are posted as application/json)' };
  }
  const reports = readReports(json);
  if (!reports) return { ok: false, status: 400, reason: 'the body is not { results: [reports] }' };
  return { ok: true, reports: reports.map(toDeliveryReport) };
}
