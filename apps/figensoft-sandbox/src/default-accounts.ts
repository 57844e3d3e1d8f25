import type { SandboxAccountInput, SandboxConsent } from './sandbox-options.js';

// What the sandbox runs with when no accounts file is given: the README's first
// command and the gateway's embedded default point at these. Dev-only secrets.
export const DEFAULT_SANDBOX_ACCOUNTS: SandboxAccountInput[] = [
  { username: 'rota-notify', password: 'sandbox-notify-secret', iysType: 'NOTIFICATION', senders: ['ROTA', 'ROTAOTP'] },
  { username: 'rota-campaign', password: 'sandbox-campaign-secret', iysType: 'CAMPAIGN', senders: ['ROTA'] },
];

/** IYS consent for the default CAMPAIGN account: two approved numbers, one that opted out. */
export const DEFAULT_SANDBOX_CONSENT: SandboxConsent = {
  approved: ['905321234567', '905551112233'],
  optedOut: ['905559998877'],
};
