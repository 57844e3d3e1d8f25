// The four new provider clients — Message Center, Mobildev, Infobip, Twilio — each
// through the router against its wire in the sandbox, side by side with a bare undici
// Pool sending identical requests to the same sandbox, in one run. Single sends at 16
// in flight for every provider; bulk (1,000 numbers a request, 4 in flight) where the
// wire takes many numbers (Message Center, Mobildev, Infobip; Twilio takes one).
// Run: pnpm bench:providers
import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import * as core from '@rota/core';
import { createInfobipProvider } from '@rota/infobip';
import { createMessageCenterProvider } from '@rota/message-center';
import { createMobildevProvider } from '@rota/mobildev';
import { analyzeText } from '@rota/provider';
import { startRecordingServer } from '@rota/testkit';
import { createTwilioProvider } from '@rota/twilio';
import { Pool } from 'undici';
import { concurrent, paired, printTable } from '../lib/measure.js';
import { placement, rerunPinned } from '../lib/pin-cores.js';
import { startSandboxProcess } from '../lib/sandbox-process.js';

rerunPinned(fileURLToPath(import.meta.url));

const SINGLE_PER_ROUND = Number(process.env.BENCH_SINGLE_PER_ROUND ?? 2_000);
const BULK_PER_ROUND = Number(process.env.BENCH_BULK_PER_ROUND ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 11);
const ONLY = process.env.BENCH_ONLY; // 'single' or 'bulk'
const PROVIDERS = (process.env.BENCH_PROVIDERS ?? 'message-center,mobildev,infobip,twilio').split(',');
const IN_FLIGHT = 16;
const BULK = 1_000;
const BULK_IN_FLIGHT = 4;
const CONNECTIONS = 64;
const TEXT = 'Doğrulama kodunuz: 482913';

const TWILIO_SID = `AC${'be'.repeat(16)}`;
const ACCOUNTS = {
  mc: { key: 'bench-mc-key', hash: 'bench-mc-hash' },
  md: { username: 'bench-md', companyCode: '1', password: 'bench-md-pw' },
  ib: { apiKey: 'bench-ib-key' },
  tw: { accountSid: TWILIO_SID, authToken: 'bench-tw-token' },
};
const WIRES = {
  // Numbers are reused round after round: Message Center's duplicate-order check (451) is off.
  messageCenter: { accounts: [{ ...ACCOUNTS.mc, senders: ['ROTA'], credit: 1e12 }], duplicateWindowMs: 0 },
  mobildev: { accounts: [{ username: `${ACCOUNTS.md.username}-${ACCOUNTS.md.companyCode}`, password: ACCOUNTS.md.password, senders: ['ROTA'], credit: 1e12 }] },
  infobip: { accounts: [{ name: 'bench', apiKey: ACCOUNTS.ib.apiKey, senders: ['ROTA'], balance: 1e12 }] },
  twilio: { accounts: [{ accountSid: TWILIO_SID, authToken: ACCOUNTS.tw.authToken, senders: ['ROTA'], balance: 1e12 }] },
};

// ---------------------------------------------------------------------------
// Rota's side: the router over one provider, built from the packages' dist.

function rotaProvider(id, urls) {
  switch (id) {
    case 'message-center':
      return createMessageCenterProvider({ baseUrl: urls.messageCenter, connections: CONNECTIONS, accounts: [{ ...ACCOUNTS.mc, sender: 'ROTA', iysTypes: ['NOTIFICATION'] }] });
    case 'mobildev':
      return createMobildevProvider({ baseUrl: urls.mobildev, connections: CONNECTIONS, accounts: [{ ...ACCOUNTS.md, senderList: ['ROTA'], smsIysMessageType: 'NOTIFICATION' }] });
    case 'infobip':
      return createInfobipProvider({ connections: CONNECTIONS, accounts: [{ ...ACCOUNTS.ib, from: 'ROTA', baseUrl: urls.infobip }] });
    case 'twilio':
      return createTwilioProvider({ ...ACCOUNTS.tw, fromAddresses: ['ROTA'], baseUrl: urls.twilio, connections: CONNECTIONS });
    default:
      throw new Error(`no provider ${id}`);
  }
}

// ---------------------------------------------------------------------------
// The bare side: an undici Pool and the same request bytes, written here by hand.

const shift = analyzeText(TEXT).shift; // worked out once, outside every timed loop
const language = shift === 'locking' ? '{"languageCode":"TR","lockingShift":true}' : '{"languageCode":"TR","singleShift":true}';
let bareIds = 0;

