import { pushTokenRefusal, type DeliveryReport, type PushedReports, type ReceivedReports, type Secret } from '@rota/provider';
import { parsePerNumberId, perNumberId, wireDigits } from '@rota/provider/http';
import { messageStatusRow, PUSHED_WORD_CODES, type DeliveryRow } from './message-center-codes.js';

/** A report for one id from a table row; `at` and `to` when known. */
export function reportFrom(providerMessageId: string, row: DeliveryRow, providerCode?: string, to?: string): DeliveryReport {
  const report: DeliveryReport = { providerMessageId, state: row.state, final: row.final };
  if (row.reason) report.reason = row.reason;
  if (providerCode !== undefined) report.providerCode = providerCode;
  if (to !== undefined) report.to = to;
  return report;
}

type Json = Record<string, unknown>;
const objectOf = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);

/**
 * A push from Message Center: one JSON POST per message per status change,
 * `{ report: { id, packet_id, status, to, body } }` [sure]. Message Center signs
 * nothing, so the notification URL set in its panel carries a secret
 * (`?token=`), compared in constant time; without a configured token every
 * push is refused. The message text in `body` is not read.
 */
export function readPushedReports(push: PushedReports, token: Secret | undefined): ReceivedReports {
  const refused = pushTokenRefusal(push.url, token, 'Message Center');
  if (refused) return refused;
  let json: unknown;
  try {
    json = JSON.parse(push.body.toString('utf8'));
  } catch {
    return { ok: false, status: 400, reason: 'the body is not JSON' };
  }
  const report = objectOf(objectOf(json)?.report);
  const packet = report?.packet_id;
  const to = report?.to;
  const status = report?.status;
  if ((typeof packet !== 'number' && typeof packet !== 'string') || typeof to !== 'string' || typeof status !== 'string' || String(packet) === '') {
    return { ok: false, status: 400, reason: 'the body is not { report: { packet_id, to, status } }' };
  }
  // Read as any written form of the number ("+90 532 …" too): perNumberId keeps a +90 number as it was written.
  const id = perNumberId(String(packet), wireDigits(to));
  // A push names one of our orders and a number: anything else would only take a place among the held reports.
  const parsed = parsePerNumberId(id);
  if (!parsed) return { ok: false, status: 400, reason: 'report.packet_id must be a number and report.to a phone number' };
  return { ok: true, reports: [reportFrom(id, messageStatusRow(status), PUSHED_WORD_CODES.get(status) ?? status, `+${parsed.digits}`)] };
}
