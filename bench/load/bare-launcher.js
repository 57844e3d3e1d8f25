// The bare side the gateway is measured against, in its own process like the
// gateway (started by bare-process.js with an IPC channel): a fastify route (the
// gateway's fastify version) that does the least the gateway's POST /v1/messages
// must do, and nothing else.
//
//   POST /v1/messages            fastify's JSON parse; the FigenSoft Send_1_N body for the
//                                message's account (by iysType), posted through an undici
//                                Pool to the sandbox; the answer read; 202 with the
//                                provider's message id.
//   ... with Prefer: respond-async   the same JSON parse, then 202 with a random id at once.
//
// No authentication, validation, number normalisation, encoding analysis, ledger,
// router, metrics or logs: the ratio against this is what those cost.
// Usage: node bench/load/bare-launcher.js '{"sandboxUrl":…,"accounts":[…],"connections":64}'   (fork()ed)
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { Pool } from 'undici';
import { requireIpc, serveBenchIpc, startEventLoopMonitor } from '../lib/launcher-ipc.js';

requireIpc('usage: fork(bare-launcher.js, [SETTINGS_JSON]) with an IPC channel');
const { sandboxUrl, accounts, connections } = JSON.parse(process.argv[2] ?? '{}');

const loopDelay = startEventLoopMonitor();
const sandbox = new URL(sandboxUrl);
const pool = new Pool(sandbox.origin, { connections, pipelining: 1 });
const sendPath = `${sandbox.pathname}/v1/Sms/Send_1_N`;
const accountOf = new Map(accounts.map((a) => [a.iysType, a]));
const headers = { 'content-type': 'application/json; charset=utf-8' };

const app = Fastify({ logger: false });
app.post('/v1/messages', async (request, reply) => {
  const message = request.body;
  if (request.headers.prefer?.includes('respond-async')) return reply.code(202).send({ id: randomUUID(), status: 'queued' });
  const account = accountOf.get(message.iysType);
  if (!account || typeof message.to !== 'string') return reply.code(400).send({ error: 'invalid-request' });
  const { statusCode, body } = await pool.request({
    method: 'POST',
    path: sendPath,
    headers,
    body: JSON.stringify({ Username: account.username, Password: account.password, Message: message.text, Receivers: [message.to.slice(1)], Originator: account.senders[0] }),
  });
  const answer = await body.json();
  if (statusCode !== 200 || answer.StatusCode !== 200) return reply.code(503).send({ status: 'failed', providerStatus: answer.StatusCode });
  return reply.code(202).send({ status: 'accepted', providerMessageId: answer.Result[0].MessageId });
});

const url = await app.listen({ host: '127.0.0.1', port: 0 });
serveBenchIpc({
  url,
  loopDelay,
  close: async () => {
    await app.close();
    await pool.close();
  },
});
