// The gateway's one UDP socket for the RTP of every session.
//
// Why one socket, demultiplexed by source address:
// - Asterisk sends each externalMedia channel's RTP from that channel's own
//   UNICASTRTP_LOCAL_ADDRESS:UNICASTRTP_LOCAL_PORT. The backend reads those
//   from the externalMedia response and reports them (PUT /sessions/:id/remote)
//   before it bridges the channels, i.e. before any RTP flows. So the source
//   ip:port of a datagram identifies its session, and the source lock that
//   protects a session from stray traffic is the demultiplexing itself.
// - One socket means one UDP port to publish through Docker or NAT.
//   Publishing thousands of UDP ports through Docker's port proxy is slow to
//   start and costs memory per port.
// - One receive handle serves thousands of calls.
// - Every session's externalMedia `external_host` is the same
//   RTP_ADVERTISE_HOST:RTP_PORT, and the gateway sends from this same socket:
//   Asterisk's strict RTP locks onto the address it receives from, which must
//   be `external_host`.
//
// This module is a thin adapter: it binds, forwards each datagram to a
// handler (the demultiplexer) and sends. All packet logic is pure and lives
// elsewhere.
import { createSocket, type Socket, type SocketType } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import type { Logger } from 'pino';

/** Requested kernel receive buffer; the OS may cap it (net.core.rmem_max). Absorbs bursts across many calls. */
export const RTP_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/** `arrivalMs` is performance.now() when the datagram was read (for jitter measurement). */
export type DatagramHandler = (datagram: Buffer, sourceAddress: string, sourcePort: number, arrivalMs: number) => void;

export interface RtpSocketOptions {
  readonly bindHost: string;
  /** 0 picks an ephemeral port. */
  readonly port: number;
  readonly onDatagram: DatagramHandler;
  readonly logger: Logger;
}

/**
 * dgram resolves the destination of every send with dns.lookup, which for an
 * IP literal still answers on the next tick: the datagram would leave only
 * after the whole media tick, late and with the buffer held. Remotes are IP
 * literals (the registry refuses anything else), so they resolve at once.
 */
function numericLookup(
  hostname: string,
  options: LookupOneOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(hostname);
  if (family !== 0) {
    callback(null, hostname, family);
    return;
  }
  // dgram passes the family as a bare number at run time, whatever the types say.
  const family46 = typeof options === 'number' ? options : options.family;
  dnsLookup(hostname, { family: family46 === 6 ? 6 : 4 }, callback);
}

export class RtpSocket {
  readonly #socket: Socket;
  readonly #logger: Logger;
  readonly #type: SocketType;
  #closed: Promise<void> | null = null;
  #handlerFailures = 0;
  #errors = 0;

  private constructor(socket: Socket, type: SocketType, logger: Logger) {
    this.#socket = socket;
    this.#type = type;
    this.#logger = logger;
  }

  /** Binds the socket; rejects (e.g. EADDRINUSE) without leaving a socket open. */
  static async open(options: RtpSocketOptions): Promise<RtpSocket> {
    const type: SocketType = isIP(options.bindHost) === 6 ? 'udp6' : 'udp4';
    const socket = createSocket({ type, recvBufferSize: RTP_RECEIVE_BUFFER_BYTES, lookup: numericLookup });
    const rtpSocket = new RtpSocket(socket, type, options.logger);
    await new Promise<void>((resolve, reject) => {
      const failBind = (error: Error): void => {
        socket.close();
        reject(error);
      };
      socket.once('error', failBind);
      socket.bind({ address: options.bindHost, port: options.port, exclusive: true }, () => {
        socket.off('error', failBind);
        resolve();
      });
    });
    socket.on('error', (error) => rtpSocket.#onError(error));
    socket.on('message', (datagram, remote) => rtpSocket.#dispatch(options.onDatagram, datagram, remote));
    return rtpSocket;
  }

  /** `udp6` sockets are dual-stack and can reach IPv6 remotes; `udp4` ones cannot. */
  get supportsIpv6(): boolean {
    return this.#type === 'udp6';
  }

  /** The bound port (the real one when 0 was requested). */
  get port(): number {
    return this.#socket.address().port;
  }

  /** Datagrams whose handler threw; the handler is expected never to throw. */
  get handlerFailures(): number {
    return this.#handlerFailures;
  }

  /**
   * Fire and forget: RTP is loss-tolerant. No per-packet callback (it would
   * cost a request object and a closure per packet); a failed send surfaces as
   * the socket's 'error' event, counted and logged sparingly.
   */
  send(datagram: Buffer, host: string, port: number): void {
    if (this.#closed !== null) return;
    this.#socket.send(datagram, port, host);
  }

  /** Socket errors (failed sends among them) seen so far. */
  get errors(): number {
    return this.#errors;
  }

  #onError(error: Error): void {
    this.#errors += 1;
    // The first, then one in a thousand: a dead remote must not flood the log at 50 packets/s.
    if (this.#errors === 1 || this.#errors % 1000 === 0) {
      this.#logger.error({ err: error, errors: this.#errors }, 'rtp socket error');
    }
  }

  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => this.#socket.close(() => resolve()));
    return this.#closed;
  }

  #dispatch(handler: DatagramHandler, datagram: Buffer, remote: { address: string; port: number }): void {
    try {
      handler(datagram, remote.address, remote.port, performance.now());
    } catch (error) {
      // Defence in depth: one bad datagram must never take the socket (or the process) down.
      this.#handlerFailures += 1;
      this.#logger.error({ err: error }, 'rtp datagram handler threw');
    }
  }
}
