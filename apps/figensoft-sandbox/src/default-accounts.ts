import type { SandboxAccountInput, SandboxConsent, SandboxOptionsInput } from './sandbox-options.js';

// What the sandbox runs with when no accounts file is given: the README's first
// command and the gateway's embedded default point at these. Dev-only secrets.
export const DEFAULT_SANDBOX_ACCOUNTS: SandboxAccountInput[] = [
  { username: 'rota-notify', password: 'sandbox-notify-secret', iysType: 'NOTIFICATION', senders: ['ROTA', 'ROTAOTP'] },
  { username: 'rota-campaign', password: 'sandbox-campaign-secret', iysType: 'CAMPAIGN', senders: ['ROTA'] },
];

/**
 * FigenSoft's provider settings (`providers[].settings` in Rota's config) that
 * send to a sandbox whose FigenSoft API is at `url`, one account per sandbox
 * account: what a test or bench starting its own sandbox configures.
 */
export function figensoftSettingsFor(url: string, accounts: readonly SandboxAccountInput[] = DEFAULT_SANDBOX_ACCOUNTS) {
  return {
    accounts: accounts.map((account) => ({
      username: account.username,
      password: account.password,
      smsIysMessageType: account.iysType,
      senderList: account.senders,
      customApiActive: true,
      customApiUrl: url,
    })),
  };
}

/** IYS consent for the default CAMPAIGN account: two approved numbers, one that opted out. */
export const DEFAULT_SANDBOX_CONSENT: SandboxConsent = {
  approved: ['905321234567', '905551112233'],
  optedOut: ['905559998877'],
};

/**
 * The other wires' built-in accounts (dev-only secrets), as config/sandbox.yaml
 * configures Rota's providers against them. Mobildev has one account per IYS
 * type, as Rota configures it; its UserName is `username-companyCode`.
 */
export const DEFAULT_SANDBOX_WIRES = {
  // Message Center refuses the same text to the same numbers within 10 minutes (451); off here, so that the README's curl can be run again.
  messageCenter: { accounts: [{ key: 'rota-mc-key', hash: 'sandbox-mc-hash', senders: ['ROTA'] }], duplicateWindowMs: 0 },
  infobip: { accounts: [{ name: 'rota', apiKey: 'sandbox-infobip-key', senders: ['ROTA'] }] },
  twilio: { accounts: [{ accountSid: 'AC5a9d0c1e2f3b4a5c6d7e8f9a0b1c2d3e', authToken: 'sandbox-twilio-token', senders: ['ROTA'] }] },
  mobildev: {
    accounts: [
      { username: 'rota-notify-10001', password: 'sandbox-mobildev-notify', senders: ['ROTA'] },
      { username: 'rota-campaign-10001', password: 'sandbox-mobildev-campaign', senders: ['ROTA'] },
    ],
  },
} satisfies Pick<SandboxOptionsInput, 'messageCenter' | 'infobip' | 'twilio' | 'mobildev'>;
