// Regression (found by bench/failover, scenario figensoft-hang): requests given
// up while still queued in the pool (the service hung, every connection busy)
// were stopped with undici's abort, which destroys the connection they were
// about to be written on. After a hang, each of them cost a fresh connection in
// turn, and new requests waited behind that churn — and timed out as well.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFigenSoftClient, FigenSoftCredentials, FigenSoftTransportError } from '../src/index.js';

const OK_BODY = '{"StatusCode":200,"StatusDescription":"ok","Result":[{"MessageId":"m-1","Receiver":"905321234567","Charge":1}]}';

/** A FigenSoft stand-in that holds every request while `hanging`, and counts connections and requests. */
async function hangingServer() {
  const state = { hanging: true, connections: 0, received: 0, held: [] as ServerResponse[] };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.received += 1;
      if (state.hanging) return void state.held.push(res);
      res.setHeader('content-type', 'application/json');
      res.end(OK_BODY);
    });
  });
  server.on('connection', () => (state.connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api_json`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { state, url, close };
}

it('requests given up while queued cost no connection, and the pool serves fresh requests once the service is back', async () => {
  const far = await hangingServer();
  const connections = 4;
  const client = createFigenSoftClient({ baseUrl: far.url, connections });
  const credentials = new FigenSoftCredentials('u', 'p');
  const send = () =>
    client.send1N({ credentials, message: 'Kodunuz 1234', receivers: ['+905321234567'] }, { signal: AbortSignal.timeout(300) }).then(
      () => 'ok',
      (error: unknown) => (error instanceof FigenSoftTransportError ? error.failure : 'other'),
    );

  // The service hangs: a few requests are written and hang, the rest queue and are given up.
  const outcomes = await Promise.all(Array.from({ length: 200 }, send));
  const written = outcomes.filter((o) => o === 'aborted-after-write').length;
  expect(outcomes.filter((o) => o === 'aborted-before-write').length).toBeGreaterThan(100);
  // "before write" means it: the service never saw those.
  expect(far.state.received).toBeLessThanOrEqual(written);

  // The service is back.
  far.state.hanging = false;
  for (const res of far.state.held) res.destroy();
  const connectionsBefore = far.state.connections;
  const fresh = await Promise.all(Array.from({ length: 20 }, send));
  expect(fresh).toEqual(Array.from({ length: 20 }, () => 'ok'));
  // Reconnecting the pool takes a few connections, not one per abandoned request (that was ~190).
  expect(far.state.connections - connectionsBefore).toBeLessThanOrEqual(3 * connections);

  await client.close();
  await far.close();
});
