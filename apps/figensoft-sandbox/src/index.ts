// The public surface of @rota/figensoft-sandbox.
export {
  SandboxAccountSchema,
  SandboxOptionsSchema,
  SandboxConsentSchema,
  type SandboxAccount,
  type SandboxAccountInput,
  type SandboxOptions,
  type SandboxOptionsInput,
  type SandboxConsent,
  type SandboxConsentUpdate,
} from './sandbox-options.js';
export { FaultSchema, SandboxEndpointSchema, type Fault, type FaultInput, type ActiveFault, type SandboxEndpoint } from './sandbox-faults.js';
export { startSandbox, API_BASE_PATH, type Sandbox, type SandboxAccountView } from './sandbox-server.js';
export type { SandboxRecord } from './sandbox-message-store.js';
export { RESPONSE_CODES, DELIVERY_STATUSES, MAX_RECIPIENTS_PER_REQUEST } from './sandbox-codes.js';
export { DEFAULT_SANDBOX_ACCOUNTS, DEFAULT_SANDBOX_CONSENT } from './default-accounts.js';
