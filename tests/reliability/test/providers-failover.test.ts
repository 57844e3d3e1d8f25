// Failover across the five real provider clients, over real HTTP to the
// sandbox's wires: a stream of sends runs while one provider's wire is faulted
// or killed, and the sandbox's own records — what each provider actually took —
// are the judge. Whatever the fault: 0 lost (every message reported accepted is
// recorded exactly once, where the result says; nothing reported failed or
// rejected is recorded anywhere) and 0 sent twice (no message recorded twice,
// on one wire or across wires). CAMPAIGN messages never reach a provider that
// does not check İYS consent.
import { createRouter, type Router, type SendResult } from '@rota/core';
import { createFigenSoftProvider } from '@rota/figensoft';
import { startSandbox, type FaultInput, type Sandbox, type WireRecord } from '@rota/figensoft-sandbox';
import { createInfobipProvider } from '@rota/infobip';
import { createMessageCenterProvider } from '@rota/message-center';
import { createMobildevProvider } from '@rota/mobildev';
import type { Provider } from '@rota/provider';
import { createTwilioProvider } from '@rota/twilio';

const TWILIO_SID = `AC${'7e'.repeat(16)}`;
const APPROVED = Array.from({ length: 50 }, (_, i) => `90532900${String(i).padStart(4, '0')}`);

/** Message Center's wire in a sandbox of its own, so that it can be killed alone; the other four share one. */
async function startWires(): Promise<{ mc: Sandbox; rest: Sandbox }> {
  const consent = { approved: APPROVED, optedOut: [] };
  const common = { deliveryDelayMs: 50, consent };
  const mc = await startSandbox({ ...common, messageCenter: { accounts: [{ key: 'mc-key', hash: 'mc-hash', senders: ['ROTA'] }], duplicateWindowMs: 0 } });
  const rest = await startSandbox({
    ...common,
    accounts: [
      { username: 'fs-notify', password: 'fs-notify-pw', iysType: 'NOTIFICATION', senders: ['ROTA'] },
      { username: 'fs-campaign', password: 'fs-campaign-pw', iysType: 'CAMPAIGN', senders: ['ROTA'] },
    ],
    mobildev: {
      accounts: [
        { username: 'md-notify-1', password: 'md-notify-pw', senders: ['ROTA'] },
        { username: 'md-campaign-1', password: 'md-campaign-pw', senders: ['ROTA'] },
      ],
    },
    infobip: { accounts: [{ name: 'ib', apiKey: 'ib-key', senders: ['ROTA'] }] },
    twilio: { accounts: [{ accountSid: TWILIO_SID, authToken: 'tw-token', senders: ['ROTA'] }] },
  });
  return { mc, rest };
}

function providersFor(mc: Sandbox, rest: Sandbox): { provider: Provider; rank: number }[] {
  return [
    { rank: 1, provider: createMessageCenterProvider({ baseUrl: mc.urls.messageCenter, accounts: [{ key: 'mc-key', hash: 'mc-hash', sender: 'ROTA' }] }) },
    {
      rank: 2,
      provider: createMobildevProvider({
        baseUrl: rest.urls.mobildev,
        accounts: [
          { companyCode: '1', username: 'md-notify', password: 'md-notify-pw', senderList: ['ROTA'], smsIysMessageType: 'NOTIFICATION' },
          { companyCode: '1', username: 'md-campaign', password: 'md-campaign-pw', senderList: ['ROTA'], smsIysMessageType: 'CAMPAIGN' },
        ],
      }),
    },
    {
      rank: 3,
      provider: createFigenSoftProvider({
        accounts: [
          { username: 'fs-notify', password: 'fs-notify-pw', smsIysMessageType: 'NOTIFICATION', senderList: ['ROTA'], customApiActive: true, customApiUrl: rest.url },
          { username: 'fs-campaign', password: 'fs-campaign-pw', smsIysMessageType: 'CAMPAIGN', senderList: ['ROTA'], customApiActive: true, customApiUrl: rest.url },
        ],
      }),
    },
    { rank: 4, provider: createInfobipProvider({ accounts: [{ apiKey: 'ib-key', from: 'ROTA', baseUrl: rest.urls.infobip }] }) },
    { rank: 5, provider: createTwilioProvider({ accountSid: TWILIO_SID, authToken: 'tw-token', fromAddresses: ['ROTA'], baseUrl: rest.urls.twilio }) },
  ];
}

interface Sent {
  to: string;
  text: string;
  iysType: 'NOTIFICATION' | 'CAMPAIGN';
  result: SendResult;
}

/**
 * `count` sends, `inFlight` at a time, each with its own text; one in five a
 * CAMPAIGN to a number with consent. `during(i)` runs before the i-th send
 * starts (to fault and heal a wire mid-stream).
 */
