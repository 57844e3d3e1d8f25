import { BreakerSettingsSchema, RankSchema, RetrySettingsSchema, UnknownOutcomeSettingsSchema } from '@rota/core';
import { z } from 'zod';
import { PostgresStoreConfigSchema } from '@rota/ledger';
import { IysTypeSchema, SenderIdSchema } from '@rota/provider';
import { allowedPrefixProblem } from '../http/callback-url.js';
import { PROVIDER_REGISTRY, PROVIDER_TYPES, type ProviderType } from './provider-registry.js';

/**
 * The operator's configuration file (YAML or JSON), after `${ENV_VAR}`
 * interpolation. Every object is strict: a misspelt key is an error naming it,
 * never a silently ignored setting. docs/configuration.md is the reference;
 * docs/config.schema.json is generated from this schema.
 */

const MiB = 1024 * 1024;

/**
 * Core's settings with every field optional and NO defaults: an override holds
 * only what the operator wrote, so a per-provider `breaker: { resetTimeoutMs }`
 * inherits the other fields from `routing.breaker` instead of core's defaults.
 * Each field is described for editors, with core's default read from core.
 */
function overrideOf<Shape extends z.core.$ZodLooseShape>(schema: z.ZodObject<Shape>, descriptions: { [K in keyof Shape]: string }) {
  const defaults = schema.parse({}) as Record<string, unknown>;
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([key, field]) => {
      const bare = (field instanceof z.ZodDefault ? field.unwrap() : field) as z.ZodType;
      return [key, bare.optional().describe(`${descriptions[key]} Default ${JSON.stringify(defaults[key])}.`)];
    }),
  ) as { [K in keyof Shape]: z.ZodOptional<Shape[K] extends z.ZodDefault<infer Inner> ? Inner : Shape[K]> };
  return z.strictObject(shape);
}

export const BreakerOverrideSchema = overrideOf(BreakerSettingsSchema, {
  volumeThreshold: 'Calls (within the rolling window) before the breaker may open.',
  errorThresholdPercentage: 'Share of failed calls in the window, in percent, that opens the breaker.',
  resetTimeoutMs: 'How long an open breaker waits before letting one probe call through.',
  rollingWindowMs: 'Length of the window failures are counted in.',
}).describe('Circuit breaker settings (one breaker per provider account); omitted fields fall back to routing.breaker, then to the built-in defaults.');

export const RetryOverrideSchema = overrideOf(RetrySettingsSchema, {
  retries: 'Retries after the first try of a retryable failure (2 means at most 3 tries).',
  minDelayMs: 'First backoff delay.',
  maxDelayMs: 'Longest backoff delay.',
  factor: 'Backoff growth factor.',
  deadlineMs: 'No retry starts after this much time since the first try.',
}).describe('Retry settings for retryable failures (nothing was sent); omitted fields fall back to routing.retry, then to the built-in defaults.');


/** Provider ids name metrics, admin routes and message records, so they share one shape. */
const ProviderIdSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be kebab-case (a-z, 0-9 and single dashes), e.g. "figensoft-backup"')
  .max(64, 'must be at most 64 characters');

/** Per-account throughput: the dispatcher keeps each account under its messages per second. */
const AccountLimitsSchema = z
  .record(
    z.string().min(1, 'must name an account id'),
    z.strictObject({
      maxPerSecond: z
        .number({ error: 'must be a number' })
        .int('must be a whole number')
        .min(1, 'must be at least 1')
        .max(100_000, 'must be at most 100000')
        .describe('Most messages a second sent through this account.'),
    }),
    { error: 'must map account ids to { maxPerSecond }' },
  )
  .describe('Throughput limits by account id (as the provider names its accounts, e.g. figensoft-campaign). A provider\'s 429 with Retry-After also slows its account.');

