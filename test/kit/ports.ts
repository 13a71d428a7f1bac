// Ports on the loopback interface. Everything the kit starts listens on
// 127.0.0.1 only; a port chosen ahead (the backend's, which the gateway must be
// told before the backend starts) is found by binding port 0 and closing again.
import { createSocket, type Socket } from 'node:dgram';
import type http from 'node:http';
import net, { type AddressInfo } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** A TCP port nobody listens on right now (another process may take it before it is used). */
export async function freePort(host: string = LOOPBACK): Promise<number> {
  const server = net.createServer();
  const port = await listenOn(server, host);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A UDP port nobody is bound to right now. */
export async function freeUdpPort(host: string = LOOPBACK): Promise<number> {
  const socket = await bindUdp(host);
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** A UDP socket bound to an ephemeral port of `host`; rejects with the bind error. */
export async function bindUdp(host: string = LOOPBACK): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return socket;
}

/** Binds `server` to an ephemeral port on 127.0.0.1; rejects with the bind error (the server then does not listen). */
export function listenOnLoopback(server: http.Server | net.Server): Promise<number> {
  return listenOn(server, LOOPBACK);
}

function listenOn(server: http.Server | net.Server, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
