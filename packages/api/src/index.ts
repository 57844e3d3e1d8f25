import type { z } from 'zod';
import type { ConsoleBulkSchema, ConsoleConfigSchema, ConsoleMessageSchema, ConsoleProvidersSchema, ConsoleTrafficSchema } from './console-schemas.js';
import type { ReadinessResponseSchema } from './http-schemas.js';

export * from './http-schemas.js';
export * from './console-schemas.js';

/* What the console reads, as the schemas say (it imports these types only: no zod in the page). */
export type ConsoleProviders = z.infer<typeof ConsoleProvidersSchema>;
export type ConsoleProvider = ConsoleProviders['providers'][number];
export type ConsoleAccount = ConsoleProvider['accounts'][number];
export type Counts = ConsoleProvider['recent'];
export type Deliveries = ConsoleProvider['deliveries'];
export type ConsoleTraffic = z.infer<typeof ConsoleTrafficSchema>;
export type ConsoleMessage = z.infer<typeof ConsoleMessageSchema>;
export type ConsoleBulk = z.infer<typeof ConsoleBulkSchema>;
export type ConsoleConfig = z.infer<typeof ConsoleConfigSchema>;
export type Readiness = z.infer<typeof ReadinessResponseSchema>;