function providerEntrySchema<T extends ProviderType>(type: T) {
  const registration = PROVIDER_REGISTRY[type];
  return z.strictObject({
    type: z.literal(type),
    id: ProviderIdSchema.optional().describe(
      `The provider's id in routing, metrics, admin routes and message records. Default: the type ("${type}"); required to tell two entries of one type apart.`,
    ),
    enabled: z.boolean({ error: 'must be true or false' }).default(true).describe('A disabled provider is built but never offered a message.'),
    rank: RankSchema.default(registration.defaultRank).describe(`Lower ranks are tried first (default ${registration.defaultRank}).`),
    breaker: BreakerOverrideSchema.optional(),
    retry: RetryOverrideSchema.optional(),
    limits: AccountLimitsSchema.optional(),
    settings: registration.schema.describe(`The ${type} package's own configuration.`),
  });
}

type ProviderEntrySchemas = { [T in ProviderType]: ReturnType<typeof providerEntrySchema<T>> };
type AnyProviderEntrySchema = ProviderEntrySchemas[ProviderType];

const providerEntrySchemas = PROVIDER_TYPES.map((type) => providerEntrySchema(type)) as unknown as [
  AnyProviderEntrySchema,
  ...AnyProviderEntrySchema[],
];

export const ProviderEntrySchema = z.discriminatedUnion('type', providerEntrySchemas, {
  error: (issue) =>
    issue.code === 'invalid_union' ? `must be one of: ${PROVIDER_TYPES.join(', ')}` : undefined,
});

/** An entry's type and id, or undefined while the entry is too broken to tell. */
const typeOf = (entry: unknown): unknown => (entry !== null && typeof entry === 'object' ? (entry as { type?: unknown }).type : undefined);
const idOf = (entry: unknown): unknown => (entry !== null && typeof entry === 'object' ? (entry as { id?: unknown }).id : undefined);

const ProvidersSchema = z
  .array(ProviderEntrySchema, { error: 'must be a list of providers' })
  .min(1, 'must list at least one provider')
  // `when`: runs even when an entry failed, so a duplicate is reported with every other problem.
  .superRefine(
    (entries, ctx) => {
      if (!Array.isArray(entries)) return;
      const firstIndex = new Map<unknown, number>();
      entries.forEach((entry, index) => {
        const type = typeOf(entry);
        const id = idOf(entry) ?? type;
        if (typeof id !== 'string') return;
        const first = firstIndex.get(id);
        if (first === undefined) firstIndex.set(id, index);
        else {
          const where = idOf(entry) === undefined ? [index, 'type'] : [index, 'id'];
          ctx.addIssue({ code: 'custom', path: where, message: `the id "${id}" is already used at providers.${first}; give each entry of one type its own id` });
        }
      });
    },
    { when: () => true },
  );

const RoutingSchema = z
  .strictObject({
    retry: RetryOverrideSchema.optional(),
    breaker: BreakerOverrideSchema.optional(),
    unknownOutcome: UnknownOutcomeSettingsSchema.default('stop').describe(
      'What to do when a provider may have accepted a message (timeout after the request was written): "stop" (report unknown, never risk a duplicate) or "failover"; one policy, or one per IYS type.',
    ),
    attemptTimeoutMs: z
      .number()
      .int('must be a whole number of milliseconds')
      .min(100, 'must be at least 100')
      .max(300_000, 'must be at most 300000 (five minutes)')
      .optional()
      .describe('The one time limit of a provider call (send, status read, health check): past it the call is aborted; the provider\'s verdict on it stands (retryable if its request never left), and one that does not answer the abort counts as outcome-unknown. Default 30000.'),
    batchConcurrency: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(256, 'must be at most 256')
      .optional()
      .describe("Provider requests a batch keeps in flight, and each dispatch unit's share of the dispatcher's requests (concurrency × this in all). Default 4."),
  })
  .default({ unknownOutcome: 'stop' });

