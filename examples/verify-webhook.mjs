// node examples/verify-webhook.mjs — after a build. A receiver of Rota's webhooks:
// `receiveWebhook` is what your service runs on each delivery. Run alone, this file
// starts such a receiver on a free loopback port, posts it a sample event signed the
// way Rota signs, then a tampered copy, a replay and the same event again, prints what
// the receiver answered each time, and exits 0 when every answer was the right one.
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { signWebhook, verifyWebhook } from '@rota/webhook';

/**
 * One delivery: `rawBody` exactly as received (the bytes, not JSON parsed and written
 * again: the signature is over them), `headers` as Node gives them (lower-case names),
 * `secret` your API client's signing secret. Answers the HTTP status to send back and,
 * for an event to act on, the event. `seen` holds the event ids already handled:
 * delivery is at least once, so the same event may come twice. (The body's `id` is
 * signed; the Rota-Event-Id header carries the same id, unsigned.)
 */
export function receiveWebhook(rawBody, headers, secret, seen) {
  const check = verifyWebhook(rawBody, headers['rota-signature'], secret);
  // 400, not 410: a 410 tells Rota to stop sending to this URL altogether.
  if (!check.ok) return { status: 400, refused: check.reason }; // bad-signature, too-old, too-new, malformed-header
  const event = JSON.parse(rawBody);
  if (seen.has(event.id)) return { status: 200, duplicate: event.id };
  seen.add(event.id);
  return { status: 200, event };
}

/** A node:http receiver around receiveWebhook. In your service: your framework's route, with its raw body. */
function startReceiver(secret) {
  const seen = new Set();
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const { status, event, ...said } = receiveWebhook(Buffer.concat(chunks).toString('utf8'), request.headers, secret, seen);
      // Act on the event here (by event.type), or queue it and answer at once: Rota waits for the answer.
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(event ? { received: event.type } : said));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function demo() {
  // Your API client's secret is gateway.apiKeys[].webhook.secret in Rota's configuration.
  const secret = process.env.ROTA_WEBHOOK_SECRET ?? 'whsec-demo-0123456789abcdef0123456789';
  const server = await startReceiver(secret);
  const url = `http://127.0.0.1:${server.address().port}/rota`;
  const body = JSON.stringify({
    id: 'evt_demo_1',
    type: 'message.delivered',
    createdAt: new Date().toISOString(),
    data: { messageId: 'msg_demo', to: '+905321234567', status: 'accepted', delivery: { state: 'delivered', final: true } },
  });
  const post = async (payload, signature) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'rota-signature': signature, 'rota-event-id': 'evt_demo_1' }, body: payload });
    return { status: response.status, ...(await response.json()) };
  };
  const anHourAgo = Math.floor(Date.now() / 1000) - 3_600;
  const cases = [
    ['signed by Rota', () => post(body, signWebhook(body, secret)), 200, (a) => a.received],
    ['body changed on the way', () => post(body.replace('"delivered"', '"undelivered"'), signWebhook(body, secret)), 400, (a) => a.refused],
    ['signed with another secret', () => post(body, signWebhook(body, 'not-the-secret-0123456789abcdef0123')), 400, (a) => a.refused],
    ['replayed an hour later', () => post(body, signWebhook(body, secret, anHourAgo)), 400, (a) => a.refused],
    ['the same event again', () => post(body, signWebhook(body, secret)), 200, (a) => (a.duplicate ? `duplicate of ${a.duplicate}, not acted on` : undefined)],
  ];
  let wrong = 0;
  try {
    for (const [what, send, expected, detail] of cases) {
      const answer = await send();
      if (answer.status !== expected) wrong++;
      console.log(`${what.padEnd(28)} → ${answer.status} ${detail(answer) ?? ''}${answer.status === expected ? '' : `  (expected ${expected})`}`);
    }
  } finally {
    server.close();
  }
  process.exitCode = wrong === 0 ? 0 : 1;
}

// Imported, this file only offers receiveWebhook; run, it shows it at work.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await demo();
