import { DEFAULT_RANK as FIGENSOFT_RANK, FigenSoftConfigSchema } from '@rota/figensoft';
import { figensoftModule } from '@rota/figensoft/di';
import { DEFAULT_RANK as INFOBIP_RANK, InfobipConfigSchema } from '@rota/infobip';
import { infobipModule } from '@rota/infobip/di';
import { DEFAULT_RANK as MESSAGE_CENTER_RANK, MessageCenterConfigSchema } from '@rota/message-center';
import { messageCenterModule } from '@rota/message-center/di';
import { DEFAULT_RANK as MOBILDEV_RANK, MobildevConfigSchema } from '@rota/mobildev';
import { mobildevModule } from '@rota/mobildev/di';
import { DEFAULT_RANK as TWILIO_RANK, TwilioConfigSchema } from '@rota/twilio';
import { twilioModule } from '@rota/twilio/di';
import type { ContainerModule } from 'inversify';
import type { z } from 'zod';

/**
 * THE one place the gateway knows provider packages: a provider `type` in the
 * configuration file maps to the package's own settings schema, its default
 * rank, and its DI module — the one way the gateway builds a provider, at
 * start and at every reload (see provider-scope.ts). Adding a provider is one
 * row here (see docs/adding-a-provider.md); the configuration schema, the JSON
 * Schema and the runtime are all derived from this table.
 */
export interface ProviderRegistration<S extends z.ZodType> {
  /** The package's configuration schema: what goes under `settings`. */
  schema: S;
  /** Where the provider sits when the file gives no `rank` (lower is tried first). */
  defaultRank: number;
  /** The package's DI module, building the provider with the entry's id from settings `schema` validated. */
  module(settings: z.output<S>, placement: { id: string }): ContainerModule;
}

const register = <S extends z.ZodType>(registration: ProviderRegistration<S>): ProviderRegistration<S> => registration;

export const PROVIDER_REGISTRY = {
  'message-center': register({ schema: MessageCenterConfigSchema, defaultRank: MESSAGE_CENTER_RANK, module: messageCenterModule }),
  mobildev: register({ schema: MobildevConfigSchema, defaultRank: MOBILDEV_RANK, module: mobildevModule }),
  figensoft: register({ schema: FigenSoftConfigSchema, defaultRank: FIGENSOFT_RANK, module: figensoftModule }),
  infobip: register({ schema: InfobipConfigSchema, defaultRank: INFOBIP_RANK, module: infobipModule }),
  twilio: register({ schema: TwilioConfigSchema, defaultRank: TWILIO_RANK, module: twilioModule }),
} as const;

export type ProviderType = keyof typeof PROVIDER_REGISTRY;

/** Every provider type, in default-rank order (the order the docs and the JSON Schema list them). */
export const PROVIDER_TYPES = (Object.keys(PROVIDER_REGISTRY) as ProviderType[]).sort(
  (a, b) => PROVIDER_REGISTRY[a].defaultRank - PROVIDER_REGISTRY[b].defaultRank,
);
