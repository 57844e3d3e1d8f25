import { z } from 'zod';
import { MessageViewSchema, ProviderStatusSchema } from './http-schemas.js';

/*
 * What the console's admin routes answer, for the OpenAPI document (the
 * handlers build these shapes; console-routes.ts checks them at compile time).
 */

const CountsSchema = z.object({ accepted: z.number().int(), failed: z.number().int(), rejected: z.number().int(), unknown: z.number().int() });
const DeliveriesSchema = z
  .object({ delivered: z.number().int(), final: z.number().int() })
  .meta({ description: 'Final delivery reports dated in the last hour (`deliveryWindowMinutes`): how many said delivered, of how many (undelivered, rejected, expired and a final unknown count against).' });
const DeliveryRateSchema = z.number().nullable().meta({ description: '`deliveries.delivered` ÷ `deliveries.final`; null when there was no final report in the window.' });
const StateCountsSchema = z.record(z.string(), z.number().int());

export const ConsoleProvidersSchema = z.object({
  sendsHere: z.boolean().meta({
    description:
      "Whether this gateway sends messages itself (an embedded store). false on PostgreSQL: the workers send, each with breakers of its own, so the breaker states and `recent` counts here are this gateway's, not the traffic's (read each worker's rota_breaker_state and attempt metrics); an operator's changes are stored and outlast reloads until their overrides are cleared.",
  }),
  windowMinutes: z.number().int().meta({ description: 'The window `recent` counts cover.' }),
  deliveryWindowMinutes: z.number().int().meta({ description: 'The window `deliveries` cover: reports come minutes to hours after a send, so a longer one.' }),
  providers: z.array(
    ProviderStatusSchema.extend({
      recent: CountsSchema.meta({ description: 'Recipients per attempt outcome over the window, all accounts.' }),
      deliveries: DeliveriesSchema,
      deliveryRate: DeliveryRateSchema,
      accounts: z.array(
        z.object({
          accountId: z.string(),
          breaker: z.enum(['closed', 'open', 'half-open']),
          override: z.enum(['open', 'closed', 'auto']),
          recent: CountsSchema,
          deliveries: DeliveriesSchema,
          deliveryRate: DeliveryRateSchema,
        }),
      ),
    }),
  ),
});

export const ConsoleTrafficSchema = z.object({
  bucketMs: z.number().int(),
  startMs: z.number().int().meta({ description: 'Start of the first bucket (epoch ms); the last bucket is the current, partial one.' }),
  buckets: z.number().int(),
  providers: z.array(
    z.object({
      providerId: z.string(),
      accepted: z.array(z.number()),
      failed: z.array(z.number()),
      rejected: z.array(z.number()),
      unknown: z.array(z.number()),
    }),
  ),
  queue: z.object({
    depth: z.object({ otp: z.number().int(), notification: z.number().int(), campaign: z.number().int() }),
    oldestQueuedAgeMs: z.number().int(),
  }),
  byState: StateCountsSchema,
});

export const ConsoleMessageSchema = MessageViewSchema.extend({
  to: z.string().meta({ description: 'Masked (`+90532*****67`) unless the operator asked to reveal it (`?reveal=true`, logged).' }),
});

export const ConsoleMessageListSchema = z.object({ items: z.array(ConsoleMessageSchema), nextCursor: z.string().optional() });

export const ConsoleBulkSchema = z.object({
  bulkId: z.string(),
  owner: z.string(),
  count: z.number().int(),
  iysType: z.string(),
  createdAt: z.string(),
  byState: StateCountsSchema,
  erased: z.number().int().meta({ description: "Records erased since (a number's erasure); `byState` and `erased` add up to `count`." }),
});

export const ConsoleBulkListSchema = z.object({ items: z.array(ConsoleBulkSchema), nextCursor: z.string().optional() });

export const ConsoleConfigSchema = z.object({
  file: z.string().nullable().meta({ description: 'The configuration file in force; null for a gateway built in code.' }),
  appliedAt: z.string().nullable(),
  changed: z.array(z.string()).meta({ description: 'Providers the last successful apply changed.' }),
  waitingForRestart: z
    .array(z.string())
    .meta({ description: 'Settings read at start (`gateway.listen`, `gateway.webhooks`, `store`, …) where the file differs from what runs: the file\'s take effect on restart.' }),
  lastRefused: z
    .object({ at: z.string(), source: z.string(), issues: z.array(z.object({ path: z.string(), reason: z.string() })) })
    .nullable()
    .meta({ description: 'The last reload that was refused (the running configuration stayed), with every reason.' }),
  providers: z.array(z.string()).meta({ description: 'Provider ids in force, in rank order.' }),
});
