import type { Generated, Selectable } from 'kysely';

/*
 * The tables as Kysely sees them, at the latest migration. Times are integer
 * milliseconds since the epoch: an integer compares and indexes the same way in
 * SQLite and PostgreSQL (a PostgreSQL store gives `bigint` columns back as
 * strings, so its kind needs an int8 type parser that returns numbers).
 * Booleans are 0/1 integers and JSON is text, for the same reason: one column
 * type that means the same thing in both.
 */

export interface MessagesTable {
  /** Insertion order: the list cursor and the claim tie-breaker. Never shown to callers. */
  seq: Generated<number>;
  id: string;
  owner: string;
  bulk_id: string | null;
  idempotency_key: string | null;
  fingerprint: string;
  state: string;
  reason: string | null;
  priority: number;
  due_at: number;
  to_number: string;
  iys_type: string;
  recipient_type: string;
  sender: string | null;
  otp: number;
  send_at: number | null;
  valid_until: number | null;
  reference: string | null;
  /** NULL for an OTP: its text never reaches the database. */
  text: string | null;
  text_hash: string;
  text_length: number;
  encoding: string;
  shift: string | null;
  segments: number;
  provider_id: string | null;
  account_id: string | null;
  provider_message_id: string | null;
  simulated: number;
  /** JSON of @rota/core's `Attempt[]`. */
  attempts: string;
  /** JSON of `ValidationIssue[]`, for a rejected message. */
  issues: string | null;
  resend_of: string | null;
  created_at: number;
  updated_at: number;
  dispatched_at: number | null;
  finished_at: number | null;
  /** Where this message's webhooks go (the message's own allowed callbackUrl, or its client's). */
  callback_url: string | null;
  /** The last delivery report: its state, reason, provider code and the provider's time of it. */
  delivery_state: string | null;
  delivery_reason: string | null;
  delivery_code: string | null;
  delivery_at: number | null;
  delivery_final: Generated<number>;
  /** When the status is next read; NULL when there is nothing (more) to read. */
  report_due_at: number | null;
  report_checks: Generated<number>;
  accepted_at: number | null;
  /** The dispatch unit holding a `dispatching` record (many workers on one database); NULL otherwise. */
  claim_token: string | null;
  /** 1 when a gateway waits for this message's result: its finish is announced. */
  awaited: number;
  /** When the message was first held for want of an open route (NULL: never). */
  held_since: number | null;
}

export interface BulksTable {
  id: string;
  owner: string;
  count: number;
  idempotency_key: string | null;
  fingerprint: string | null;
  iys_type: string;
  recipient_type: string;
  sender: string | null;
  otp: number;
  send_at: number | null;
  valid_until: number | null;
  reference: string | null;
  text: string | null;
  text_hash: string;
  text_length: number;
  encoding: string;
  shift: string | null;
  segments: number;
  created_at: number;
  callback_url: string | null;
  /** When its last recipient reached a final state (and bulk.completed was written). */
  completed_at: number | null;
  /** 1 while the embedded store writes its records in slices: none is claimed until it is 0. */
  recording: number;
}

/** One step of a message's timeline. */
export interface MessageEventsTable {
  seq: Generated<number>;
  message_id: string;
  kind: 'state' | 'delivery';
  state: string;
  reason: string | null;
  provider_code: string | null;
  source: string;
  at: number;
  recorded_at: number;
}

/** A webhook to deliver (at least once), written with the change it announces. */
export interface WebhookOutboxTable {
  id: string;
  owner: string;
  url: string;
  type: string;
  payload: string;
  message_id: string | null;
  bulk_id: string | null;
  state: 'pending' | 'delivered' | 'dead' | 'held';
  attempts: Generated<number>;
  due_at: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
  /** Where its 24 h of retries start: its creation, or an operator's redelivery or re-enabling since. */
  retry_from: number | null;
  /** While a sender has it on its way. */
  leased_until: number | null;
  /**
   * The receiver, as the sender counts deliveries at once (webhookReceiver: the URL's origin and
   * the client, `https://hooks.example acme`; the origin alone in a row written before clients
   * were told apart): a claim passes over the receivers the sender has at their cap. '' in a row
   * written before it was kept (its receiver is then worked out when claimed).
   */
  receiver_host: string;
}

/** An event as it enters the outbox: its tries, retry window and lease start empty. */
export type NewOutboxRow = Omit<WebhookOutboxTable, 'attempts' | 'retry_from' | 'leased_until'>;

export interface WebhookEndpointsTable {
  url: string;
  disabled_at: number | null;
  disabled_reason: string | null;
}

/** An operator's run-time setting of a provider (rank, enabled) or of an account's breaker. */
export interface OperatorOverridesTable {
  provider_id: string;
  /** '' for a setting of the provider itself. */
  account_id: string;
  setting: 'rank' | 'enabled' | 'breaker';
  /** JSON of the value. */
  value: string;
  changed_by: string | null;
  changed_at: number;
}

/** The idempotency key of a record erased at its recipient's request (KVKK), kept so a retry under it sends nothing. */
export interface ErasedKeysTable {
  owner: string;
  /** LedgerHasher.erasedKey of the key: the key itself is not kept. */
  key_hash: string;
  /** Where the erased record's key window started (its creation, or a later sendAt: see retention.ts): the key is released when its retention, counted from then, ends. */
  created_at: number;
}

/** A pushed report that named no message yet, kept for its rematches (see migration 0012). */
export interface HeldReportsTable {
  id: string;
  provider_id: string;
  provider_message_id: string;
  /** JSON of what the report says: state, reason, final, providerCode, at (ms). */
  report: string;
  received_at: number;
  /** When it is matched again (a claim moves it on by its lease). */
  due_at: number;
  /** How many rematches it has had. */
  rematches: number;
}

export interface LedgerDatabase {
  messages: MessagesTable;
  bulks: BulksTable;
  message_events: MessageEventsTable;
  webhook_outbox: WebhookOutboxTable;
  webhook_endpoints: WebhookEndpointsTable;
  operator_overrides: OperatorOverridesTable;
  erased_keys: ErasedKeysTable;
  held_reports: HeldReportsTable;
}

export type MessageRow = Selectable<MessagesTable>;
/** A row as the store writes it: every column but `seq`, which the database numbers, and those that start empty. */
export type NewMessageRow = Omit<MessagesTable, 'seq' | LaterColumn>;
/** Columns a new row leaves at their defaults: the delivery report's, the claim of a dispatch unit, and a hold. */
export type LaterColumn =
  | 'held_since'
  | 'delivery_state'
  | 'delivery_reason'
  | 'delivery_code'
  | 'delivery_at'
  | 'delivery_final'
  | 'report_due_at'
  | 'report_checks'
  | 'accepted_at'
  | 'claim_token';
/** A row read back, or one just written (whose delivery columns are still empty). */
export type RecordRow = Omit<MessageRow, 'seq' | LaterColumn> & Partial<Pick<MessageRow, LaterColumn>>;
export type BulkRow = BulksTable;
