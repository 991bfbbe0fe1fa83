// A TCP proxy that can be re-pointed: a load balancer in front of several fleetwire instances.
import net from 'node:net';

/** A proxy on 127.0.0.1 forwarding new connections to the current target port. */
export interface SwitchProxy {
  url: string;
  /** Sends new connections to `port`; with `dropOpen`, cuts the open ones (as when an instance dies). */
  switchTo(port: number, options?: { dropOpen?: boolean }): void;
  /** Connections that carried `GET /api/stream`, per target port, since start. */
  streamsOpenedTo(port: number): number;
  close(): Promise<void>;
}

/** Starts a proxy forwarding to `targetPort`. */
export async function startSwitchProxy(targetPort: number): Promise<SwitchProxy> {
  let target = targetPort;
  const sockets = new Set<net.Socket>();
  const streamsByPort = new Map<number, number>();
  const server = net.createServer((client) => {
    const port = target;
    const upstream = net.connect(port, '127.0.0.1');
    sockets.add(client);
    let isStream = false;
    client.on('data', (chunk: Buffer) => {
      // A kept-alive connection may carry other requests first; a stream then holds it to the end.
      if (!isStream && chunk.subarray(0, 32).toString('latin1').startsWith('GET /api/stream')) {
        isStream = true;
        streamsByPort.set(port, (streamsByPort.get(port) ?? 0) + 1);
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = () => {
      sockets.delete(client);
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
    switchTo(next, options = {}) {
      target = next;
      if (options.dropOpen) for (const s of sockets) s.destroy();
    },
    streamsOpenedTo: (p) => streamsByPort.get(p) ?? 0,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
