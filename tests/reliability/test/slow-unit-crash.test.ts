// A dispatch unit that takes a while: sixty queued messages, each its own text (one provider
// request each), to a provider answering in 1.5 s. Its results used to be written only when its
// last message was in — readable by nobody meanwhile, and after a SIGKILL every message it had
// tried was `unknown`, the ones the provider had long since accepted too. Now its results are
// written as they come: killed mid-unit, only the messages still at the provider are unknown.
import { embeddedGatewayFixture, sendsPer, startGatewayProcess, stopProcess, until } from './support/gateway-process.js';

const API_KEY = 'slow-unit-KEY-0123456789';
const ADMIN = 'slow-unit-ADMIN-0123456789';
const COUNT = 60;
const LATENCY_MS = 1_500;
/** Provider requests the dispatcher has out for one unit alone: three general slots × batchConcurrency 4. */
const OUT_AT_ONCE = 12;

describe('SIGKILL in the middle of a slow unit', () => {
  const gateway = embeddedGatewayFixture('slow-unit', { apiKey: API_KEY, adminToken: ADMIN }, { prepare: (sandbox) => sandbox.injectFault({ kind: 'latency', ms: LATENCY_MS, endpoint: 'Send_1_N' }) });
  const { call } = gateway;
  const inState = async (state: string): Promise<Array<{ id: string }>> => (await call('GET', `/v1/messages?state=${state}&limit=500`, undefined, ADMIN)).body.items as Array<{ id: string }>;

  it('keeps what the provider accepted before the kill: only the messages still at the provider end unknown', async () => {
    const { file, url, agent, sandbox } = gateway;
    let child = await startGatewayProcess(file, url, agent, 30_000);
    // One batch, recorded at once: the dispatcher's next claim takes all sixty as one unit.
    const batch = Array.from({ length: COUNT }, (_, i) => ({ to: `+90532${String(3_000_000 + i)}`, text: `Kargonuz ${i} yolda`, iysType: 'NOTIFICATION' }));
    const answer = await call('POST', '/v1/messages/batch', { messages: batch });
    expect(answer.status).toBe(202);

    // Accepted records appear while the unit is still sending (before: only once all sixty were answered).
    const accepted = await until(async () => {
      const items = await inState('accepted');
      return items.length > 0 ? items : undefined;
    }, 'accepted messages written mid-unit', 30_000);
    expect(sandbox.records().length).toBeLessThan(COUNT);
    await stopProcess(child, 'SIGKILL');
    // Requests written before the kill still arrive.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const atKill = sandbox.records().length;

    child = await startGatewayProcess(file, url, agent, 30_000);
    try {
      await until(async () => ((await inState('queued')).length + (await inState('dispatching')).length === 0 ? true : undefined), 'every message final after the restart', 60_000);
      const unknown = await inState('unknown');
      const nowAccepted = new Set((await inState('accepted')).map((record) => record.id));
      // What was written before the kill stayed written.
      for (const { id } of accepted) expect(nowAccepted.has(id)).toBe(true);
      // Unknown: what the provider had been asked and had not answered (or answered after the last write), and
      // requests marked but not yet written when the process died — never one whose acceptance was written.
      expect(unknown.length).toBeLessThanOrEqual(atKill - accepted.length + OUT_AT_ONCE);
      expect(unknown.length + nowAccepted.size).toBe(COUNT);
      // Nothing sent twice: the unknown ones were not sent again, the rest once each.
      const times = sendsPer(sandbox.records(), (record) => record.receiver);
      expect([...times.values()].every((n) => n === 1)).toBe(true);
      expect(times.size).toBe(COUNT);
      console.log(`slow unit: ${accepted.length} accepted before the kill, ${atKill} at the provider by then; after the restart ${nowAccepted.size} accepted, ${unknown.length} unknown`);
    } finally {
      await stopProcess(child, 'SIGTERM');
    }
  }, 120_000);
});