const PORT_ERROR = 'must be a port number from 0 to 65535 (a number, or a string of digits such as "${PORT:-8080}")';
const PortSchema = z.union(
  [
    z.number().int(PORT_ERROR).min(0, PORT_ERROR).max(65_535, PORT_ERROR),
    z
      .string()
      .regex(/^\d{1,5}$/, PORT_ERROR)
      .transform(Number)
      .pipe(z.number().max(65_535, PORT_ERROR)),
  ],
  { error: PORT_ERROR },
);

/** Secrets: the messages say what is wrong, never what was written. */
const secret = (what: string, minLength = 16) =>
  z
    .string({ error: `must be a string (the ${what})` })
    .min(minLength, `must be at least ${minLength} characters`)
    .max(512, 'must be at most 512 characters')
    .regex(/^\S+$/, 'must not contain whitespace');

/** A webhook receiver URL as written in the file: checked for its form here, for its address at each delivery. */
const ReceiverUrlSchema = z.string({ error: 'must be a URL' }).max(2_048, 'must be at most 2048 characters (as a message\'s callbackUrl)').superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return void ctx.addIssue({ code: 'custom', message: 'must be an absolute URL' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') ctx.addIssue({ code: 'custom', message: 'must be an https URL' });
  if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not contain credentials' });
});

