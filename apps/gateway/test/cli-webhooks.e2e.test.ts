import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_SANDBOX_ACCOUNTS, figensoftSettingsFor, DEFAULT_SANDBOX_CONSENT, startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { runCli } from '../src/cli/run-cli.js';
import type { RunningGateway } from '../src/http/gateway-server.js';
import { startConfiguredGateway, type ConfiguredGateway } from './support/configured-gateway.js';
import { GatewayClient, NUMBERS, SECRETS } from './support/harness.js';
import { until } from '@rota/testkit';

// `rota webhooks …` against a gateway started from a configuration file (the
// real webhook wiring), with a receiver that answers 410 on one path until told
// otherwise, as a receiver that went away and came back would.

const RECEIVER_TOKEN = 'receiver-TOKEN-5e1c9a7b3d';

async function rota(argv: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('rota webhooks', () => {
  let served: ConfiguredGateway;
  let sandbox: Sandbox;
  let receiver: Server;
  let receiverUrl: string;
  /** The default receiver of the client: its URL carries a token, as some receivers' do. */
  let goneUrl: string;
  let goneAnswers = 410;
  const deliveries: { path: string; eventId: string }[] = [];
  let gateway: RunningGateway;
  let client: GatewayClient;
  const connect = (key: string) => ['--url', gateway.url, '--key', key];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        deliveries.push({ path: req.url ?? '', eventId: String(req.headers['rota-event-id']) });
        res.writeHead(req.url?.startsWith('/gone') ? goneAnswers : 204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    goneUrl = `${receiverUrl}/gone?token=${RECEIVER_TOKEN}`;
    sandbox = await startSandbox({ accounts: DEFAULT_SANDBOX_ACCOUNTS, consent: DEFAULT_SANDBOX_CONSENT, deliveryDelayMs: 50 });
    served = await startConfiguredGateway({
      providers: [
        {
          type: 'figensoft',
          settings: figensoftSettingsFor(sandbox.url),
        },
      ],
      gateway: {
        listen: { host: '127.0.0.1', port: 0 },
        apiKeys: [
          { name: 'campaign-service', key: SECRETS.apiKey, webhook: { url: goneUrl, secret: 'whsec-cli-0123456789abcdef0123456789', allowedUrls: [`${receiverUrl}/ok`] } },
          { name: 'billing', key: SECRETS.otherApiKey },
        ],
        adminToken: SECRETS.adminToken,
        webhooks: { allowHttp: true, allowedAddresses: ['127.0.0.1'] },
      },
      store: { kind: 'memory' },
    });
    ({ gateway, client } = served);
  });
  afterAll(async () => {
    await served.close();
    await sandbox.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  describe('redeliver', () => {
    it('sends an event again, same id: its client may, another client may not', async () => {
      const sent = await client.send({ to: NUMBERS.approved, text: 'tekrar', iysType: 'NOTIFICATION', callbackUrl: `${receiverUrl}/ok/1` });
      expect(sent.body.status).toBe('accepted');
      const first = await until(() => deliveries.find((d) => d.path === '/ok/1'), 'the first delivery');

      const r = await rota(['webhooks', 'redeliver', first.eventId, ...connect(SECRETS.apiKey)]);
      expect(r).toEqual({ code: 0, out: `${first.eventId}: due again; the gateway sends it on its next round`, err: '' });
      await until(() => (deliveries.filter((d) => d.eventId === first.eventId).length === 2 ? true : undefined), 'the redelivery');

      const json = await rota(['webhooks', 'redeliver', first.eventId, '--json', ...connect(SECRETS.adminToken)]);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.out)).toEqual({ id: first.eventId, status: 'pending' });

      const other = await rota(['webhooks', 'redeliver', first.eventId, ...connect(SECRETS.otherApiKey)]);
      expect(other.code).toBe(1);
      expect(other.err).toContain('404 not-found');
      expect((await rota(['webhooks', 'redeliver', 'evt_none', ...connect(SECRETS.apiKey)])).code).toBe(1);
    });
  });

  describe('endpoints and enable', () => {
    it('lists a receiver switched off by its 410 without the token in its URL; --json has it whole', async () => {
      const sent = await client.send({ to: NUMBERS.other, text: 'gitti', iysType: 'NOTIFICATION' });
      expect(sent.body.status).toBe('accepted');
      await until(() => deliveries.find((d) => d.path.startsWith('/gone')), 'the delivery answered 410');

      const table = await until(async () => {
        const r = await rota(['webhooks', 'endpoints', ...connect(SECRETS.adminToken)]);
        return r.out.includes('/gone') ? r : undefined;
      }, 'the receiver switched off');
      expect(table.code).toBe(0);
      const [header, row] = table.out.split('\n');
      expect(header).toMatch(/^URL +DISABLED AT +HELD +REASON$/);
      expect(row).toMatch(new RegExp(`^${receiverUrl}/gone\\?… +\\d{4}-\\d\\d-\\d\\dT\\S+Z +1 +the receiver answered 410 Gone$`));
      expect(table.out).not.toContain(RECEIVER_TOKEN);

      const json = await rota(['webhooks', 'endpoints', '--json', ...connect(SECRETS.adminToken)]);
      expect(JSON.parse(json.out)).toEqual({ disabled: [expect.objectContaining({ url: goneUrl, held: 1 })] });

      // Its held event is not redelivered around the switch: turning the receiver on sends it.
      const held = deliveries.find((d) => d.path.startsWith('/gone'))!;
      const redeliver = await rota(['webhooks', 'redeliver', held.eventId, ...connect(SECRETS.adminToken)]);
      expect(redeliver.code).toBe(1);
      expect(redeliver.err).toContain('409 endpoint-disabled');
      expect(redeliver.err).toContain('turning it back on');
    });

    it('turns it back on, and its held events go out', async () => {
      goneAnswers = 204;
      const before = deliveries.filter((d) => d.path.startsWith('/gone')).length;
      // Written as an operator may type it: the URL parser's form is what was switched off.
      const r = await rota(['webhooks', 'enable', goneUrl.replace(/^http:/, 'HTTP:'), ...connect(SECRETS.adminToken)]);
      expect(r).toEqual({ code: 0, out: expect.stringMatching(/\/gone\?…: on again; 1 held event\(s\) released$/), err: '' });
      await until(() => (deliveries.filter((d) => d.path.startsWith('/gone')).length > before ? true : undefined), 'the released event');
      expect((await rota(['webhooks', 'endpoints', ...connect(SECRETS.adminToken)])).out).toBe('no receiver is switched off');
    });

    it('refuses to enable a URL that is not switched off (a typo changes nothing), exit 1', async () => {
      const r = await rota(['webhooks', 'enable', `${receiverUrl}/gnoe?token=${RECEIVER_TOKEN}`, ...connect(SECRETS.adminToken)]);
      expect(r.code).toBe(1);
      expect(r.err).toBe(`rota: ${receiverUrl}/gnoe?… is not a switched-off receiver; nothing was changed (rota webhooks endpoints lists them)`);
    });

    it('the enable endpoint says what is wrong with its url: missing, or not a string', async () => {
      const client = new GatewayClient(gateway.url);
      for (const [json, reason] of [
        [{}, 'is required (the receiver URL)'],
        [{ url: 123 }, 'must be a string (the receiver URL)'],
        [{ url: '' }, 'must not be empty'],
      ] as const) {
        const answer = await client.call('POST', '/v1/webhooks/endpoints/enable', { key: SECRETS.adminToken, json });
        expect(answer).toMatchObject({ status: 400, body: { issues: [{ path: 'url', reason }] } });
      }
    });

    it('the enable endpoint answers 404 not-disabled for a URL that is not switched off, and changes nothing', async () => {
      const client = new GatewayClient(gateway.url);
      for (const url of ['not a url', `${receiverUrl}/never-switched-off`]) {
        const answer = await client.call('POST', '/v1/webhooks/endpoints/enable', { key: SECRETS.adminToken, json: { url } });
        expect(answer).toMatchObject({ status: 404, body: { error: 'not-disabled' } });
      }
    });

    it('exit 1 with the gateway\'s words for a send key: both are the admin\'s', async () => {
      for (const argv of [['webhooks', 'endpoints'], ['webhooks', 'enable', goneUrl]]) {
        const r = await rota([...argv, ...connect(SECRETS.apiKey)]);
        expect({ argv, code: r.code }).toEqual({ argv, code: 1 });
        expect(r.err).toContain('403');
      }
    });
  });

  it.each([
    [['webhooks'], 'webhooks needs a subcommand: redeliver, endpoints, enable'],
    [['webhooks', 'purge'], 'unknown webhooks subcommand "purge"'],
    [['webhooks', 'redeliver'], 'exactly one EVENT_ID'],
    [['webhooks', 'redeliver', 'a', 'b'], 'exactly one EVENT_ID'],
    [['webhooks', 'enable'], 'exactly one URL'],
    [['webhooks', 'endpoints', 'x'], 'takes no arguments'],
    [['webhooks', 'endpoints', '--bogus'], '--bogus'],
    [['webhooks', 'endpoints', '--url', 'http://127.0.0.1:1'], '--key'],
  ])('%j → exit 2 naming %s', async (argv, words) => {
    const r = await rota(argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(words);
  });

  it('exit 1 when no gateway answers', async () => {
    const r = await rota(['webhooks', 'endpoints', '--url', 'http://127.0.0.1:1', '--key', 'k']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('cannot reach the gateway');
  });
});
