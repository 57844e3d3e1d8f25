import type { IysType, ValidationIssue } from '@rota/provider';
import type { RotaConfig } from '../config/rota-config.js';

/** The fields of a message or a bulk that a client's sending rights speak of. */
export interface RightsFields {
  sender?: string | undefined;
  iysType: IysType;
  otp: boolean;
}

/**
 * Whether `client` may send a message or bulk with these fields, under its
 * `gateway.apiKeys[].allowed` in the configuration in force (a reload applies
 * to the next request). Every field it may not use is named with the reason;
 * nothing of the request is then recorded or sent. A client restricted to
 * some senders that names none gets the first of them: never a provider
 * account's own, which may be another brand's.
 */
export function checkSendingRights(config: RotaConfig, client: string, fields: RightsFields): { ok: true; sender: string | undefined } | { ok: false; issues: ValidationIssue[] } {
  const allowed = config.gateway.apiKeys.find((key) => key.name === client)?.allowed;
  if (!allowed) return { ok: true, sender: fields.sender };
  const issues: ValidationIssue[] = [];
  const { senders, iysTypes } = allowed;
  if (senders && fields.sender !== undefined && !senders.includes(fields.sender)) {
    issues.push({ path: 'sender', reason: `is not one of this API key's senders (${senders.join(', ')}; gateway.apiKeys[].allowed.senders)` });
  }
  if (iysTypes && !iysTypes.includes(fields.iysType)) {
    issues.push({ path: 'iysType', reason: `this API key may send only ${iysTypes.join(' or ')} (gateway.apiKeys[].allowed.iysTypes)` });
  }
  if (fields.otp && !allowed.otp) issues.push({ path: 'otp', reason: 'this API key may not mark messages otp (gateway.apiKeys[].allowed.otp)' });
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, sender: fields.sender ?? senders?.[0] };
}