/** An entry of `allowedUrls`: a receiver URL that is also a prefix some callback could match, and no wider than it reads. */
const AllowedUrlSchema = ReceiverUrlSchema.superRefine((value, ctx) => {
  if (!URL.canParse(value)) return;
  const problem = allowedPrefixProblem(new URL(value));
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const ClientWebhookSchema = z
  .strictObject({
    url: ReceiverUrlSchema.optional().describe("Where this client's webhooks go by default (https; plain http only with gateway.webhooks.allowHttp)."),
    secret: secret('webhook signing secret', 32)
      .describe('Signs every webhook to this client (Rota-Signature, HMAC-SHA256); use ${ENV_VAR}. At least 32 characters.'),
    previousSecret: secret('previous webhook signing secret', 32)
      .optional()
      .describe(
        'While the secret is rotated: the old one. Each webhook is then signed with both (two v1 entries), so a receiver checking either one takes it. Remove it once the receiver has the new secret. At least 32 characters.',
      ),
    allowedUrls: z
      .array(AllowedUrlSchema, { error: 'must be a list of URLs' })
      .default([])
      .describe('URL prefixes a message may name as its own callbackUrl; any other is refused.'),
  })
  .superRefine(
    (webhook, ctx) => {
      // The same value twice is a rotation half done: the new secret was never written, and the receiver's is not rotated.
      // Asked even when the block has other issues (a bad url), so that one reading names them all.
      const { secret, previousSecret } = (webhook ?? {}) as { secret?: unknown; previousSecret?: unknown };
      if (typeof previousSecret === 'string' && previousSecret === secret) {
        ctx.addIssue({ code: 'custom', path: ['previousSecret'], message: 'is the same as secret; while rotating, secret is the new one and previousSecret the old' });
      }
    },
    { when: () => true },
  )
  .describe("The client's webhooks: a default receiver, the secret they are signed with, and the receivers a message may name.");

/**
 * What one client may send. A tenant's key that leaks, or a service that errs, then cannot send
 * under another brand's sender, send CAMPAIGN from a key meant for receipts, or jump the queue as
 * an OTP. Checked when a send, batch or bulk is submitted, against the configuration in force.
 */
const SendingRightsSchema = z
  .strictObject({
    senders: z
      .array(SenderIdSchema, { error: 'must be a list of sender IDs' })
      .min(1, 'must list at least one sender ID (leave `allowed.senders` out to allow any)')
      .optional()
      .describe("The sender IDs (başlık) this client may send with, as written; each message must then name one. Unset: any sender, and a message without one gets the provider account's own."),
    iysTypes: z
      .array(IysTypeSchema, { error: 'must be a list of IYS types' })
      .min(1, 'must list at least one IYS type (leave `allowed.iysTypes` out to allow both)')
      .optional()
      .describe('The IYS types this client may send (NOTIFICATION, CAMPAIGN). Unset: both.'),
    otp: z.boolean({ error: 'must be true or false' }).default(true).describe("Whether this client may mark messages `otp` (the queue's top priority). Default true."),
  })
  .describe('What this client may send (checked when a message is submitted; a refusal names the field). Unset: anything.');

/** The names the admin token's and the metrics token's callers go by, in logs, audit lines and per-client limits. */
export const ADMIN_CLIENT = 'admin';
export const METRICS_CLIENT = 'metrics';
const RESERVED_CLIENT_NAMES: readonly string[] = [ADMIN_CLIENT, METRICS_CLIENT];

const ApiKeySchema = z.strictObject({
  webhook: ClientWebhookSchema.optional(),
  allowed: SendingRightsSchema.optional(),
  name: z
    .string({ error: 'must be a string' })
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1–64 characters: letters, digits, dot, underscore or hyphen')
    // The admin and metrics tokens go by these names in logs, audit lines and per-client limits: a client so named (in any
    // case: `Admin` reads as `admin` to whoever reads an audit line) would pass for them.
    .refine((name) => !RESERVED_CLIENT_NAMES.includes(name.toLowerCase()), { message: 'is the name the admin and metrics tokens go by (admin, metrics, in any case); choose another' })
    .describe('Names the key in logs and metrics (the key itself never appears). Not admin or metrics.'),
  key: secret('API key').describe('The bearer token a client sends: Authorization: Bearer <key>. At least 16 characters.'),
  previousKey: secret('previous API key')
    .optional()
    .describe(
      'While a key is rotated: the old key, still taken as this client (its records, idempotency keys and webhooks stay its own). Remove it once the client uses `key`. At least 16 characters.',
    ),
});

const GatewaySchema = z
  .strictObject({
    listen: z
      .strictObject({
        host: z.string({ error: 'must be a host name or address' }).min(1, 'must not be empty').default('127.0.0.1').describe('Address to bind. Default 127.0.0.1 (loopback only).'),
        port: PortSchema.default(8080).describe('TCP port; 0 picks a free one. Default 8080. May be a string of digits, e.g. "${PORT:-8080}".'),
      })
      .default({ host: '127.0.0.1', port: 8080 })
      .describe('Where the HTTP server listens (default 127.0.0.1:8080). Changes take effect on restart, not on reload.'),
    apiKeys: z
      .array(ApiKeySchema, { error: 'must be a list of { name, key }' })
      .min(1, 'must list at least one API key')
      .describe('Keys that may send messages and read status.'),
    adminToken: secret('admin token').describe('Bearer token for the admin operations (change a provider, force a breaker). At least 16 characters.'),
    metricsToken: secret('metrics token')
      .optional()
      .describe('Bearer token a scraper presents for /metrics, which then refuses requests without it or the admin token; it reads nothing else. Unset: /metrics is open (keep it off public networks). At least 16 characters.'),
    bodyLimitBytes: z
      .number()
      .int('must be a whole number of bytes')
      .min(1_024, 'must be at least 1024')
      .max(100 * MiB, 'must be at most 104857600 (100 MiB)')
      .default(5 * MiB)
      .describe('Largest request body accepted; a larger one gets 413. Default 5 MiB.'),
    webhooks: z
      .strictObject({
        allowHttp: z.boolean({ error: 'must be true or false' }).default(false).describe('Allow plain-http receivers (development only). Default false.'),
        allowedAddresses: z
          .array(z.string({ error: 'must be an IP address' }), { error: 'must be a list of IP addresses' })
          .default([])
          .describe('Private, loopback or link-local addresses a receiver may resolve to (your own network); every other such address is refused.'),
        timeoutMs: z.number().int('must be a whole number of milliseconds').min(100, 'must be at least 100').max(60_000, 'must be at most 60000').default(5_000).describe('Longest one delivery may take. Default 5000.'),
        concurrency: z.number().int('must be a whole number').min(1, 'must be at least 1').max(256, 'must be at most 256').default(16).describe('Deliveries in flight at once. Default 16.'),
        perEndpoint: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be at least 1')
          .max(256, 'must be at most 256')
          .default(4)
          .describe('Deliveries in flight at once to one receiver: a client\'s, at one origin (scheme, host and port; its paths share them, and two clients on one host have their own), so a slow receiver cannot take every slot. Default 4.'),
      })
      .default({ allowHttp: false, allowedAddresses: [], timeoutMs: 5_000, concurrency: 16, perEndpoint: 4 })
      .describe('How webhooks are delivered: only to public https receivers unless allowed here. Read at start.'),
    timeouts: z
      .strictObject({
        requestMs: z
          .number()
          .int('must be a whole number of milliseconds')
          .min(1_000, 'must be at least 1000')
          .max(600_000, 'must be at most 600000 (ten minutes)')
          .default(30_000)
          .describe('Longest time a client may take to send a whole request, headers and body; past it the connection gets 408 and is closed. Default 30000.'),
        headersMs: z
          .number()
          .int('must be a whole number of milliseconds')
          .min(1_000, 'must be at least 1000')
          .max(600_000, 'must be at most 600000 (ten minutes)')
          .default(10_000)
          .describe('Longest time a client may take to send the request headers; at most requestMs. Default 10000.'),
        keepAliveMs: z
          .number()
          .int('must be a whole number of milliseconds')
          .min(0, 'must not be negative')
          .max(600_000, 'must be at most 600000 (ten minutes)')
          .default(5_000)
          .describe('How long an idle keep-alive connection stays open. Default 5000.'),
        shutdownMs: z
          .number()
          .int('must be a whole number of milliseconds')
          .min(0, 'must not be negative')
          .max(600_000, 'must be at most 600000 (ten minutes)')
          .default(15_000)
          .describe('On SIGTERM: longest wait for requests in flight to finish; past it no provider try starts, and requests get a grace as long again (at most 5 s) to answer with what their sends came to before their connections are closed. Default 15000.'),
      })
      .refine((t) => t.headersMs <= t.requestMs, { path: ['headersMs'], message: 'must be at most requestMs' })
      .default({ requestMs: 30_000, headersMs: 10_000, keepAliveMs: 5_000, shutdownMs: 15_000 })
      .describe('Time limits of the HTTP server, so a slow or stuck client cannot hold a connection (or a shutdown) open. Read at start.'),
    maxBulkRecipients: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(100_000, 'must be at most 100000')
      .default(100_000)
      .describe('Most recipients one POST /v1/bulk may name. Default 100000.'),
    maxBatchSize: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(10_000, 'must be at most 10000')
      .default(10_000)
      .describe('Most messages one batch request may carry. Default 10000.'),
    maxScheduleDays: z
      .number()
      .int('must be a whole number of days')
      .min(1, 'must be at least 1')
      .max(3_650, 'must be at most 3650')
      .default(365)
      .describe('Furthest ahead a sendAt may be, in days: a later one is refused (400, naming sendAt), so that a year typed wrong is not held in the queue for decades. Default 365.'),
  })
  .superRefine(
    (gateway, ctx) => {
      const keys = Array.isArray(gateway?.apiKeys) ? (gateway.apiKeys as unknown[]) : [];
      const names = new Map<string, number>();
      // Each key's place, as the issues name it (`apiKeys.0.key`, `apiKeys.1.previousKey`).
      const secrets = new Map<string, string>();
      const allowHttp = (gateway as { webhooks?: { allowHttp?: unknown } } | undefined)?.webhooks?.allowHttp === true;
      if (!allowHttp) for (const { path, reason } of plainHttpReceivers(keys, 'gateway.webhooks.allowHttp: true')) ctx.addIssue({ code: 'custom', path, message: reason });
      keys.forEach((entry, index) => {
        const { name, key, previousKey } = (entry ?? {}) as { name?: unknown; key?: unknown; previousKey?: unknown };
        if (typeof name === 'string') {
          // Told apart in any case: `acme` and `ACME` would be two clients that logs, metrics and people read as one.
          const first = names.get(name.toLowerCase());
          if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['apiKeys', index, 'name'], message: `repeats the name of apiKeys.${first} (names are told apart in any case); names must be distinct` });
          else names.set(name.toLowerCase(), index);
        }
        // A previous key is a key too: it must not stand for another client, nor be the admin or metrics token.
        for (const [field, value] of [['key', key], ['previousKey', previousKey]] as const) {
          if (typeof value !== 'string') continue;
          const first = secrets.get(value);
          if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['apiKeys', index, field], message: `is the same key as ${first}; keys must be distinct` });
          else secrets.set(value, `apiKeys.${index}.${field}`);
        }
      });
      const adminToken = (gateway as { adminToken?: unknown } | undefined)?.adminToken;
      if (typeof adminToken === 'string' && secrets.has(adminToken)) {
        ctx.addIssue({
          code: 'custom',
          path: ['adminToken'],
          message: `must differ from every API key (it equals ${secrets.get(adminToken)}): a send key must never be an admin token`,
        });
      }
      const metricsToken = (gateway as { metricsToken?: unknown } | undefined)?.metricsToken;
      if (typeof metricsToken === 'string' && (secrets.has(metricsToken) || metricsToken === adminToken)) {
        const equals = secrets.get(metricsToken) ?? 'adminToken';
        ctx.addIssue({ code: 'custom', path: ['metricsToken'], message: `must differ from every API key and the admin token (it equals ${equals}): a scraper's token must read metrics only` });
      }
    },
    { when: () => true },
  );

