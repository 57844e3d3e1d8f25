import { describe, expect, it, jest } from '@jest/globals';
import type { Logger, Provider, ProviderErrorKind, SendRequest, SimulateInput } from '@rota/provider';
import { providerErrorOf } from './provider-error-of.js';

export interface StubTransportSubject {
  /** The provider built from the package's test configuration, with this `simulate` block (none: the honest stub). */
  create(simulate: SimulateInput | undefined, logger?: Logger): Provider;
  /** A request the provider's `select` would lead to. */
  request: SendRequest;
  /** A secret of the test configuration: it must appear in no log call. */
  secret: string;
  /** The `failKind` to simulate (default: the schema's, `provider-unavailable`). */
  failKind?: ProviderErrorKind;
}

/**
 * The send checks every stub package runs on its wiring of core's stub transport
 * (the mechanism itself is tested in core): honest refusal without `simulate`,
 * and the simulated failure, abort and warning with it. Receipts differ per
 * package (batch sizes, ids) and stay in each package's own tests. `name` is
 * the provider's id, which its warning starts with.
 */
export function runStubTransportChecks(name: string, subject: StubTransportSubject): void {
  describe(`stub transport: ${name}`, () => {
    it('fails with provider-unavailable without simulate: there is no transport yet', async () => {
      expect(await providerErrorOf(subject.create(undefined).send(subject.request))).toMatchObject({
        kind: 'provider-unavailable',
        message: 'stub: no transport yet',
        code: 'stub',
      });
    });

    it('fails every call with the chosen kind when failRate is 1', async () => {
      const failKind = subject.failKind;
      const provider = subject.create(failKind ? { latencyMs: 0, failRate: 1, failKind } : { latencyMs: 0, failRate: 1 });
      expect(await providerErrorOf(provider.send(subject.request))).toMatchObject({ kind: failKind ?? 'provider-unavailable', code: 'simulated' });
    });

    it('reports an abort during the latency as outcome-unknown and keeps no timer', async () => {
      jest.useFakeTimers();
      try {
        const provider = subject.create({ latencyMs: 30_000 });
        const controller = new AbortController();
        const sending = provider.send(subject.request, { signal: controller.signal });
        controller.abort();
        expect(await providerErrorOf(sending)).toMatchObject({ kind: 'outcome-unknown', code: 'aborted' });
        expect(jest.getTimerCount()).toBe(0);
      } finally {
        jest.useRealTimers();
      }
    });

    it('warns once at creation that nothing is delivered, without secrets', () => {
      const warn = jest.fn<Logger['warn']>();
      subject.create({}, { debug: jest.fn(), info: jest.fn(), warn, error: jest.fn() });
      expect(warn.mock.calls.map((call) => call[1])).toEqual([`${name}: SIMULATED transport — messages are not delivered`]);
      expect(JSON.stringify(warn.mock.calls)).not.toContain(subject.secret);
    });
  });
}
