import { createServer, type AddressInfo } from 'node:net';

/**
 * A loopback port nothing listens on right now, for a server a test starts in
 * another process (one in this process listens on port 0 instead). Another
 * process may take it before the test does; on a test machine that is rare.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
