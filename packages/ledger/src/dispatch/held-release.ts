import type { Logger } from '@rota/provider';
import { describeError } from '../error-text.js';

/**
 * Lets records held for want of a route out as soon as one may have opened —
 * a breaker half-opened or closed, a provider switched on, the configuration
 * replaced — rather than at their next timed try, which comes up to a minute
 * later once a hold is long. A half-open breaker lets one probe through: the
 * released records give it one at once, and the rest go when it closes.
 *
 * Requests that come while a release runs (a reload closes many breakers at
 * once) make one more release after it, not one each.
 */
export class HeldRelease {
  private running = false;
  private again = false;

  constructor(
    /** Makes every held record due now; returns how many it released. */
    private readonly release: () => Promise<number>,
    /** Records were released: claim them now. */
    private readonly released: () => void,
    private readonly logger: Logger,
  ) {}

  /** A route may have opened. */
  request(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.run();
  }

  private async run(): Promise<void> {
    do {
      this.again = false;
      try {
        const count = await this.release();
        if (count > 0) {
          this.logger.info({ records: count }, 'ledger dispatcher: a route may have opened (a breaker half-opened or closed, a provider was switched on); held records are tried now');
          this.released();
        }
      } catch (error) {
        // Not lost: each comes due at its own next try.
        this.logger.warn({ error: describeError(error) }, 'ledger dispatcher: could not let held records out early; each is tried at its next timed try');
      }
    } while (this.again);
    this.running = false;
  }
}
