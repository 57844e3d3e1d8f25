// A webhook receiver for the benchmark: reads each POST's body whole and answers
// 204, as a receiver that queues the event and answers at once does. Run by
// receiver-process.js in a child process (the far end of the delivery benchmark).
import { createServer } from 'node:http';

let received = 0;
const server = createServer((request, response) => {
  request.on('data', () => {});
  request.on('end', () => {
    received++;
    response.writeHead(204).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: server.address().port });
});
// The parent asks how many arrived (the benchmark checks every delivery landed), or ends us by closing the channel.
process.on('message', (message) => {
  if (message === 'count') process.send?.({ received });
});
process.on('disconnect', () => process.exit(0));
