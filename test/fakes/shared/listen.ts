// Binds a fake's HTTP server to an ephemeral port on 127.0.0.1.
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Resolves with the port, or rejects with the bind error (the server is then not listening). */
export function listenOnLoopback(server: http.Server): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
