import { type SandboxAccount, type SandboxConsent, type SandboxOptions, type SandboxOutcomes } from './sandbox-options.js';
import { MessageIds, MessageStore, type SandboxRecord } from './sandbox-message-store.js';

/** Everything the API answers from: accounts, balances, consent lists and accepted messages. */
export class SandboxState {
  readonly accounts: readonly SandboxAccount[];
  readonly credits: number[];
  readonly senders: ReadonlySet<string>[];
  readonly #indexByUsername: Map<string, number>;
  readonly store: MessageStore;
  readonly ids = new MessageIds();
  readonly deliveryDelayMs: number;
  approved: ReadonlySet<string>;
  optedOut: ReadonlySet<string>;
  outcomes: SandboxOutcomes;
  /** Where final statuses are pushed, in push mode. */
  pushUrl: string | undefined;
  /** Told of each accepted request in push mode: its messages' counters and when they are final. */
  onAccepted: ((first: number, count: number, finalAt: number) => void) | undefined;

  constructor(options: SandboxOptions) {
    this.accounts = options.accounts;
    this.credits = options.accounts.map((account) => account.credit);
    this.senders = options.accounts.map((account) => new Set(account.senders));
    this.#indexByUsername = new Map(options.accounts.map((account, index) => [account.username, index]));
    this.store = new MessageStore(options.maxRecords);
    this.deliveryDelayMs = options.deliveryDelayMs;
    this.approved = new Set(options.consent.approved);
    this.optedOut = new Set(options.consent.optedOut);
    this.outcomes = options.outcomes;
    this.pushUrl = options.pushUrl;
  }

  /** The account index for a username and password, or undefined for a bad login. */
  authenticate(username: unknown, password: unknown): number | undefined {
    if (typeof username !== 'string' || typeof password !== 'string') return undefined;
    const index = this.#indexByUsername.get(username);
    if (index === undefined || this.accounts[index]?.password !== password) return undefined;
    return index;
  }

  accountIndex(username: string): number {
    const index = this.#indexByUsername.get(username);
    if (index === undefined) throw new Error(`Unknown sandbox account "${username}"`);
    return index;
  }

  consent(): SandboxConsent {
    return { approved: [...this.approved], optedOut: [...this.optedOut] };
  }

  records(username?: string): SandboxRecord[] {
    const only = username === undefined ? undefined : this.#indexByUsername.get(username);
    if (username !== undefined && only === undefined) return [];
    const records: SandboxRecord[] = [];
    for (const [counter, message] of this.store.entries()) {
      const { batch } = message;
      if (only !== undefined && batch.accountIndex !== only) continue;
      const account = this.accounts[batch.accountIndex] as SandboxAccount;
      const record: SandboxRecord = {
        username: account.username,
        iysType: account.iysType,
        receiver: message.receiver,
        text: message.text,
        originator: batch.originator,
        messageId: this.ids.format(counter, batch.accountIndex),
        charge: message.charge,
        acceptedAt: batch.acceptedAt,
      };
      if (batch.sendAt !== undefined) record.sendAt = batch.sendAt;
      if (batch.expireAt !== undefined) record.expireAt = batch.expireAt;
      if (batch.channel !== undefined) record.channel = batch.channel;
      records.push(record);
    }
    return records;
  }
}
