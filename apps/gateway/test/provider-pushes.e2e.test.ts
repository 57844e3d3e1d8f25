import { createHmac } from 'node:crypto';
import http from 'node:http';
import { join } from 'node:path';
import { DEFAULT_SANDBOX_ACCOUNTS, DEFAULT_SANDBOX_WIRES, startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { freePort } from '@rota/testkit';
import type { RunningGateway } from '../src/http/gateway-server.js';
import { startConfiguredGateway, type ConfiguredGateway } from './support/configured-gateway.js';
import { GatewayClient, SECRETS } from './support/harness.js';
import { until } from '@rota/testkit';

// Delivery reports pushed by the sandbox as Message Center, Infobip and Twilio
// push them, through the gateway's POST /v1/providers/{id}/reports into the
// message's timeline: each proven as that provider proves it (a token in the
// URL for the two that sign nothing, X-Twilio-Signature for Twilio), and a
// forged push refused. Status reads are scheduled an hour out, so every report
// here arrived by push.

const MC_TOKEN = 'mc-push-token-0123456789abcdefghij';
const INFOBIP_TOKEN = 'infobip-push-token-0123456789abcdef';
const TWILIO_TOKEN = DEFAULT_SANDBOX_WIRES.twilio.accounts[0]!.authToken;
const PROVIDERS = ['message-center', 'infobip', 'twilio'] as const;


describe('pushed delivery reports from the real clients, through the gateway', () => {
  let served: ConfiguredGateway;
  let sandbox: Sandbox;
  let gateway: RunningGateway;
  let client: GatewayClient;
  let gatewayUrl: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ accounts: DEFAULT_SANDBOX_ACCOUNTS, ...DEFAULT_SANDBOX_WIRES, deliveryDelayMs: 50, host: '127.0.0.1', port: 0 });
    const origin = new URL(sandbox.url).origin;
    // The callback URLs name the gateway, so its port is chosen before it starts.
    gatewayUrl = `http://127.0.0.1:${await freePort()}`;
    const { messageCenter, infobip, twilio } = DEFAULT_SANDBOX_WIRES;
    served = await startConfiguredGateway({
      providers: [
        {
          type: 'message-center',
          rank: 1,
          settings: { baseUrl: `${origin}/message-center`, pushToken: MC_TOKEN, accounts: [{ key: messageCenter.accounts[0]!.key, hash: messageCenter.accounts[0]!.hash, sender: 'ROTA' }] },
        },
        {
          type: 'infobip',
          rank: 2,
          settings: {
            deliveryReportUrl: `${gatewayUrl}/v1/providers/infobip/reports`,
            pushToken: INFOBIP_TOKEN,
            accounts: [{ apiKey: infobip.accounts[0]!.apiKey, from: 'ROTA', baseUrl: `${origin}/infobip` }],
          },
        },
        {
          type: 'twilio',
          rank: 3,
          settings: {
            accountSid: twilio.accounts[0]!.accountSid,
            authToken: TWILIO_TOKEN,
            fromAddresses: ['ROTA'],
            baseUrl: `${origin}/twilio`,
            statusCallbackUrl: `${gatewayUrl}/v1/providers/twilio/reports`,
          },
        },
      ],
      routing: { unknownOutcome: 'stop' },
      gateway: { listen: { host: '127.0.0.1', port: Number(new URL(gatewayUrl).port) }, apiKeys: [{ name: 'shop', key: SECRETS.apiKey }], adminToken: SECRETS.adminToken },
      store: { kind: 'memory' },
      reports: { scheduleSeconds: [3_600] },
    });
    ({ gateway, client } = served);
    sandbox.setPushUrl(`${gateway.url}/v1/providers/message-center/reports?token=${MC_TOKEN}`, 'message-center');
  });
  afterAll(async () => {
    await served.close();
    await sandbox.close();
  });

  /** Only `id` enabled: the next send goes through it. */
  async function only(id: (typeof PROVIDERS)[number]): Promise<void> {
    for (const other of PROVIDERS) {
      const answer = await client.call('PATCH', `/v1/providers/${other}`, { key: SECRETS.adminToken, json: { enabled: other === id } });
      expect(answer.status).toBe(200);
    }
  }

  it.each(PROVIDERS)('%s: the report arrives by push and ends the timeline', async (id) => {
    await only(id);
    const sent = await client.send({ to: '+905321234567', text: `Kargonuz yolda (${id})`, iysType: 'NOTIFICATION' });
    expect(sent.body).toMatchObject({ status: 'accepted', providerId: id });
    const read = await until(async () => {
      const answer = await client.call('GET', `/v1/messages/${sent.body.id}`);
      return answer.body.delivery?.final ? answer.body : undefined;
    }, `${id}'s pushed report`);
    expect(read.delivery).toMatchObject({ state: 'delivered', final: true });
    expect(read.timeline.map((step: { state: string; source: string }) => `${step.state}:${step.source}`)).toEqual(['accepted:dispatch', 'delivered:push']);
    expect(sandbox.pushes(id).failed).toBe(0);
  });

  it('infobip: a send whose answer was lost is unknown under the id Rota gave it, and the pushed report makes it accepted', async () => {
    await only('infobip');
    sandbox.injectFault({ kind: 'reset', afterAccept: true, wire: 'infobip' });
    let sent;
    try {
      sent = await client.send({ to: '+905321234567', text: 'Kargonuz yolda (yanıt kayboldu)', iysType: 'NOTIFICATION' });
    } finally {
      sandbox.clearFaults();
    }
    expect(sent.body).toMatchObject({ status: 'unknown', providerId: 'infobip', providerMessageId: expect.any(String) });
    const read = await until(async () => {
      const answer = await client.call('GET', `/v1/messages/${sent.body.id}`);
      return answer.body.delivery?.final ? answer.body : undefined;
    }, "infobip's pushed report of the unknown message");
    expect(read).toMatchObject({ status: 'accepted', providerMessageId: sent.body.providerMessageId, acceptedAt: sent.body.finishedAt, delivery: { state: 'delivered', final: true } });
    expect(read.timeline.map((step: { state: string; source: string }) => `${step.state}:${step.source}`)).toEqual(['unknown:dispatch', 'accepted:push', 'delivered:push']);
    // The provider has it: an operator's resend is refused.
    expect((await client.call('POST', `/v1/messages/${sent.body.id}/resend`, { key: SECRETS.adminToken })).status).toBe(409);
  });

  it('refuses a push without its proof: a wrong token, an unsigned or tampered Twilio callback', async () => {
    const json = { key: null, json: { report: { id: 1, packet_id: 1, status: 'delivered', to: '+905321234567' } } };
    expect(await client.call('POST', '/v1/providers/message-center/reports?token=wrong-token-0123456789abcdef', json)).toMatchObject({ status: 401 });
    expect(await client.call('POST', '/v1/providers/message-center/reports', json)).toMatchObject({ status: 401 });
    expect(await client.call('POST', `/v1/providers/infobip/reports?token=${MC_TOKEN}`, { key: null, json: { results: [] } })).toMatchObject({ status: 401 });

    const form = new URLSearchParams({ MessageSid: `SM${'0'.repeat(32)}`, MessageStatus: 'delivered', To: '+905321234567' });
    const url = `${gateway.url}/v1/providers/twilio/reports`;
    const sign = (body: URLSearchParams, token: string) =>
      createHmac('sha1', token)
        .update(url + [...body.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => k + v).join(''))
        .digest('base64');
    const post = (body: URLSearchParams, signature?: string) =>
      client.call('POST', '/v1/providers/twilio/reports', {
        key: null,
        raw: body.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature === undefined ? {} : { 'x-twilio-signature': signature }) },
      });
    expect(await post(form)).toMatchObject({ status: 401 });
    expect(await post(form, sign(form, 'another-auth-token'))).toMatchObject({ status: 401 });
    const signed = sign(form, TWILIO_TOKEN);
    const tampered = new URLSearchParams(form);
    tampered.set('MessageStatus', 'failed');
    expect(await post(tampered, signed)).toMatchObject({ status: 401 });
    // The same bytes, signed as Twilio signs them, are taken (a sid Rota never sent: nothing matched).
    expect(await post(form, signed)).toMatchObject({ status: 200, body: { received: 1, matched: 0 } });
  });

  /**
   * A raw push through node:http (fetch sets its own Host): its status, or 'waiting' when no answer came within
   * `waitMs` while its body is still owed (long where an answer is expected: a loaded machine is slow).
   */
  const rawPush = (path: string, headers: Record<string, string>, body?: string, waitMs = 10_000) =>
    new Promise<number | 'waiting'>((resolve) => {
      const finish = (outcome: number | 'waiting') => {
        clearTimeout(timer);
        request.destroy(); // the body it still owes is never sent: let the connection go
        resolve(outcome);
      };
      const request = http.request(`${gateway.url}${path}`, { method: 'POST', headers }, (response) => {
        response.resume();
        finish(response.statusCode!);
      });
      request.on('error', () => undefined); // destroyed by finish, while its body is owed
      if (body !== undefined) request.end(body);
      else request.write('{');
      const timer = setTimeout(() => finish('waiting'), waitMs);
    });

  it('refuses a push whose URL lacks its token (Message Center, Infobip), or that carries no signature (Twilio), before its body comes: no place among the pushes read is held', async () => {
    const promised = { 'content-type': 'application/json', 'content-length': '100000' };
    expect(await rawPush('/v1/providers/message-center/reports', promised)).toBe(401);
    expect(await rawPush('/v1/providers/infobip/reports?token=wrong', promised)).toBe(401);
    // Twilio signs the body: a push without any signature is refused before it too.
    expect(await rawPush('/v1/providers/twilio/reports', { ...promised, 'content-type': 'application/x-www-form-urlencoded' })).toBe(401);
    // With its token the push is read: it waits for its body.
    expect(await rawPush(`/v1/providers/infobip/reports?token=${INFOBIP_TOKEN}`, promised, undefined, 500)).toBe('waiting');
  });

  it("takes Twilio's callback through a proxy that ends TLS: signed for the https URL Twilio called, passed on as http with X-Forwarded-Proto", async () => {
    const form = new URLSearchParams({ MessageSid: `SM${'1'.repeat(32)}`, MessageStatus: 'delivered', To: '+905321234567' });
    const publicUrl = 'https://rota.example/v1/providers/twilio/reports';
    const signature = createHmac('sha1', TWILIO_TOKEN)
      .update(publicUrl + [...form.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => k + v).join(''))
      .digest('base64');
    const headers = { 'content-type': 'application/x-www-form-urlencoded', host: 'rota.example', 'x-twilio-signature': signature };
    expect(await rawPush('/v1/providers/twilio/reports', { ...headers, 'x-forwarded-proto': 'https' }, form.toString())).toBe(200);
    // Without the header the gateway sees http: not the URL Twilio signed.
    expect(await rawPush('/v1/providers/twilio/reports', headers, form.toString())).toBe(401);
  });
});