/**
 * The plain-http receivers of `apiKeys` (default URLs and allowed callback URLs), each with its
 * path under `gateway`, refused because `needs` is not in force: every delivery to one would be
 * refused ("must use https"), and the client's events all given up.
 */
export function plainHttpReceivers(apiKeys: readonly unknown[], needs: string): { path: (string | number)[]; reason: string }[] {
  const reason = `must be an https URL: plain http needs ${needs} (development only), or every delivery to it is refused`;
  const plain = (url: unknown) => typeof url === 'string' && url.toLowerCase().startsWith('http:');
  return apiKeys.flatMap((entry, index) => {
    const webhook = (entry as { webhook?: { url?: unknown; allowedUrls?: unknown } } | null)?.webhook;
    const allowed = Array.isArray(webhook?.allowedUrls) ? (webhook.allowedUrls as unknown[]) : [];
    return [
      ...(plain(webhook?.url) ? [{ path: ['apiKeys', index, 'webhook', 'url'], reason }] : []),
      ...allowed.flatMap((url, at) => (plain(url) ? [{ path: ['apiKeys', index, 'webhook', 'allowedUrls', at], reason }] : [])),
    ];
  });
}

const HOURS = 3_600_000;
const DEFAULT_IDEMPOTENCY_HOURS = 48;

