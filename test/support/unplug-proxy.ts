// A TCP proxy that can be unplugged: the browser loses the network while the server keeps running.
import net from 'node:net';

/** A proxy in front of a server; `unplug()` cuts every connection and refuses new ones until `plug()`. */
export interface UnplugProxy {
  url: string;
  unplug(): void;
  plug(): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 forwarding to a server on `targetPort`. */
export async function startUnplugProxy(targetPort: number): Promise<UnplugProxy> {
  const sockets = new Set<net.Socket>();
  let unplugged = false;
  const server = net.createServer((client) => {
    if (unplugged) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      sockets.delete(client);
      sockets.delete(upstream);
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
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    unplug() {
      unplugged = true;
      cut();
    },
    plug() {
      unplugged = false;
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