async function stream(router: Router, count: number, inFlight: number, during: (i: number) => void | Promise<void>): Promise<Sent[]> {
  const sent: Sent[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await during(i);
      const campaign = i % 5 === 0;
      const to = campaign ? `+${APPROVED[i % APPROVED.length]}` : `+90542${String(i).padStart(7, '0')}`;
      const text = `Rota failover ${i}`;
      const iysType = campaign ? 'CAMPAIGN' : 'NOTIFICATION';
      sent.push({ to, text, iysType, result: await router.send({ to, text, iysType, sender: 'ROTA' }) });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return sent;
}

/** What the sandboxes' records say against what the router said. */
function audit(sent: readonly Sent[], records: readonly WireRecord[]) {
  const byKey = new Map<string, WireRecord[]>();
  for (const record of records) {
    const key = `${record.receiver}\u0000${record.text}`;
    byKey.set(key, [...(byKey.get(key) ?? []), record]);
  }
  const lost: Sent[] = [];
  const wrongPlace: Sent[] = [];
  const claimedNotSent: Sent[] = [];
  let unknown = 0;
  for (const s of sent) {
    const found = byKey.get(`${s.to.slice(1)}\u0000${s.text}`) ?? [];
    if (s.result.status === 'accepted') {
      if (found.length === 0) lost.push(s);
      else if (found[0]!.wire !== s.result.providerId) wrongPlace.push(s);
    } else if (s.result.status === 'unknown') unknown++;
    else if (found.length > 0) claimedNotSent.push(s);
  }
  const twice = [...byKey.values()].filter((list) => list.length > 1);
  const campaignLeaks = sent.filter((s) => s.iysType === 'CAMPAIGN').flatMap((s) => byKey.get(`${s.to.slice(1)}\u0000${s.text}`) ?? []).filter((r) => r.wire === 'infobip' || r.wire === 'twilio' || !r.commercial);
  const acceptedBy: Record<string, number> = {};
  for (const s of sent) if (s.result.status === 'accepted') acceptedBy[s.result.providerId] = (acceptedBy[s.result.providerId] ?? 0) + 1;
  return { lost: lost.length, wrongPlace: wrongPlace.length, claimedNotSent: claimedNotSent.length, sentTwice: twice.length, campaignLeaks: campaignLeaks.length, unknown, acceptedBy };
}

describe('failover across the real provider clients (the sandbox\'s records as the judge)', () => {
  let wires: { mc: Sandbox; rest: Sandbox };
  let providers: { provider: Provider; rank: number }[];
  let router: Router;

  /**
   * The attempt timeout is long enough that a loaded machine never turns a slow
   * answer into an unknown outcome; only the hang scenario needs it short.
   */
  const routerWith = (attemptTimeoutMs: number): Router =>
    createRouter({
      providers,
      retry: { retries: 1, minDelayMs: 5, maxDelayMs: 20 },
      breaker: { volumeThreshold: 3, resetTimeoutMs: 300, rollingWindowMs: 2_000 },
      attemptTimeoutMs,
      unknownOutcome: 'stop',
    });

  beforeEach(async () => {
    wires = await startWires();
    providers = providersFor(wires.mc, wires.rest);
    router = routerWith(5_000);
  });

  afterEach(async () => {
    await router.close();
    await Promise.all(providers.map(({ provider }) => provider.close?.()));
    await wires.mc.close();
    await wires.rest.close();
  });

  const records = () => [...wires.mc.wireRecords(), ...wires.rest.wireRecords()];
  /** Faults Message Center's wire from the `from`-th send; heals it at the `to`-th, and holds later sends until its breaker may probe again. */
  const faultAt = (fault: FaultInput, from: number, to: number) => {
    let resumeAt = 0;
    return async (i: number) => {
      if (i === from) wires.mc.injectFault(fault);
      if (i === to) {
        wires.mc.clearFaults();
        resumeAt = Date.now() + 350;
      }
      if (i >= to) await new Promise((resolve) => setTimeout(resolve, Math.max(0, resumeAt - Date.now())));
    };
  };

  it.each<[string, FaultInput]>([
    ['answers 503 (retryable): retried, then sent by Mobildev', { kind: 'status-code', statusCode: 503, wire: 'message-center' }],
    ['refuses the account (401): sent by Mobildev', { kind: 'status-code', statusCode: 401, wire: 'message-center' }],
    ['answers a bare HTTP 502 from a proxy: sent by Mobildev', { kind: 'http-error', httpStatus: 502, wire: 'message-center' }],
    ['resets the connection before taking the order: unknown, never resent', { kind: 'reset', afterAccept: false, wire: 'message-center' }],
  ])("Message Center's wire %s — 0 lost, 0 sent twice", async (_name, fault) => {
    const sent = await stream(router, 300, 16, faultAt(fault, 80, 200));
    const result = audit(sent, records());
    expect(result).toMatchObject({ lost: 0, wrongPlace: 0, claimedNotSent: 0, sentTwice: 0, campaignLeaks: 0 });
    expect(sent).toHaveLength(300);
    // Traffic left rank 1 and came back to it.
    expect(result.acceptedBy['mobildev']).toBeGreaterThan(0);
    expect(sent.slice(-20).some((s) => s.result.status === 'accepted' && s.result.providerId === 'message-center')).toBe(true);
    if (fault.kind !== 'reset') {
      expect(result.unknown).toBe(0);
      // A provider that refused said so before anything was sent: every message reached someone.
      expect(sent.filter((s) => s.result.status !== 'accepted').map((s) => s.result.status)).toEqual([]);
    }
  });

  it("Message Center's wire accepts, then the connection dies (reset after accept): unknown, recorded once, never resent — 0 lost, 0 sent twice", async () => {
    const sent = await stream(router, 200, 16, faultAt({ kind: 'reset', afterAccept: true, wire: 'message-center' }, 50, 120));
    const result = audit(sent, records());
    expect(result).toMatchObject({ lost: 0, wrongPlace: 0, claimedNotSent: 0, sentTwice: 0, campaignLeaks: 0 });
    expect(result.unknown).toBeGreaterThan(0);
  });

  it("Message Center's wire hangs: unknown after the attempt timeout, the breaker moves traffic on — 0 lost, 0 sent twice", async () => {
    await router.close();
    router = routerWith(400);
    const sent = await stream(router, 200, 16, faultAt({ kind: 'hang', wire: 'message-center' }, 50, 120));
    const result = audit(sent, records());
    expect(result).toMatchObject({ lost: 0, wrongPlace: 0, claimedNotSent: 0, sentTwice: 0, campaignLeaks: 0 });
    expect(result.unknown).toBeGreaterThan(0);
    expect(result.acceptedBy['mobildev']).toBeGreaterThan(0);
  });

  it("Message Center's wire is killed mid-stream and Mobildev's faults too: traffic walks down to FigenSoft — 0 lost, 0 sent twice", async () => {
    const sent = await stream(router, 300, 16, async (i) => {
      // The whole Message Center far end goes away; orders in flight die with it.
      if (i === 80) await wires.mc.close();
      if (i === 150) wires.rest.injectFault({ kind: 'status-code', statusCode: 1, wire: 'mobildev' });
    });
    // A closed sandbox keeps its records in memory: they are what Message Center took.
    const result = audit(sent, records());
    expect(result).toMatchObject({ lost: 0, wrongPlace: 0, claimedNotSent: 0, sentTwice: 0, campaignLeaks: 0 });
    expect(Object.keys(result.acceptedBy)).toEqual(expect.arrayContaining(['message-center', 'mobildev', 'figensoft']));
    // CAMPAIGN never went to Infobip or Twilio, even with ranks 1 and 2 down.
    const campaignWires = new Set(sent.filter((s) => s.iysType === 'CAMPAIGN' && s.result.status === 'accepted').map((s) => (s.result as Extract<SendResult, { status: 'accepted' }>).providerId));
    for (const wire of campaignWires) expect(['message-center', 'mobildev', 'figensoft']).toContain(wire);
  });

  it('with Message Center, Mobildev and FigenSoft all refusing, NOTIFICATION falls to Infobip and Twilio; CAMPAIGN fails rather than go there', async () => {
    wires.mc.injectFault({ kind: 'status-code', statusCode: 401, wire: 'message-center' });
    wires.rest.injectFault({ kind: 'status-code', statusCode: 1, wire: 'mobildev' });
    wires.rest.injectFault({ kind: 'status-code', statusCode: 500, wire: 'figensoft' });
    const sent = await stream(router, 100, 8, () => undefined);
    const result = audit(sent, records());
    expect(result).toMatchObject({ lost: 0, wrongPlace: 0, claimedNotSent: 0, sentTwice: 0, campaignLeaks: 0, unknown: 0 });
    expect(result.acceptedBy['infobip']).toBeGreaterThan(0);
    const campaigns = sent.filter((s) => s.iysType === 'CAMPAIGN');
    expect(campaigns.every((s) => s.result.status === 'failed')).toBe(true);
    // The trail says why Infobip and Twilio were not asked.
    const trail = campaigns[0]!.result.attempts.filter((a) => a.providerId === 'infobip' || a.providerId === 'twilio');
    expect(trail.map((a) => [a.providerId, a.outcome])).toEqual([
      ['infobip', 'skipped'],
      ['twilio', 'skipped'],
    ]);
    expect(trail[1]!.reason).toContain('does not check İYS consent');
  });
});
