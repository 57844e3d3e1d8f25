// The public surface of @rota/figensoft-sandbox: FigenSoft's wire (the first),
// and Message Center's, Infobip's, Twilio's and Mobildev's, in one server.
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
export {
  FaultSchema,
  ScopedFaultSchema,
  SandboxEndpointSchema,
  WIRE_ENDPOINTS,
  type Fault,
  type FaultInput,
  type ActiveFault,
  type SandboxEndpoint,
} from './sandbox-faults.js';
export { startSandbox, API_BASE_PATH, type Sandbox, type SandboxAccountView, type SandboxUrls } from './sandbox-server.js';
export type { SandboxRecord } from './sandbox-message-store.js';
export { RESPONSE_CODES, DELIVERY_STATUSES, MAX_RECIPIENTS_PER_REQUEST } from './sandbox-codes.js';
export { DEFAULT_SANDBOX_ACCOUNTS, DEFAULT_SANDBOX_CONSENT, DEFAULT_SANDBOX_WIRES, figensoftSettingsFor } from './default-accounts.js';
export { WireNameSchema, type WireName, type WireRecord, type WireAccountView } from './wires/wire-kit.js';
export { MessageCenterWireSchema, MESSAGE_CENTER_CODES, MESSAGE_CENTER_STATUSES, type MessageCenterAccountInput, type MessageCenterWireInput } from './wires/message-center-wire.js';
export { InfobipWireSchema, INFOBIP_STATUSES, type InfobipAccountInput, type InfobipWireInput } from './wires/infobip-wire.js';
export { TwilioWireSchema, TWILIO_ERRORS, twilioSignature, type TwilioAccountInput, type TwilioWireInput } from './wires/twilio-wire.js';
export { MobildevWireSchema, MOBILDEV_CODES, MOBILDEV_REPORT_STATUSES, type MobildevAccountInput, type MobildevWireInput } from './wires/mobildev-wire.js';
