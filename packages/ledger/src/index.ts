// The public surface of @rota/ledger.
export { newMessageId, newBulkId, ID_PATTERN } from './ledger-ids.js';
