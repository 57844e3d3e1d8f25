// FigenSoft's response and delivery codes as the sandbox uses them. Codes marked
// "sandbox guess" are not documented anywhere: the real meaning of the code is
// unknown (or the real service reports the problem another way), so each is one
// constant here, easy to change when the truth is known. See README.md.

/** The body's `StatusCode`. */
export const RESPONSE_CODES = {
  success: { code: 200, description: 'Success' },
  badLogin: { code: 500, description: 'Invalid username or password' },
  receiversEmpty: { code: 1060, description: 'Receivers is empty' },
  tooManyReceivers: { code: 1070, description: 'More than 800 receivers in one request' },
  messagesEmpty: { code: 1090, description: 'Messages is empty or has an entry without a message' },
  badSendDate: { code: 1063, description: 'SendDate must be written as yyyyMMdd HH:mm' },
  badExpireDate: { code: 1064, description: 'ExpireDate must be written as yyyyMMdd HH:mm' },
  /** Sandbox guess: the real meaning of 1050 is unknown. */
  messageEmpty: { code: 1050, description: 'Message is empty' },
  /** Sandbox guess: the real service reports originator problems per message as -262/-441 delivery statuses. */
  badOriginator: { code: 1040, description: 'Originator is not assigned to this account' },
  /** Sandbox guess: the real meaning of 1030 is unknown. */
  insufficientCredit: { code: 1030, description: 'Insufficient credit for the whole request' },
  /** Sandbox guess: 400 is listed by FigenSoft with an unknown meaning. */
  messageIdsMissing: { code: 400, description: 'MessageIds must be a list of message ids' },
} as const;
export type ResponseCode = (typeof RESPONSE_CODES)[keyof typeof RESPONSE_CODES];

/** The delivery statuses the sandbox produces (`SmsStatus`), with whether each is final. */
export const DELIVERY_STATUSES = {
  waitingForSendTime: { code: '120', description: 'Waiting for the send time', final: false },
  beingSent: { code: '200', description: 'Being sent', final: false },
  atOperator: { code: '300', description: 'Handed to the operator', final: false },
  delivered: { code: '400', description: 'Delivered', final: true },
  notOnIysApprovedList: { code: '424', description: 'IYS: number is not on the approved list', final: true },
  invalidNumber: { code: '-201', description: 'Invalid number', final: true },
  optedOut: { code: '-241', description: 'IYS: recipient opted out (RET)', final: true },
  handsetError: { code: '406', description: 'Not delivered: the handset did not take it', final: true },
  expired: { code: '402', description: 'Not delivered in time: expired', final: true },
  unknownFinal: { code: '410', description: 'Unknown', final: true },
} as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[keyof typeof DELIVERY_STATUSES];

/** Most receivers (Send_1_N) or messages (Send_N_N) one request may carry. */
export const MAX_RECIPIENTS_PER_REQUEST = 800;
