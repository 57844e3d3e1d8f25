import { z } from 'zod';

/** Every provider maps its own delivery codes onto these, so nothing else reads provider codes. */
export const DeliveryStateSchema = z.enum([
  'queued',
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'rejected',
  'expired',
  'unknown',
]);
export type DeliveryState = z.infer<typeof DeliveryStateSchema>;

/** Why a message did not arrive, in words shared by every provider. */
export const DeliveryReasonSchema = z.enum([
  'iys-consent-missing',
  'opted-out',
  'iys-error',
  'invalid-number',
  'insufficient-credit',
  'sender-not-allowed',
  'content-rejected',
  'too-long',
  'duplicate',
  'handset-error',
  'network-error',
  'expired',
  'not-found',
  'unknown',
]);
export type DeliveryReason = z.infer<typeof DeliveryReasonSchema>;

export interface DeliveryReport {
  providerMessageId: string;
  state: DeliveryState;
  reason?: DeliveryReason;
  /** True once the state can no longer change. */
  final: boolean;
  /** The provider's own status code, for support tickets. */
  providerCode?: string;
  /** When the provider last saw the state change, if it says. */
  at?: Date;
  /** E.164 number the report is about, if the provider says. */
  to?: string;
}