const StoreSchema = z
  .discriminatedUnion(
    'kind',
    [
      z.strictObject({
        kind: z.literal('sqlite'),
        path: z
          .string({ error: 'must be a file path' })
          .min(1, 'must not be empty')
          .default('data/rota.db')
          .describe('The SQLite file; a relative path is read from the configuration file\'s folder. Its folder is created on first start. Default data/rota.db.'),
        synchronous: z
          .enum(['normal', 'full'], { error: 'must be normal or full' })
          .default('normal')
          .describe('normal: a committed record survives a crash of the process (kill -9); full: also a power loss, at the cost of an fsync per commit. Default normal.'),
        hashKey: z
          .string({ error: 'must be a string' })
          .min(32, 'must be at least 32 characters')
          .optional()
          .describe('Key of the hashes kept instead of OTP texts, message fingerprints and the idempotency keys of erased messages (use ${ENV_VAR}); base64url:<key> gives it as bytes. Default: a random key generated into hash.key beside the database on first start. Changing it orphans those hashes: see docs/privacy.md.'),
      }),
      z.strictObject({
        kind: z.literal('memory'),
      }),
      PostgresStoreConfigSchema.extend({
        hashKey: z
          .string({ error: 'must be a string of at least 32 characters (use ${ENV_VAR}): every gateway and worker on the database must share it' })
          .min(32, 'must be at least 32 characters')
          .describe(
            'Key of the hashes kept instead of OTP texts, message fingerprints and the idempotency keys of erased messages, and of the sealed OTP texts in queue jobs (use ${ENV_VAR}). Required: every gateway and worker on the database must have the same one. base64url:<key> gives the key as bytes: the contents of an embedded store\'s hash.key, to keep its hashes when it moves here.',
          ),
      }),
    ],
    { error: 'must be { kind: sqlite, path? }, { kind: postgres, url, hashKey } or { kind: memory } (tests and benchmarks only): a store block names its kind (leave the block out for SQLite at data/rota.db)' },
  )
  .default({ kind: 'sqlite', path: 'data/rota.db', synchronous: 'normal' })
  .describe(
    'Where message records are kept. Default: SQLite at data/rota.db beside the configuration file (one process does everything). postgres: many gateways and `rota worker` processes on one database (docs/deployment.md). memory keeps nothing across a restart: for tests and benchmarks only. Read at start.',
  );

