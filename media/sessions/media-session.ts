// One call's media session: owns its counters, its remote (Asterisk's RTP
// address) and its lifetime. Inbound datagrams arrive through the
// demultiplexer; packet validation is pure (inbound-rtp.ts), the session only
// counts and hands valid audio on. The registry owns the demultiplexer entry.
import type { Logger } from 'pino';
import type {
  CreateSessionRequest,
  MediaFormat,
  RtpEndpoint,
  SessionInfo,
  SessionStats,
} from '../contract/sessions.js';
import { classifyInboundRtp, isInboundRejection, type InboundRejection } from '../rtp/inbound-rtp.js';
import { PAYLOAD_FORMATS, type PayloadFormat } from '../rtp/payload-formats.js';
import type { RtpReceiver } from '../rtp/rtp-demux.js';
import type { RtpPacketView } from '../rtp/rtp-packet.js';

/** Sends one datagram from the gateway's RTP socket. */
export interface RtpSender {
  send(datagram: Buffer, host: string, port: number): void;
}

export interface MediaSessionInit {
  readonly sessionId: string;
  readonly request: CreateSessionRequest;
  /** The gateway's advertised RTP address (externalMedia `external_host`). */
  readonly local: RtpEndpoint;
  readonly sender: RtpSender;
  readonly logger: Logger;
  readonly createdAt: Date;
}

export class MediaSession implements RtpReceiver {
  readonly sessionId: string;
  readonly callId: string;
  readonly businessId: string;
  readonly channelId: string;
  readonly format: MediaFormat;
  readonly request: CreateSessionRequest;
  readonly local: RtpEndpoint;
  readonly createdAt: Date;
  readonly logger: Logger;

  readonly #payloadFormat: PayloadFormat;
  readonly #sender: RtpSender;
  #remote: RtpEndpoint | null = null;
  #closed = false;
  #packetsIn = 0;
  #bytesIn = 0;
  #packetsOut = 0;
  #bytesOut = 0;
  #malformed = 0;
  #ssrc: number | null = null;

  constructor(init: MediaSessionInit) {
    this.sessionId = init.sessionId;
    this.request = init.request;
    this.callId = init.request.callId;
    this.businessId = init.request.businessId;
    this.channelId = init.request.channelId;
    this.format = init.request.format;
    this.local = init.local;
    this.createdAt = init.createdAt;
    this.logger = init.logger;
    this.#payloadFormat = PAYLOAD_FORMATS[init.request.format];
    this.#sender = init.sender;
  }

  get remote(): RtpEndpoint | null {
    return this.#remote;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Records the remote; routing is the registry's job (it holds the demultiplexer). */
  useRemote(remote: RtpEndpoint): void {
    this.#remote = Object.freeze({ host: remote.host, port: remote.port });
  }

  receiveDatagram(datagram: Buffer): void {
    if (this.#closed) return;
    const packet = classifyInboundRtp(datagram, this.#payloadFormat);
    if (isInboundRejection(packet)) {
      this.#countMalformed(packet);
      return;
    }
    this.#acceptAudio(packet);
  }

  /**
   * Sends one serialized RTP packet to Asterisk from the gateway's RTP socket.
   * Returns false (and sends nothing) before a remote is known or after close.
   */
  sendRtp(datagram: Buffer, payloadBytes: number): boolean {
    if (this.#closed || this.#remote === null) return false;
    this.#sender.send(datagram, this.#remote.host, this.#remote.port);
    this.#packetsOut += 1;
    this.#bytesOut += payloadBytes;
    return true;
  }

  stats(): SessionStats {
    return {
      packetsIn: this.#packetsIn,
      packetsOut: this.#packetsOut,
      bytesIn: this.#bytesIn,
      bytesOut: this.#bytesOut,
      malformed: this.#malformed,
      // Foreign datagrams cannot be attributed to one session: every session's
      // Asterisk shares one IP, so a stranger's port says nothing about whose
      // call it meant. The gateway-wide counter (RtpDemux) holds them.
      foreignSource: 0,
      ssrc: this.#ssrc,
    };
  }

  info(): SessionInfo {
    return {
      sessionId: this.sessionId,
      callId: this.callId,
      format: this.format,
      local: { ...this.local },
      remote: this.#remote === null ? null : { ...this.#remote },
      createdAt: this.createdAt.toISOString(),
      stats: this.stats(),
    };
  }

  /** Stops counting and sending. Idempotent; returns the final stats. */
  close(): SessionStats {
    if (!this.#closed) {
      this.#closed = true;
      this.logger.info({ stats: this.stats() }, 'media session closed');
    }
    return this.stats();
  }

  #acceptAudio(packet: RtpPacketView): void {
    if (this.#ssrc !== packet.ssrc) {
      if (this.#ssrc !== null) this.logger.info({ from: this.#ssrc, to: packet.ssrc }, 'inbound ssrc changed');
      this.#ssrc = packet.ssrc;
    }
    this.#packetsIn += 1;
    this.#bytesIn += packet.payload.length;
  }

  #countMalformed(reason: InboundRejection): void {
    this.#malformed += 1;
    // Once per session: enough to diagnose a format mismatch without flooding the log at 50 packets/s.
    if (this.#malformed === 1) this.logger.warn({ reason }, 'malformed rtp from session remote dropped');
  }
}
