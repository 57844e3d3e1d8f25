import type { Logger } from '@rota/provider';
import type { RotaConfigInput } from './rota-config.js';

/**
 * Configuration trees for the config tests. Every secret is distinctive so a
 * test can assert it never shows up in an issue or a log line.
 */
export const SECRETS = {
  notifyPassword: 'notify-PASSWORD-s3cr3t',
  campaignPassword: 'campaign-PASSWORD-s3cr3t',
  apiKey: 'send-KEY-s3cr3t-0123456789',
  adminToken: 'admin-TOKEN-s3cr3t-0123456789',
} as const;

export function figensoftSettings(url = 'http://127.0.0.1:9/api_json') {
  return {
    accounts: [
      {
        username: 'rota-notify',
        password: SECRETS.notifyPassword,
        smsIysMessageType: 'NOTIFICATION' as const,
        senderList: ['ROTA', 'ROTAOTP'],
        customApiActive: true,
        customApiUrl: url,
      },
      {
        username: 'rota-campaign',
        password: SECRETS.campaignPassword,
        smsIysMessageType: 'CAMPAIGN' as const,
        senderList: ['ROTA'],
        customApiActive: true,
        customApiUrl: url,
      },
    ],
  };
}

/** A minimal valid configuration: FigenSoft only. A fresh object on every call, so tests may mutate it. */
export function baseConfig(url?: string): RotaConfigInput {
  return {
    providers: [{ type: 'figensoft', settings: figensoftSettings(url) }],
    gateway: {
      apiKeys: [{ name: 'campaign-service', key: SECRETS.apiKey }],
      adminToken: SECRETS.adminToken,
    },
  };
}

/** Asserts by search that no secret appears in `text` (issues, log lines). */
export function secretsIn(text: string): string[] {
  return Object.values(SECRETS).filter((secret) => text.includes(secret));
}

export type LogCall = { level: keyof Logger; fields: Record<string, unknown>; message: string };

/** A Logger that keeps every call, for asserting what was (and was not) logged. */
export function recordingLogger(): Logger & { calls: LogCall[]; lines(): string[] } {
  const calls: LogCall[] = [];
  const record = (level: keyof Logger) => (fields: Record<string, unknown>, message: string) => void calls.push({ level, fields, message });
  return {
    calls,
    lines: () => calls.map((call) => JSON.stringify(call)),
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
}
