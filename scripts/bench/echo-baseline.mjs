// The bare floor the gateway is compared with: one Node dgram socket that
// sends every datagram straight back to its source. No parsing, no timers.
// Usage: node echo-baseline.mjs [host] [port]; prints {"port":N} once bound.
import { createSocket } from 'node:dgram';

const host = process.argv[2] ?? '127.0.0.1';
const port = Number(process.argv[3] ?? 0);
// Same receive buffer as the gateway's RTP socket, so both absorb the same bursts.
const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });

socket.on('message', (datagram, remote) => socket.send(datagram, remote.port, remote.address));
socket.on('error', (error) => {
  process.stderr.write(`echo-baseline: ${error.message}\n`);
  process.exit(1);
});
socket.bind(port, host, () => process.stdout.write(`${JSON.stringify({ port: socket.address().port })}\n`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => socket.close(() => process.exit(0)));
