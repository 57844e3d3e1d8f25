import { Writable } from 'node:stream';
import pino from 'pino';
import type { Router } from '@rota/core';
import { logRouterEvents } from './router-event-log.js';

type Handler = (event: unknown) => void;

/** A router that only lets listeners on, and a logger writing JSON lines to an array. */
function harness(): { emit: (name: string, event: unknown) => void; lines: Record<string, unknown>[]; stop: () => void } {
  const handlers = new Map<string, Handler>();
  const router = { on: (name: string, handler: Handler) => (handlers.set(name, handler), () => handlers.delete(name)) } as unknown as Pick<Router, 'on'>;
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  const stop = logRouterEvents(router, pino({ level: 'debug' }, sink));
  return { emit: (name, event) => handlers.get(name)?.(event), lines, stop };
}

const acceptedBy = (providerMessageId: string) => ({
  result: { status: 'accepted', to: '+905321234567', providerId: 'message-center', accountId: 'main', providerMessageId, segments: 1, encoding: 'GSM7', attempts: [] },
});

describe('logRouterEvents', () => {
  it("masks the number inside Message Center's and Mobildev's per-number ids, keeping the request id", async () => {
    const h = harness();
    h.emit('accepted', acceptedBy('1796489879658000+905321234567'));
    await new Promise((resolve) => setImmediate(resolve));
    h.stop();
    expect(h.lines).toHaveLength(1);
    expect(h.lines[0]).toMatchObject({ to: '+90532*****67', providerMessageId: '1796489879658000+90532*****67' });
    expect(JSON.stringify(h.lines)).not.toContain('5321234567');
  });

  it("logs other providers' ids as they are", async () => {
    const h = harness();
    h.emit('accepted', acceptedBy('fs-4711'));
    await new Promise((resolve) => setImmediate(resolve));
    h.stop();
    expect(h.lines[0]).toMatchObject({ providerMessageId: 'fs-4711' });
  });
});
