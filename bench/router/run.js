// Router overhead: messages/s and µs per message through Rota's whole send path
// (validation, phone normalisation, encoding, breaker, retry wrapper, trail),
// side by side with calling the same fake provider directly and with
// notifme-sdk's fallback strategy over the same fakes. Run: pnpm bench:router
import 'reflect-metadata';
import { analyzeText, ProviderError } from '@rota/provider';
import { createRouter } from '@rota/core';
import notifmeModule from 'notifme-sdk';
import { best, concurrent, printTable, sequential } from '../lib/measure.js';
import { benchRouter, instantProvider, messageAt, TEXTS } from './instant-provider.js';

const NotifmeSdk = notifmeModule.default; // a CommonJS module with an ES default export
const COUNT = Number(process.env.BENCH_COUNT ?? 200_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const instant = (id, options = {}) => instantProvider(id, { ...options, ProviderError });
const texts = TEXTS;

function notifme(failover) {
  const sdk = new NotifmeSdk({
    channels: {
      sms: {
        multiProviderStrategy: 'fallback',
        providers: [
          { type: 'custom', id: 'first', send: async () => { if (failover) throw new Error('down'); return 'first-id'; } },
          { type: 'custom', id: 'second', send: async () => 'second-id' },
        ],
      },
    },
  });
  sdk.logger.configure({ silent: true }); // its mute() leaks memory
  return sdk;
}

async function scenario(name, failover) {
  const router = benchRouter(createRouter, ProviderError, failover);
  const sdk = notifme(failover);
  const direct = instant('direct');
  const request = { accountId: 'direct-notification', sender: 'ROTA', text: texts[0], analysis: analyzeText(texts[0]), iysType: 'NOTIFICATION', recipientType: 'BIREYSEL', recipients: ['+905321234567'], otp: false };

  // Every result is checked: a benchmark that measures failures is worthless.
  const viaRota = async (i) => {
    const r = await router.send(messageAt(i));
    if (r.status !== 'accepted') throw new Error(`rota: ${r.status} ${r.reason ?? ''}`);
  };
  const viaNotifme = async (i) => {
    const m = messageAt(i);
    const r = await sdk.send({ sms: { from: 'ROTA', to: m.to, text: m.text } });
    if (r.status !== 'success') throw new Error(`notifme: ${JSON.stringify(r.errors)}`);
  };
  const viaDirect = async () => {
    const r = await direct.send(request);
    if (r.receipts.length !== 1) throw new Error('direct: no receipt');
  };

  await sequential(20_000, viaRota); // warm up the JIT for all three
  await sequential(20_000, viaNotifme);
  await sequential(20_000, viaDirect);

  const rows = [];
  for (const [mode, run] of [
    ['sequential', (fn) => sequential(COUNT, fn)],
    ['1,000 in flight', (fn) => concurrent(COUNT, 1_000, fn)],
  ]) {
    const rota = await best(RUNS, () => run(viaRota));
    const notif = await best(RUNS, () => run(viaNotifme));
    const bare = await best(RUNS, () => run(viaDirect));
    rows.push({ case: `${mode}: provider called directly`, 'msg/s': bare.perSecond, 'µs/msg': bare.microsEach });
    rows.push({ case: `${mode}: rota router`, 'msg/s': rota.perSecond, 'µs/msg': rota.microsEach, 'vs notifme': `${(notif.microsEach / rota.microsEach).toFixed(2)}x faster` });
    rows.push({ case: `${mode}: notifme-sdk fallback`, 'msg/s': notif.perSecond, 'µs/msg': notif.microsEach });
  }
  printTable(name, rows);
  await router.close();
}

console.log(`node ${process.version}, ${COUNT.toLocaleString('en-US')} messages per run, best of ${RUNS}`);
// BENCH_ONLY=accept|failover runs one scenario (each in a fresh process is the least disturbed).
const only = process.env.BENCH_ONLY;
if (only !== 'failover') await scenario('Rank 1 accepts', false);
if (only !== 'accept') await scenario('Failover: rank 1 fails with provider-unavailable, rank 2 accepts', true);
