import { createServer, connect, type Server, type Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
}

/**
 * A TCP proxy on loopback in front of a server (the database), which a test
 * can break in the two ways a network does:
 * - `cut()`: every connection dropped, new ones refused (the server went
 *   away; the client sees it at once);
 * - `silence()`: every connection, open or new, goes quiet but stays open
 *   (a path that drops packets without a reset; the client sees nothing and
 *   must notice by itself).
 * `restore()` forwards new connections again, on the same port; a silenced
 * connection stays silent, as one across a real outage would.
 */
export class TcpProxy {
  #server: Server | undefined;
  readonly #pairs = new Set<Pair>();
  #silent = false;
  #port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  get port(): number {
    return this.#port;
  }

  /** Connections the proxy holds silent that their client has not closed yet. */
  get silentConnections(): number {
    return [...this.#pairs].filter((pair) => pair.upstream === undefined).length;
  }

  async start(): Promise<void> {
    const server = createServer((client) => this.#accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  /** Drops every connection and refuses new ones. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const pair of this.#pairs) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  /** Stops forwarding without closing anything: open connections and new ones alike get no answer. */
  silence(): void {
    this.#silent = true;
    for (const pair of this.#pairs) this.#mute(pair);
  }

  /** Forwards new connections again (restarting the listener after a cut). */
  async restore(): Promise<void> {
    this.#silent = false;
    if (!this.#server) await this.start();
  }

  stop(): Promise<void> {
    return this.cut();
  }

  #accept(client: Socket): void {
    const pair: Pair = { client, upstream: undefined };
    this.#pairs.add(pair);
    client.on('close', () => {
      this.#pairs.delete(pair);
      pair.upstream?.destroy();
    });
    client.on('error', () => client.destroy());
    if (this.#silent) {
      client.resume();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    pair.upstream = upstream;
    upstream.on('close', () => client.destroy());
    upstream.on('error', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  }

  /** What the client sends from now on goes nowhere, and nothing comes back; the server's side is closed, as a server would after its own timeout. */
  #mute(pair: Pair): void {
    const { client, upstream } = pair;
    if (!upstream) return;
    pair.upstream = undefined;
    client.unpipe(upstream);
    upstream.unpipe(client);
    upstream.removeAllListeners('close');
    upstream.destroy();
    client.resume();
  }
}
