// A TCP proxy in front of fleetwire: counts the browser's stream connections independently of the
// server's gauge, can be unplugged (the browser's network is gone) and re-pointed (a load balancer
// moving to another instance).
import net from 'node:net';

/** A proxy on 127.0.0.1 in front of a server. */
export interface CountingProxy {
  url: string;
  /** Connections whose request is `GET /api/stream`, open right now. */
  openStreams(): number;
  /** Stream connections opened since the proxy started. */
  streamsOpened(): number;
  /** Stream connections opened to one target port since the proxy started. */
  streamsOpenedTo(port: number): number;
  /** Cuts every connection and refuses new ones until `plug()`: the browser's network is gone. */
  unplug(): void;
  plug(): void;
  /** Sends new connections to `port`; with `dropOpen`, cuts the open ones (as when an instance dies). */
  switchTo(port: number, options?: { dropOpen?: boolean }): void;
  close(): Promise<void>;
}

/** Starts a proxy forwarding to a server on `targetPort`. */
export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  let target = targetPort;
  const sockets = new Set<net.Socket>();
  const streams = new Set<net.Socket>();
  const openedByPort = new Map<number, number>();
  let unplugged = false;
  const server = net.createServer((client) => {
    if (unplugged) {
      client.destroy();
      return;
    }
    const port = target;
    sockets.add(client);
    const upstream = net.connect(port, '127.0.0.1');
    client.on('data', (chunk: Buffer) => {
      // A kept-alive connection may carry other requests before the stream: look at every request
      // line. A stream holds its connection until it closes, so a marked socket stays marked.
      if (!streams.has(client) && chunk.subarray(0, 32).toString('latin1').startsWith('GET /api/stream')) {
        streams.add(client);
        openedByPort.set(port, (openedByPort.get(port) ?? 0) + 1);
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = () => {
      sockets.delete(client);
      streams.delete(client);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const cut = () => {
    for (const s of sockets) s.destroy();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    openStreams: () => streams.size,
    streamsOpened: () => [...openedByPort.values()].reduce((a, b) => a + b, 0),
    streamsOpenedTo: (p) => openedByPort.get(p) ?? 0,
    unplug() {
      unplugged = true;
      cut();
    },
    plug() {
      unplugged = false;
    },
    switchTo(next, options = {}) {
      target = next;
      if (options.dropOpen) cut();
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
