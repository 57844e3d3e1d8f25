import type { Logger, Provider } from '@rota/provider';
import { createFigenSoftProvider, DEFAULT_RANK as FIGENSOFT_RANK, FigenSoftConfigSchema } from '@rota/figensoft';
import { figensoftModule } from '@rota/figensoft/di';
import { createInfobipProvider, DEFAULT_RANK as INFOBIP_RANK, InfobipConfigSchema } from '@rota/infobip';
import { infobipModule } from '@rota/infobip/di';
import { createMessageCenterProvider, DEFAULT_RANK as MESSAGE_CENTER_RANK, MessageCenterConfigSchema } from '@rota/message-center';
import { messageCenterModule } from '@rota/message-center/di';
import { createMobildevProvider, DEFAULT_RANK as MOBILDEV_RANK, MobildevConfigSchema } from '@rota/mobildev';
import { mobildevModule } from '@rota/mobildev/di';
import { createTwilioProvider, DEFAULT_RANK as TWILIO_RANK, TwilioConfigSchema } from '@rota/twilio';
import { twilioModule } from '@rota/twilio/di';
import type { ContainerModule } from 'inversify';
import type { z } from 'zod';

/**
 * THE one place the gateway knows provider packages: a provider `type` in the
 * configuration file maps to the package's own settings schema, its default
 * rank, and its factory. Adding a provider is one row here (see
 * docs/adding-a-provider.md); the configuration schema, the JSON Schema and the
 * runtime are all derived from this table.
 */

export interface ProviderFactoryOptions {
  logger: Logger;
}

export interface ProviderRegistration<S extends z.ZodType> {
  /** The package's configuration schema: what goes under `settings`. */
  schema: S;
  /** Where the provider sits when the file gives no `rank` (lower is tried first). */
  defaultRank: number;
  /** Builds a provider from settings already validated by `schema` (used when a reload replaces one). */
  create(settings: z.output<S>, options: ProviderFactoryOptions): Provider;
  /** The package's DI module: how the gateway's container is composed at start. */
  module(settings: z.output<S>, placement: { rank: number; enabled: boolean }): ContainerModule;
}

const register = <S extends z.ZodType>(registration: ProviderRegistration<S>): ProviderRegistration<S> => registration;

export const PROVIDER_REGISTRY = {
  'message-center': register({
    schema: MessageCenterConfigSchema,
    defaultRank: MESSAGE_CENTER_RANK,
    create: (settings, { logger }) => createMessageCenterProvider(settings, { logger }),
    module: (settings, placement) => messageCenterModule(settings, placement),
  }),
  mobildev: register({
    schema: MobildevConfigSchema,
    defaultRank: MOBILDEV_RANK,
    create: (settings, { logger }) => createMobildevProvider(settings, { logger }),
    module: (settings, placement) => mobildevModule(settings, placement),
  }),
  figensoft: register({
    schema: FigenSoftConfigSchema,
    defaultRank: FIGENSOFT_RANK,
    create: (settings, { logger }) => createFigenSoftProvider(settings, { logger }),
    module: (settings, placement) => figensoftModule(settings, placement),
  }),
  infobip: register({
    schema: InfobipConfigSchema,
    defaultRank: INFOBIP_RANK,
    create: (settings, { logger }) => createInfobipProvider(settings, { logger }),
    module: (settings, placement) => infobipModule(settings, placement),
  }),
  twilio: register({
    schema: TwilioConfigSchema,
    defaultRank: TWILIO_RANK,
    create: (settings, { logger }) => createTwilioProvider(settings, { logger }),
    module: (settings, placement) => twilioModule(settings, placement),
  }),
} as const;

export type ProviderType = keyof typeof PROVIDER_REGISTRY;
export type ProviderSettings<T extends ProviderType> = z.output<(typeof PROVIDER_REGISTRY)[T]['schema']>;

/** Every provider type, in default-rank order (the order the docs and the JSON Schema list them). */
export const PROVIDER_TYPES = (Object.keys(PROVIDER_REGISTRY) as ProviderType[]).sort(
  (a, b) => PROVIDER_REGISTRY[a].defaultRank - PROVIDER_REGISTRY[b].defaultRank,
);

/** Builds one provider from its validated settings. */
export function createProvider<T extends ProviderType>(type: T, settings: ProviderSettings<T>, options: ProviderFactoryOptions): Provider {
  const registration = PROVIDER_REGISTRY[type] as unknown as ProviderRegistration<z.ZodType>;
  return registration.create(settings, options);
}
