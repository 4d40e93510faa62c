/**
 * @module testing/tcp-proxy — a TCP hop between Groupgate and its database that a test can take down: every
 * connection cut and new ones refused, as when the database server stops or its host is unreachable, then up again
 * on the same port; or connections left stale, cut on the far side without a word, as after a failover or a NAT
 * timeout. Nothing else on the machine is touched: other runs keep using the database directly.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

interface Link {
  client: Socket;
  upstream: Socket;
}

export class TcpProxy {
  readonly #target: { host: string; port: number };
  readonly #links = new Set<Link>();
  #server: Server | undefined;
  #port = 0;

  private constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await proxy.accept();
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  /** Listens (again, on the same port once it has one) and forwards each connection to the target. */
  async accept(): Promise<void> {
    if (this.#server !== undefined) return;
    const server = createServer((client) => {
      const upstream = createConnection(this.#target);
      const link = { client, upstream };
      this.#links.add(link);
      for (const socket of [client, upstream]) {
        socket.on('error', () => undefined);
        socket.on('close', () => {
          this.#links.delete(link);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Cuts every connection and refuses new ones. */
  async refuse(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const { client, upstream } of this.#links) {
      client.destroy();
      upstream.destroy();
    }
    this.#links.clear();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Ends every connection on the database's side only: each client learns it is gone when it next sends something,
   * and then only that the connection was reset. New connections are served as before.
   */
  leaveStale(): void {
    for (const link of this.#links) {
      const { client, upstream } = link;
      this.#links.delete(link);
      client.unpipe(upstream);
      upstream.unpipe(client);
      upstream.removeAllListeners('close');
      client.removeAllListeners('close');
      upstream.destroy();
      client.once('data', () => client.resetAndDestroy());
      client.resume();
    }
  }

  close(): Promise<void> {
    return this.refuse();
  }
}
