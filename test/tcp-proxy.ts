import net from "node:net";

/**
 * A TCP proxy to a database that a test can take away and bring back, to see what a process does
 * when its database stops answering, without disturbing the database other tests share.
 */
export interface TcpProxy {
  port: number;
  /** Refuses new connections and cuts the open ones, as a database going away does. */
  down(): Promise<void>;
  /** Keeps connections open but passes nothing either way, as a hung database or a black-holed network does. */
  stall(): void;
  /** Accepts again, on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let stalled = false;
  const server = net.createServer((client) => {
    if (stalled) {
      sockets.add(client);
      client.on("close", () => sockets.delete(client));
      client.on("error", () => client.destroy());
      client.pause();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  const listen = (port: number) => new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
  });
  const port = await listen(0);
  const down = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  return {
    port,
    down,
    stall: () => {
      stalled = true;
      for (const s of sockets) {
        s.unpipe();
        s.pause();
      }
    },
    up: async () => {
      stalled = false;
      await listen(port);
    },
    close: async () => {
      if (server.listening) await down();
    },
  };
}