const bareRequests = {
  'message-center': (numbers) => ({
    method: 'POST',
    path: '/message-center/v1/send-sms/json',
    headers: { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' },
    body: JSON.stringify({
      request: {
        authentication: ACCOUNTS.mc,
        order: { sender: 'ROTA', sendDateTime: '', iys: '0', message: { text: TEXT, receipents: { number: numbers } } },
      },
    }),
    check: (status, text) => status === 200 && JSON.parse(text).response.order.id,
  }),
  mobildev: (numbers) => ({
    method: 'POST',
    path: '/mobildev',
    headers: { 'content-type': 'application/xml; charset=utf-8', accept: 'text/plain' },
    body:
      `<MainmsgBody><UserName>${ACCOUNTS.md.username}-${ACCOUNTS.md.companyCode}</UserName><PassWord>${ACCOUNTS.md.password}</PassWord><Action>0</Action>` +
      `<Mesgbody><![CDATA[${TEXT}]]></Mesgbody><Numbers>${numbers.join(',')}</Numbers><AccountId></AccountId><Originator>ROTA</Originator>` +
      `<SDate></SDate><EDate></EDate><Encoding>1</Encoding><MessageType>N</MessageType></MainmsgBody>`,
    check: (status, text) => status === 200 && /^ID:\d+$/.test(text.trim()),
  }),
  infobip: (numbers) => {
    const bulkId = `bare-${(bareIds++).toString(36)}`;
    const destinations = numbers.map((to, i) => `{"to":"${to}","messageId":"${bulkId}-${i.toString(36)}"}`).join(',');
    return {
      method: 'POST',
      path: '/infobip/sms/3/messages',
      headers: { authorization: `App ${ACCOUNTS.ib.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
      body:
        `{"messages":[{"sender":"ROTA","destinations":[${destinations}],"content":{"text":${JSON.stringify(TEXT)},"language":${language}},` +
        `"webhooks":{"contentType":"application/json","callbackData":"infobip-ROTA-notification"}}],"options":{"includeSmsCountInResponse":true,"schedule":{"bulkId":"${bulkId}"}}}`,
      check: (status, text) => status === 200 && JSON.parse(text).messages.every((m) => m.status.groupId === 1),
    };
  },
  twilio: (numbers) => ({
    method: 'POST',
    path: `/twilio/2010-04-01/Accounts/${TWILIO_SID}/Messages.json`,
    headers: {
      authorization: `Basic ${Buffer.from(`${TWILIO_SID}:${ACCOUNTS.tw.authToken}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: new URLSearchParams({ To: `+${numbers[0]}`, From: 'ROTA', Body: TEXT }).toString(),
    check: (status, text) => status === 201 && JSON.parse(text).sid,
  }),
};

async function bareSend(pool, id, numbers) {
  const { check, ...request } = bareRequests[id](numbers);
  const { statusCode, body } = await pool.request(request);
  const text = await body.text();
  if (!check(statusCode, text)) throw new Error(`bare ${id}: ${statusCode} ${text.slice(0, 120)}`);
}

// ---------------------------------------------------------------------------
// Identical requests: one send of each side to a recording server, bodies compared.

async function checkIdentical(id) {
  const recorder = await startRecordingServer(() => ({ status: id === 'twilio' ? 201 : 200, body: '{}' }));
  const prefix = { 'message-center': '/message-center', mobildev: '/mobildev', infobip: '/infobip', twilio: '/twilio' }[id];
  const urls = { messageCenter: `${recorder.origin}/message-center`, mobildev: `${recorder.origin}/mobildev`, infobip: `${recorder.origin}/infobip`, twilio: `${recorder.origin}/twilio` };
  const provider = rotaProvider(id, urls);
  const selection = provider.select({ iysType: 'NOTIFICATION', recipientType: 'BIREYSEL', otp: false, text: TEXT, analysis: analyzeText(TEXT), sender: 'ROTA' });
  await provider.send({ accountId: selection.accountId, sender: 'ROTA', text: TEXT, analysis: analyzeText(TEXT), iysType: 'NOTIFICATION', recipientType: 'BIREYSEL', recipients: ['+905320000001'], otp: false }).catch(() => undefined);
  const pool = new Pool(recorder.origin);
  const { check: _check, ...request } = bareRequests[id](['905320000001']);
  await (await pool.request(request)).body.text();
  await pool.close();
  await provider.close();
  await recorder.close();
  const [rota, bare] = recorder.requests;
  // Infobip's ids are each side's own.
  const same = (r) => ({ path: r.url.slice(prefix.length) || '/', type: r.headers['content-type'], body: r.body.toString().replace(/"(bulkId|messageId)":"[^"]*"/g, '"$1":"…"') });
  const a = same(rota);
  const b = same(bare);
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${id}: the bare request differs from rota's\n rota: ${JSON.stringify(a)}\n bare: ${JSON.stringify(b)}`);
}

// ---------------------------------------------------------------------------

for (const id of PROVIDERS) await checkIdentical(id);

const sandbox = await startSandboxProcess({ wires: WIRES });
const origin = new URL(sandbox.url).origin;
const urls = { messageCenter: `${origin}/message-center`, mobildev: `${origin}/mobildev`, infobip: `${origin}/infobip`, twilio: `${origin}/twilio` };

// The numbers, made once as a caller holds them (see bench/figensoft/rota-side.js): wire
// digits for the bare client, E.164 parsed from JSON for rota.
let nextNumber = 0;
function numbers(count) {
  const wire = Array.from({ length: count }, () => `90532${String(nextNumber++ % 10_000_000).padStart(7, '0')}`);
  return { wire, e164: JSON.parse(JSON.stringify(wire.map((n) => `+${n}`))) };
}
const inChunks = (list, size) => Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));
const singleNumbers = numbers(SINGLE_PER_ROUND);
const bulkNumbers = numbers(BULK_PER_ROUND * BULK);
const bulkLists = { bare: inChunks(bulkNumbers.wire, BULK), rota: inChunks(bulkNumbers.e164, BULK) };

const rows = [];
const row = (label, perUnit, { a, b, medianRatio, lowestRatio, highestRatio, medianCpuRatio }) => ({
  case: label,
  'bare /s': a.perSecond * perUnit,
  'rota /s': b.perSecond * perUnit,
  'median round ratio': medianRatio.toFixed(2),
  range: `${lowestRatio.toFixed(2)}–${highestRatio.toFixed(2)}`,
  'CPU µs bare / rota': `${(a.cpuMicrosEach / perUnit).toFixed(perUnit > 1 ? 3 : 1)} / ${(b.cpuMicrosEach / perUnit).toFixed(perUnit > 1 ? 3 : 1)}`,
  'CPU ratio (median)': medianCpuRatio.toFixed(2),
});

for (const id of PROVIDERS) {
  const provider = rotaProvider(id, urls);
  const router = core.createRouter({ providers: [{ provider, rank: 1 }] });
  const pool = new Pool(origin, { connections: CONNECTIONS, pipelining: 1 });
  const single = (count, side) =>
    side === 'bare'
      ? concurrent(count, IN_FLIGHT, (i) => bareSend(pool, id, [singleNumbers.wire[i]]))
      : concurrent(count, IN_FLIGHT, async (i) => {
          const r = await router.send({ to: singleNumbers.e164[i], text: TEXT, iysType: 'NOTIFICATION', sender: 'ROTA' });
          if (r.status !== 'accepted') throw new Error(`rota ${id}: ${r.status} ${r.reason ?? ''}`);
        });
  const bulk = (requests, side) =>
    side === 'bare'
      ? concurrent(requests, BULK_IN_FLIGHT, (i) => bareSend(pool, id, bulkLists.bare[i]))
      : concurrent(requests, BULK_IN_FLIGHT, async (i) => {
          const results = await router.sendBulk({ to: bulkLists.rota[i], text: TEXT, iysType: 'NOTIFICATION', sender: 'ROTA' });
          if (results.some((r) => r.status !== 'accepted')) throw new Error(`rota ${id} bulk: not all accepted`);
        });
  const hasBulk = provider.capabilities.maxRecipientsPerRequest >= BULK;

  if (ONLY !== 'bulk') {
    await single(Math.min(1_000, SINGLE_PER_ROUND), 'rota');
    await single(Math.min(1_000, SINGLE_PER_ROUND), 'bare');
    const result = await paired(ROUNDS, () => single(SINGLE_PER_ROUND, 'bare'), () => single(SINGLE_PER_ROUND, 'rota'));
    rows.push(row(`${id}: single sends (msg/s), ${IN_FLIGHT} in flight`, 1, result));
  }
  if (ONLY !== 'single' && hasBulk) {
    await bulk(Math.min(10, BULK_PER_ROUND), 'rota');
    await bulk(Math.min(10, BULK_PER_ROUND), 'bare');
    const result = await paired(ROUNDS, () => bulk(BULK_PER_ROUND, 'bare'), () => bulk(BULK_PER_ROUND, 'rota'));
    rows.push(row(`${id}: bulk (recipients/s), ${BULK} a request, ${BULK_IN_FLIGHT} in flight`, BULK, result));
  }
  await router.close();
  await provider.close();
  await pool.close();
}

console.log(`node ${process.version}; sandbox in a child process at ${origin}; ${placement()}; ${CONNECTIONS} connections; ${ROUNDS} alternating rounds per case; requests checked identical before timing`);
printTable('Provider clients: router + client vs. bare undici Pool, same sandbox, same run', rows);
await sandbox.stop();
