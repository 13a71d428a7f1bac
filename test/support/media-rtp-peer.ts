// What the media gateway tests need to stand in for Asterisk on the RTP side:
// a UDP socket on 127.0.0.1 per externalMedia channel, RTP packets built byte
// by byte, a valid session request, and a bounded poll that returns the value
// it waited for.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:dgram';
import type { CreateSessionRequest } from '../../media/contract/sessions.js';
import { bindUdp } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';

const DEFAULT_POLL_TIMEOUT_MS = 5_000;
/** Short: these waits follow packets on loopback, which arrive within a few ms. */
const POLL_INTERVAL_MS = 2;

/** Bytes of one 20 ms ulaw frame (8 kHz, one byte per sample). */
export const ULAW_FRAME_BYTES = 160;
/** Bytes of one 20 ms slin frame (8 kHz, two bytes per sample). */
export const SLIN_FRAME_BYTES = 320;

/** Re-reads `read()` every few ms until `done` holds and returns that value; fails after `timeoutMs`. */
export async function pollFor<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = DEFAULT_POLL_TIMEOUT_MS,
): Promise<T> {
  let last: T | undefined;
  const found = await waitFor(
    async () => {
      last = await read();
      return done(last) ? { value: last } : null;
    },
    { timeoutMs, intervalMs: POLL_INTERVAL_MS, what: 'a value that meets the condition' },
  ).catch((error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; last value ${JSON.stringify(last)}`);
  });
  return found.value;
}

export interface RtpPacketFields {
  payloadType?: number;
  sequenceNumber?: number;
  timestamp?: number;
  ssrc?: number;
  /** Defaults to one 20 ms frame of ulaw silence. */
  payload?: Buffer;
}

/** RFC 3550 5.1 fixed header (V=2, no padding, extension or CSRC) followed by the payload. */
export function rtpPacket(fields: RtpPacketFields = {}): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = fields.payloadType ?? 0;
  header.writeUInt16BE(fields.sequenceNumber ?? 1, 2);
  header.writeUInt32BE(fields.timestamp ?? 160, 4);
  header.writeUInt32BE(fields.ssrc ?? 0x1cd615e2, 8);
  return Buffer.concat([header, fields.payload ?? Buffer.alloc(ULAW_FRAME_BYTES, 0xff)]);
}

/** `count` consecutive 20 ms ulaw packets of one stream, as Asterisk sends them. */
export function ulawStream(count: number, options: { firstSequence?: number; ssrc?: number; payload?: Buffer } = {}): Buffer[] {
  const firstSequence = options.firstSequence ?? 37386;
  return Array.from({ length: count }, (_, index) =>
    rtpPacket({
      sequenceNumber: (firstSequence + index) % 0x10000,
      timestamp: (index + 1) * ULAW_FRAME_BYTES,
      ssrc: options.ssrc ?? 483792354,
      payload: options.payload,
    }),
  );
}

export function sessionRequest(overrides: Partial<CreateSessionRequest> = {}): CreateSessionRequest {
  return {
    transport: 'rtp',
    announcement: null,
    record: true,
    callId: randomUUID(),
    businessId: randomUUID(),
    channelId: `channel-${randomUUID()}`,
    format: 'ulaw',
    caller: { from: '+15551230000', to: '+15557654321' },
    agent: {
      businessName: 'Example Dental',
      greeting: 'Hello, Example Dental.',
      systemPrompt: 'You answer the phone for Example Dental.',
      voice: 'alloy',
      language: 'en',
      timezone: 'America/New_York',
      transferTarget: null,
    },
    ...overrides,
  };
}

/** Stands in for one externalMedia channel of Asterisk: one UDP socket on 127.0.0.1. */
export class FakeAsteriskChannel {
  readonly received: { datagram: Buffer; fromPort: number }[] = [];

  private constructor(
    private readonly socket: Socket,
    private readonly gatewayPort: number,
  ) {
    socket.on('message', (datagram, remote) => this.received.push({ datagram, fromPort: remote.port }));
  }

  /** Binds an ephemeral port; `gatewayPort` is where send() goes (the gateway's RTP port). */
  static async open(gatewayPort: number): Promise<FakeAsteriskChannel> {
    const socket = await bindUdp();
    return new FakeAsteriskChannel(socket, gatewayPort);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(datagram: Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.send(datagram, this.gatewayPort, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
    );
  }

  async sendAll(datagrams: Buffer[]): Promise<void> {
    await Promise.all(datagrams.map((datagram) => this.send(datagram)));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
