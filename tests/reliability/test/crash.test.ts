// The ledger's promise under the worst kind of crash: a gateway process under
// load, killed with SIGKILL at random points 20 times and restarted on the same
// data folder, while a client keeps sending — retrying, with the same
// idempotency key, every message whose answer it lost. Counted from the
// sandbox's own records: every message answered 202 ends in a final state,
// none is sent twice, none is lost.
import { embeddedGatewayFixture, sendsPer, startGatewayProcess, stopProcess } from './support/gateway-process.js';

const API_KEY = 'crash-test-KEY-0123456789';
const ADMIN = 'crash-test-ADMIN-0123456789';
const ROUNDS = 20;
const SENDERS = 12;
/** Answers each round waits for before its kill, so the kills land mid-stream. */
const MIN_PER_ROUND = 10;

interface Sent {
  text: string;
  id?: string;
}

describe('SIGKILL at random points, 20 times, under load', () => {
  const gateway = embeddedGatewayFixture('crash', { apiKey: API_KEY, adminToken: ADMIN }, { connections: SENDERS * 2 });
  const { call } = gateway;

  const startGateway = () => startGatewayProcess(gateway.file, gateway.url, gateway.agent, 30_000);

  it('every message answered 202 ends final, none is sent twice, none is lost', async () => {
    const messages: Sent[] = [];
    const unanswered: Sent[] = [];
    let next = 0;

    for (let round = 0; round < ROUNDS; round++) {
      const child = await startGateway();
      let running = true;
      // A client: retries what it lost, then sends new messages, each with its own key.
      const sender = async () => {
        while (running) {
          const message = unanswered.shift() ?? { text: `crash-message-${next++}` };
          if (!messages.includes(message)) messages.push(message);
          try {
            const answer = await call('POST', '/v1/messages', { to: '+905321234567', text: message.text, iysType: 'NOTIFICATION', idempotencyKey: message.text });
            expect(answer.status).toBe(202);
            message.id = answer.body.id as string;
          } catch {
            unanswered.push(message); // the process died under it: the client retries with the same key
          }
        }
      };
      const senders = Array.from({ length: SENDERS }, sender);
      // Each round takes a few answers before its kill, however loaded the machine (a fixed delay took none under load).
      const answeredBefore = messages.filter((m) => m.id !== undefined).length;
      for (let waited = 0; waited < 10_000 && messages.filter((m) => m.id !== undefined).length < answeredBefore + MIN_PER_ROUND; waited += 10) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 450));
      await stopProcess(child, 'SIGKILL');
      running = false;
      await Promise.all(senders);
    }

    // One last start: it recovers what the last kill interrupted, sends what is queued, and answers the lost ones.
    const last = await startGateway();
    try {
      for (const message of unanswered.splice(0)) {
        const answer = await call('POST', '/v1/messages', { to: '+905321234567', text: message.text, iysType: 'NOTIFICATION', idempotencyKey: message.text });
        expect(answer.status).toBe(202);
        message.id = answer.body.id as string;
      }
      const unfinished = async () => {
        let count = 0;
        for (const state of ['queued', 'dispatching']) count += ((await call('GET', `/v1/messages?state=${state}&limit=500`, undefined, ADMIN)).body.items as unknown[]).length;
        return count;
      };
      for (let i = 0; i < 400 && (await unfinished()) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));

      const sentTimes = sendsPer(gateway.sandbox.records(), (record) => record.text);
      const states = new Map<string, number>();
      for (const message of messages) {
        expect(message.id).toBeDefined(); // every message was answered 202 in the end
        const read = await call('GET', `/v1/messages/${message.id}`);
        expect(read.status).toBe(200); // none lost
        const state = read.body.status as string;
        states.set(state, (states.get(state) ?? 0) + 1);
        expect(['accepted', 'unknown', 'failed', 'rejected']).toContain(state); // final
        const times = sentTimes.get(message.text) ?? 0;
        expect(times).toBeLessThanOrEqual(1); // never twice
        if (state === 'accepted') expect(times).toBe(1);
        if (state === 'failed') expect(times).toBe(0);
      }
      // Every text the sandbox has came from one of our messages, once.
      expect([...sentTimes.values()].every((times) => times === 1)).toBe(true);
      expect(messages.length).toBeGreaterThanOrEqual(ROUNDS * MIN_PER_ROUND);
      // Not vacuous: messages went through between the kills (how many depends on the machine's load, so no ratio).
      expect(states.get('accepted') ?? 0).toBeGreaterThan(ROUNDS);
      console.log(`crash test: ${messages.length} messages over ${ROUNDS} kills: ${JSON.stringify(Object.fromEntries(states))}, ${gateway.sandbox.records().length} at the sandbox`);
    } finally {
      await stopProcess(last, 'SIGTERM');
    }
    // Twenty starts of a gateway process: on a loaded 2-core machine each takes seconds.
  }, 300_000);
});
