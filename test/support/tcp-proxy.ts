// A TCP proxy on 127.0.0.1 that tests put between a client and a server to
// simulate the server going away (pause) and coming back (resume) on the same port.
import net from 'node:net';
import { listenOnLoopback } from '../kit/ports.js';

export interface TcpProxy {
  readonly port: number;
  /** Resets every open connection; new connections are reset as soon as they are accepted. */
  pause(): void;
  /** Proxies new connections again. */
  resume(): void;
  /** Number of connections currently proxied. */
  connectionCount(): number;
  /** Stops listening and resets every connection. Idempotent. */
  close(): Promise<void>;
}

interface ProxiedConnection {
  client: net.Socket;
  upstream: net.Socket;
}

function reset(socket: net.Socket): void {
  // RST rather than FIN: the peer sees ECONNRESET, as when a host or network fails.
  if (!socket.destroyed) socket.resetAndDestroy();
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let paused = false;
  const connections = new Set<ProxiedConnection>();

  const server = net.createServer((client) => {
    if (paused) {
      reset(client);
      return;
    }
    const upstream = net.connect(target.port, target.host);
    const connection = { client, upstream };
    connections.add(connection);
    const teardown = () => {
      connections.delete(connection);
      reset(client);
      reset(upstream);
    };
    client.on('error', teardown);
    upstream.on('error', teardown);
    client.on('close', teardown);
    upstream.on('close', teardown);
    client.pipe(upstream);
    upstream.pipe(client);
  });

  const port = await listenOnLoopback(server);

  const resetAll = () => {
    for (const { client, upstream } of [...connections]) {
      reset(client);
      reset(upstream);
    }
    connections.clear();
  };

  let closing: Promise<void> | undefined;
  return {
    port,
    pause() {
      paused = true;
      resetAll();
    },
    resume() {
      paused = false;
    },
    connectionCount: () => connections.size,
    close() {
      closing ??= new Promise<void>((resolve) => {
        paused = true;
        server.close(() => resolve());
        resetAll();
      });
      return closing;
    },
  };
}
