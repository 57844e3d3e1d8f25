import { validateBulkMessage, validateMessage } from '@rota/provider';
import type { CheckedSends } from './checked-sends.js';
import { closedResult, type RouterState } from './router-state.js';
import type { Router, SendResult } from './router-types.js';

/** The entry points for input not yet validated: each message checked, and nothing sent of a batch or bulk with one bad. */
export function validatingSends(state: RouterState, checked: CheckedSends): Pick<Router, 'send' | 'sendBatch' | 'sendBulk'> {
  return {
    // Not async: a single send is the hot path, and an async wrapper around the
    // promise sendChecked already returns costs one more promise and its ticks.
    send(input, options) {
      try {
        if (state.closed) return Promise.resolve(closedResult());
        const validation = validateMessage(input);
        if (!validation.ok) {
          const result: SendResult = { status: 'rejected', reason: 'invalid message', issues: validation.issues, attempts: [] };
          state.emitResult(result);
          return Promise.resolve(result);
        }
        return checked.sendChecked(validation.message, options);
      } catch (error) {
        // e.g. a getter on the input that throws: still a rejection, as from an async function
        return Promise.reject(error);
      }
    },

    async sendBatch(inputs, options) {
      if (state.closed) return inputs.map(() => closedResult());
      const validations = inputs.map((input) => validateMessage(input));
      const invalid = validations.flatMap((v, index) => (v.ok ? [] : [index]));
      // Never a half-sent batch: one invalid message refuses all of them, and nothing is sent.
      if (invalid.length > 0) return refusedBatch(validations, invalid);
      return checked.sendBatchChecked(
        validations.map((v) => (v as Extract<typeof v, { ok: true }>).message),
        options,
      );
    },

    async sendBulk(input, options) {
      const to: unknown = (input as { to?: unknown } | null)?.to;
      const count = Array.isArray(to) ? to.length : 1;
      if (state.closed) return Array.from({ length: count }, () => closedResult());
      const validation = validateBulkMessage(input);
      if (!validation.ok) {
        // Never half-sent: one bad number or field refuses the whole bulk.
        const result: SendResult = { status: 'rejected', reason: 'invalid bulk message: nothing was sent', issues: validation.issues, attempts: [] };
        return Array.from({ length: count }, () => result);
      }
      return checked.sendBulkChecked(validation.bulk, options);
    },
  };
}

/** Each message of a refused batch: the invalid ones with their issues, the others saying the batch was refused. */
function refusedBatch(validations: ReturnType<typeof validateMessage>[], invalid: number[]): SendResult[] {
  return validations.map((v, index): SendResult =>
    v.ok
      ? {
          status: 'rejected',
          to: v.message.to,
          reason: `batch refused: ${invalid.length} invalid message(s), nothing was sent`,
          issues: invalid.slice(0, 20).map((i) => ({ path: `[${i}]`, reason: 'is invalid' })),
          attempts: [],
        }
      : { status: 'rejected', reason: 'invalid message', issues: v.issues.map((issue) => ({ ...issue, path: `[${index}].${issue.path}` })), attempts: [] },
  );
}
