// The public surface of @rota/webhook: what a receiver needs to check Rota's
// webhooks (verifyWebhook), and what Rota delivers them with.
export { signWebhook, verifyWebhook, SIGNATURE_HEADER, EVENT_ID_HEADER, DEFAULT_TOLERANCE_SECONDS, type WebhookVerification } from './signature.js';
export { forbiddenAddress } from './address-policy.js';
export { WebhookClient, receiverUrlProblem, type WebhookClientOptions, type DeliveryAttempt } from './webhook-client.js';
