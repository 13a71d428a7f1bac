// Routes datagrams received on the one RTP socket to the session that owns
// their source address (see rtp-socket.ts for why the source identifies the
// session). No I/O: the socket adapter calls `route` for every datagram.
import { unmapIpv4 } from './rtp-address.js';

export interface RtpReceiver {
  /** Must not throw: malformed input is counted by the receiver. */
  receiveDatagram(datagram: Buffer, arrivalMs: number): void;
}

export interface RtpDemuxStats {
  /** Datagrams whose source no session has claimed. */
  readonly foreignSource: number;
}

export class RtpDemux {
  /** canonical IP -> port -> receiver; two levels so routing builds no key string per datagram. */
  readonly #receivers = new Map<string, Map<number, RtpReceiver>>();
  #foreignSource = 0;

  /** The receiver that claimed `ip:port`, if any. `ip` must be canonical (see rtp-address.ts). */
  ownerOf(ip: string, port: number): RtpReceiver | undefined {
    return this.#receivers.get(ip)?.get(port);
  }

  /** Claims `ip:port` for `receiver`. Returns false when another receiver holds it. */
  claim(ip: string, port: number, receiver: RtpReceiver): boolean {
    let byPort = this.#receivers.get(ip);
    if (byPort === undefined) {
      byPort = new Map();
      this.#receivers.set(ip, byPort);
    }
    const owner = byPort.get(port);
    if (owner !== undefined && owner !== receiver) return false;
    byPort.set(port, receiver);
    return true;
  }

  /** Releases `ip:port` if `receiver` holds it; no effect otherwise. */
  release(ip: string, port: number, receiver: RtpReceiver): void {
    const byPort = this.#receivers.get(ip);
    if (byPort?.get(port) !== receiver) return;
    byPort.delete(port);
    if (byPort.size === 0) this.#receivers.delete(ip);
  }

  route(datagram: Buffer, sourceAddress: string, sourcePort: number, arrivalMs: number): void {
    const receiver = this.#receivers.get(unmapIpv4(sourceAddress))?.get(sourcePort);
    if (receiver === undefined) {
      this.#foreignSource += 1;
      return;
    }
    receiver.receiveDatagram(datagram, arrivalMs);
  }

  stats(): RtpDemuxStats {
    return { foreignSource: this.#foreignSource };
  }
}
