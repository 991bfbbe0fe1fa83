// A counting TCP proxy: sees every connection a browser opens, independently of the server's gauge.
import net from 'node:net';

/** A proxy in front of a server, counting open connections that carry `/api/stream`. */
export interface CountingProxy {
  url: string;
  /** Connections whose first request is `GET /api/stream`, open right now. */
  openStreams(): number;
  /** Stream connections opened since the proxy started. */
  streamsOpened(): number;
  /** Cuts every connection and refuses new ones until `plug()`: the browser's network is gone. */
  unplug(): void;
  plug(): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 forwarding to a server on `targetPort`. */
export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  const sockets = new Set<net.Socket>();
  const streams = new Set<net.Socket>();
  let opened = 0;
  let unplugged = false;
  const server = net.createServer((client) => {
    if (unplugged) {
      client.destroy();
      return;
    }
    sockets.add(client);
    const upstream = net.connect(targetPort, '127.0.0.1');
    client.on('data', (chunk: Buffer) => {
      // A kept-alive connection may carry other requests before the stream: look at every request
      // line. A stream holds its connection until it closes, so a marked socket stays marked.
      if (!streams.has(client) && chunk.subarray(0, 32).toString('latin1').startsWith('GET /api/stream')) {
        streams.add(client);
        opened += 1;
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
  return {
    url: `http://127.0.0.1:${port}`,
    openStreams: () => streams.size,
    streamsOpened: () => opened,
    unplug() {
      unplugged = true;
      for (const s of sockets) s.destroy();
    },
    plug() {
      unplugged = false;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