const RetentionSchema = z
  .strictObject({
    messagesDays: z.number().int('must be a whole number of days').min(1, 'must be at least 1').max(3_650, 'must be at most 3650').default(30).describe('Records are deleted this many days after they were created, or after their sendAt if later (KVKK). Default 30.'),
    idempotencyHours: z
      .number()
      .int('must be a whole number of hours')
      .min(1, 'must be at least 1')
      .max(8_760, 'must be at most 8760')
      .optional()
      .describe('An idempotency key is released this many hours after its message was created (or after its sendAt, if later), at most messagesDays × 24. Default 48 (or messagesDays × 24 if less).'),
  })
  // The key goes with its record: kept longer than the records, it would be released early, and a retry sent again.
  .refine((retention) => retention.idempotencyHours === undefined || retention.idempotencyHours <= retention.messagesDays * 24, {
    path: ['idempotencyHours'],
    error: 'must be at most messagesDays × 24: a key goes with its record, so a longer window would let a retry send the message again once the record is deleted',
  })
  .default({ messagesDays: 30 })
  .describe('How long message records and idempotency keys are kept.');

const ReportsSchema = z
  .strictObject({
    scheduleSeconds: z
      .array(z.number().int('must be a whole number of seconds').min(1, 'must be at least 1').max(86_400, 'must be at most 86400'), { error: 'must be a list of seconds' })
      .min(1, 'must hold at least one delay')
      .default([15, 60, 300, 1_800, 7_200, 21_600])
      .describe("Delays between reads of an accepted message's status, the last repeating. Default 15 s, 1 min, 5 min, 30 min, 2 h, 6 h."),
    ttlHours: z.number().int('must be a whole number of hours').min(1, 'must be at least 1').max(720, 'must be at most 720').default(72).describe('A message without a final report after this long is expired. Default 72.'),
    readsPerSecond: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1_000, 'must be at most 1000').default(5).describe('Status requests a second per provider account. Default 5.'),
  })
  .default({ scheduleSeconds: [15, 60, 300, 1_800, 7_200, 21_600], ttlHours: 72, readsPerSecond: 5 })
  .describe('Delivery reports: how accepted messages are followed to their delivery (batched status reads; pushes go to POST /v1/providers/{id}/reports).');

