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
}

export interface LedgerDatabase {
  messages: MessagesTable;
  bulks: BulksTable;
}

export type MessageRow = Selectable<MessagesTable>;
/** A row as the store writes it: every column but `seq`, which the database numbers. */
export type NewMessageRow = Omit<MessagesTable, 'seq'>;
export type BulkRow = BulksTable;
