// The public surface of @rota/ledger: opening a store, the store's API and the
// shapes it takes and gives. Rows, migrations and the SQL dialect stay inside.
export { openLedgerStore, refuseMissingSqliteStore, StoreMissingError } from './open-ledger-store.js';
export { FIRST_REPORT_AFTER_MS, type LedgerStore, type ReadScope, type TimelineStep } from './ledger-store.js';
export type { CancelledBy } from './store/cancel-messages.js';
export type { AppliedReports, FinalReportWritten, ReportDue, ReportEntry } from './store/delivery-reports.js';
export type { DueWebhook, Redelivery, WebhookSettlement } from './store/webhook-outbox.js';
export { OperatorOverrideSchema, type OperatorOverride, type StoredOperatorOverride, type OperatorChange } from './store/operator-overrides.js';
export { isStoreUnavailable } from './store-unavailable.js';
export { CopyRefusedError, type CopiedCounts, type CopyOptions } from './store/copy-ledger.js';
export type { Channel } from './postgres/postgres-notifications.js';
export type { WebhookEventType } from './store/message-events.js';
export * from './store-config.js';
export * from './message-record.js';
export * from './new-records.js';
export { ListQuerySchema, ListPageSchema, MAX_LIST_LIMIT, type ListQuery, type ListPage } from './list-query.js';
export * from './ledger-reports.js';
export * from './claim-options.js';
export * from './retention-options.js';
export { LedgerInputError } from './ledger-input-error.js';
export { WholeCallConflictError } from './whole-call-conflict.js';
export { newMessageId, newBulkId, ID_PATTERN } from './ledger-ids.js';
export { Ledger, RESEND_KEY_PREFIX, type LedgerOptions, type LedgerRole, type Submission, type SubmitOutcome, type SubmitMode, type BulkSubmission } from './ledger.js';
export { AccountThrottle, throttleKey, type LimiterFactory } from './dispatch/account-throttle.js';
export { ResultsNotWrittenError, type DispatchRouter } from './dispatch/dispatcher.js';
export { UNIT_SIZE } from './queue/dispatch-queue.js';
export { ReportCollector, DEFAULT_REPORT_SCHEDULE_MS, DEFAULT_REPORT_TTL_MS } from './reports/report-collector.js';
export type { ReportObserver } from './reports/report-observer.js';
export { WebhookSender, type DeliverWebhook, type SignWebhook, type WebhookDelivery, type WebhookObserver } from './webhooks/webhook-sender.js';
