// Messages held for want of a route live in the store, not in the process: a gateway killed with
// SIGKILL while it holds them — between two holds, or in the middle of writing one — comes back
// holding the same messages, counting from the same first hold, and sends each once when a route
// opens (here: the operator switches the provider back on in the file, and the reload lets the
// held messages out at once).
import { readFile, writeFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { embeddedGatewayFixture, sendsPer, startGatewayProcess, stopProcess, until } from './support/gateway-process.js';

const API_KEY = 'held-crash-KEY-0123456789';
const ADMIN = 'held-crash-ADMIN-0123456789';
const COUNT = 40;
const KILLS = 4;

type View = { id: string; state: string; reason?: string; heldSince?: string; timeline?: Array<{ state?: string }> };

describe('SIGKILL while messages are held for want of a route', () => {
  const gateway = embeddedGatewayFixture('held-crash', { apiKey: API_KEY, adminToken: ADMIN });
  const { call } = gateway;

  /** Switches the one provider on or off in the file: unlike the admin API's switch, it outlives a restart. */
  async function setProviderEnabled(enabled: boolean): Promise<void> {
    const config = parse(await readFile(gateway.file, 'utf8'));
    config.providers[0].enabled = enabled;
    await writeFile(gateway.file, stringify(config));
  }

  beforeAll(() => setProviderEnabled(false));
  const queued = async (): Promise<View[]> => (await call('GET', '/v1/messages?state=queued&limit=500', undefined, ADMIN)).body.items as View[];
  const held = (views: readonly View[]) => views.filter((view) => view.heldSince !== undefined && view.reason?.startsWith('held until a route opens'));

  it('comes back holding every message from its first hold, and sends each once when the provider is switched back on', async () => {
    const { file, url, agent, sandbox } = gateway;
    let child = await startGatewayProcess(file, url, agent, 30_000);
    try {
      const batch = Array.from({ length: COUNT }, (_, i) => ({ to: `+90532${String(4_000_000 + i)}`, text: `Faturaniz ${i} hazir`, iysType: 'NOTIFICATION' }));
      expect((await call('POST', '/v1/messages/batch', { messages: batch })).status).toBe(202);
      const firstHeld = await until(async () => {
        const views = held(await queued());
        return views.length === COUNT ? new Map(views.map((view) => [view.id, view.heldSince])) : undefined;
      }, 'every message held', 30_000);

      // Killed at random points of the hold's one-second cycle: between claims, mid-claim, mid-write.
      for (let kill = 0; kill < KILLS; kill += 1) {
        await new Promise((resolve) => setTimeout(resolve, 1_000 + Math.random() * 1_500));
        await stopProcess(child, 'SIGKILL');
        child = await startGatewayProcess(file, url, agent, 30_000);
      }

      // Still held, each counting from its first hold (a message claimed at the kill is queued again by the restart).
      const views = await until(async () => {
        const now = held(await queued());
        return now.length === COUNT ? now : undefined;
      }, 'every message held after the restarts', 30_000);
      for (const view of views) expect(view.heldSince).toBe(firstHeld.get(view.id));
      expect(sandbox.records()).toHaveLength(0);
      const one = (await call('GET', `/v1/messages/${views[0]!.id}`, undefined, ADMIN)).body as View;
      expect(one.timeline!.filter((step) => step.state === 'held')).toHaveLength(1);

      await setProviderEnabled(true);
      child.kill('SIGHUP');
      const accepted = await until(async () => {
        const items = (await call('GET', '/v1/messages?state=accepted&limit=500', undefined, ADMIN)).body.items as View[];
        return items.length === COUNT ? items : undefined;
      }, 'every held message sent after the reload', 30_000);
      expect(accepted.every((view) => view.reason === undefined)).toBe(true);
      const times = sendsPer(sandbox.records(), (record) => record.receiver);
      expect(times.size).toBe(COUNT);
      expect([...times.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await stopProcess(child, 'SIGTERM');
    }
  }, 180_000);
});