const DispatchSchema = z
  .strictObject({
    concurrency: z.number().int('must be a whole number').min(2, 'must be at least 2 (one unit is kept for OTPs)').max(256, 'must be at most 256').default(4).describe('Dispatch units running at once; one is kept for OTPs. Each unit has routing.batchConcurrency provider requests out (its share), and a busy unit borrows the shares of idle slots (never the OTP slot\'s) within concurrency × routing.batchConcurrency in all. Default 4.'),
    shutdownMs: z.number().int('must be a whole number of milliseconds').min(0, 'must not be negative').max(600_000, 'must be at most 600000').default(10_000).describe('On shutdown: longest wait for dispatches in flight; queued records stay for the next start. Default 10000.'),
    unitTimeoutSeconds: z
      .number()
      .int('must be a whole number of seconds')
      .min(5, 'must be at least 5')
      .max(86_400, 'must be at most 86400')
      .default(300)
      .describe(
        'PostgreSQL store: how long a worker may go without renewing a unit it holds before another worker takes it over (its holder is taken for dead; records it had handed to a provider become unknown, the others are sent). A live worker renews its units every third of this, however long they take. Default 300.',
      ),
    holdWithoutRouteMinutes: z
      .number()
      .int('must be a whole number of minutes')
      .min(0, 'must not be negative')
      .max(1_440, 'must be at most 1440 (a day)')
      .default(60)
      .describe(
        'How long a queued message is held while no route is open to it (an account that could carry it behind an open breaker, or a provider that could carry it switched off, and every other provider refusing it; or every provider switched off), counted from its first hold (heldSince): it stays queued, tried again after a tenth of the time it has been held (1 s to 60 s) and at once when a breaker half-opens or closes or a provider is switched on, and fails only when this passes (or its validUntil). An OTP is held 5 minutes at most. 0: it fails at once. A message a caller waits for is answered at once. Default 60.',
      ),
  })
  .default({ concurrency: 4, shutdownMs: 10_000, unitTimeoutSeconds: 300, holdWithoutRouteMinutes: 60 })
  .describe('The dispatcher that sends queued messages: OTP first, then NOTIFICATION, then CAMPAIGN.');

export const retentionMs = (retention: z.output<typeof RetentionSchema>) => ({
  messagesMs: retention.messagesDays * 24 * HOURS,
  // Unwritten: 48 h, but never past the records it goes with (messagesDays: 1 keeps keys a day).
  idempotencyMs: (retention.idempotencyHours ?? Math.min(DEFAULT_IDEMPOTENCY_HOURS, retention.messagesDays * 24)) * HOURS,
});

const LoggingSchema = z
  .strictObject({
    level: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace'], { error: 'must be one of fatal, error, warn, info, debug, trace' })
      .default('info')
      .describe('Least severe level written. Default info.'),
  })
  .default({ level: 'info' })
  .describe('Logs are pino JSON lines on stdout; secrets are never logged.');

export const RotaConfigSchema = z.strictObject({
  /** Lets a JSON file point editors at docs/config.schema.json; ignored otherwise. */
  $schema: z.string().optional().describe('Path or URL of this JSON Schema, for editors. Ignored by Rota.'),
  providers: ProvidersSchema.describe('The SMS providers, each with its own id (default: its type). Lower rank is tried first.'),
  routing: RoutingSchema.describe('Routing defaults: retries, breakers, the unknown-outcome policy.'),
  gateway: GatewaySchema.describe('The HTTP gateway: listen address, API keys, admin token, limits.'),
  store: StoreSchema,
  retention: RetentionSchema,
  dispatch: DispatchSchema,
  reports: ReportsSchema,
  logging: LoggingSchema,
});

export type RotaConfig = z.output<typeof RotaConfigSchema>;
export type RotaConfigInput = z.input<typeof RotaConfigSchema>;
export type ProviderEntry = RotaConfig['providers'][number];

/** An entry's id: the one it names, or its type. */
export function providerIdOf(entry: Pick<ProviderEntry, 'type' | 'id'>): string {
  return entry.id ?? entry.type;
}
export type BreakerOverride = z.output<typeof BreakerOverrideSchema>;
export type RetryOverride = z.output<typeof RetryOverrideSchema>;
export type LogLevel = RotaConfig['logging']['level'];
export type ServerTimeouts = RotaConfig['gateway']['timeouts'];
export type StoreSettings = RotaConfig['store'];
