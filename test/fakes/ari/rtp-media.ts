// Real UDP for externalMedia (UnicastRTP) channels. Each channel binds 127.0.0.1 on an even
// port (its UNICASTRTP_LOCAL_PORT), sends the caller's audio from there to external_host
// (one SSRC per channel, random initial sequence number and timestamp, marker 0, 20 ms
// pacing from the shared RtpClock) and counts what the app sends back to it.

import type { Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { RtpClock, type PacedSender } from './rtp-clock.js';
import { payloadInFormat, RTP_FORMATS, type RtpFormat } from './rtp-formats.js';
import { parseRtp, RTP_HEADER_BYTES, writeRtpHeader } from './rtp-packet.js';
import { frameRms } from '../shared/audio-rms.js';
import { ULAW_TO_LINEAR, linearToUlaw } from '../shared/g711.js';
import { bindUdp } from '../../kit/ports.js';

const LOCAL_ADDRESS = '127.0.0.1';
const MAX_BIND_ATTEMPTS = 64;
/** mu-law silence, used to pad a final partial frame. */
const ULAW_SILENCE = 0xff;

/** One packet the app sent to the channel: what a caller would hear for 20 ms. */
export interface ReceivedPacket {
  /** performance.now() at arrival. */
  atMs: number;
  sequenceNumber: number;
  marker: boolean;
  /** RMS level of the decoded audio (0 for digital silence). */
  rms: number;
}

export interface RtpReceived {
  packets: number;
  bytes: number;
  sources: string[];
  payloadTypes: number[];
}

interface Endpoint extends PacedSender {
  channelId: string;
  socket: Socket | null;
  remoteHost: string;
  remotePort: number;
  formatName: string;
  format: RtpFormat | undefined;
  ssrc: number;
  sequenceNumber: number;
  timestamp: number;
  sentPackets: number;
  received: { packets: number; bytes: number; sources: Set<string>; payloadTypes: Set<number> };
  heard: ReceivedPacket[];
  audio: { frames: Buffer; offset: number; loop: boolean; needsCallerPeer: boolean; firstSentAtMs: number | null } | null;
  /** The app's own audio sent back (a phone's acoustic echo), when set. */
  echo: { gain: number; delayMs: number } | null;
  /** performance.now() when the latest startAudio() payload's first packet left. */
  audioFirstSentAtMs: number | null;
  /** Packets held back by the send jitter, oldest first. */
  jittered: JitteredSend[];
}

interface JitteredSend {
  send: () => void;
  sent: boolean;
}

export class RtpMedia {
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly clock: RtpClock;

  /**
   * `sendJitterMs`: each packet leaves up to this much after its 20 ms slot (uniformly), as a real
   * Asterisk's did in the recorded traces (intervals of 14-27 ms, median 20); 0 sends on the slot.
   */
  constructor(
    private readonly notifyChange: () => void,
    private readonly sendJitterMs = 0,
  ) {
    this.clock = new RtpClock(notifyChange);
  }

  /** Binds the channel's socket; resolves with the local address and (even) port. */
  async open(channelId: string, externalHost: { host: string; port: number }, formatName: string): Promise<{ address: string; port: number }> {
    const socket = await bindEvenPort();
    const endpoint: Endpoint = {
      channelId,
      socket,
      remoteHost: externalHost.host,
      remotePort: externalHost.port,
      formatName,
      format: RTP_FORMATS.get(formatName),
      ssrc: randomInt(0, 0x1_0000_0000),
      sequenceNumber: randomInt(0, 0x1_0000),
      timestamp: randomInt(0, 0x1_0000_0000),
      sentPackets: 0,
      received: { packets: 0, bytes: 0, sources: new Set(), payloadTypes: new Set() },
      heard: [],
      audio: null,
      echo: null,
      audioFirstSentAtMs: null,
      jittered: [],
      nextDueMs: 0,
      sendPacket: () => this.sendPacket(endpoint),
    };
    socket.on('message', (packet, remote) => this.receive(endpoint, packet, `${remote.address}:${remote.port}`));
    this.endpoints.set(channelId, endpoint);
    return { address: LOCAL_ADDRESS, port: socket.address().port };
  }

  has(channelId: string): boolean {
    return this.endpoints.has(channelId);
  }

  /** Starts sending `ulawPayload` (the caller's audio) in the channel's format. */
  startAudio(channelId: string, ulawPayload: Buffer, options: { loop: boolean; needsCallerPeer: boolean }): void {
    const endpoint = this.requireOpen(channelId);
    if (!endpoint.format) throw new Error(`the ARI fake cannot send RTP in format '${endpoint.formatName}'`);
    if (endpoint.audio) this.clock.remove(endpoint);
    endpoint.audio = { frames: payloadInFormat(ulawPayload, endpoint.format), offset: 0, firstSentAtMs: null, ...options };
    endpoint.audioFirstSentAtMs = null;
    this.clock.add(endpoint);
  }

  stopAudio(channelId: string): void {
    const endpoint = this.endpoints.get(channelId);
    if (!endpoint?.audio) return;
    endpoint.audio = null;
    this.clock.remove(endpoint);
  }

  /**
   * Sends every packet the app sends back to it after `delayMs`, attenuated by
   * `gainDb` (ulaw channels only): the caller's phone returning the agent's own
   * voice. null stops it.
   */
  setEcho(channelId: string, echo: { gainDb: number; delayMs: number } | null): void {
    const endpoint = this.requireOpen(channelId);
    if (echo !== null && endpoint.format?.name !== 'ulaw') throw new Error('the ARI fake echoes ulaw channels only');
    endpoint.echo = echo === null ? null : { gain: 10 ** (echo.gainDb / 20), delayMs: echo.delayMs };
  }

  /** performance.now() when the first packet of the latest caller audio left, null before. */
  audioFirstSentAt(channelId: string): number | null {
    return this.endpoints.get(channelId)?.audioFirstSentAtMs ?? null;
  }

  isSending(channelId: string): boolean {
    return this.endpoints.get(channelId)?.audio != null;
  }

  sendingNeedsCallerPeer(channelId: string): boolean {
    return this.endpoints.get(channelId)?.audio?.needsCallerPeer === true;
  }

  canSend(channelId: string): boolean {
    const endpoint = this.endpoints.get(channelId);
    return endpoint?.socket != null && endpoint.format !== undefined;
  }

  /** Every packet the app sent to the channel, in arrival order, with its audio level. */
  heard(channelId: string): readonly ReceivedPacket[] {
    return this.endpoints.get(channelId)?.heard ?? [];
  }

  received(channelId: string): RtpReceived {
    const received = this.endpoints.get(channelId)?.received;
    if (!received) return { packets: 0, bytes: 0, sources: [], payloadTypes: [] };
    return { packets: received.packets, bytes: received.bytes, sources: [...received.sources], payloadTypes: [...received.payloadTypes] };
  }

  sent(channelId: string): { packets: number; ssrc: number } {
    const endpoint = this.endpoints.get(channelId);
    return { packets: endpoint?.sentPackets ?? 0, ssrc: endpoint?.ssrc ?? 0 };
  }

  /** Stops sending and closes the socket; the counters stay readable. */
  close(channelId: string): void {
    const endpoint = this.endpoints.get(channelId);
    if (!endpoint) return;
    this.stopAudio(channelId);
    endpoint.socket?.close();
    endpoint.socket = null;
  }

  /** Closes every socket and forgets all counters. */
  closeAll(): void {
    this.clock.stop();
    for (const endpoint of this.endpoints.values()) {
      endpoint.audio = null;
      endpoint.socket?.close();
      endpoint.socket = null;
    }
    this.endpoints.clear();
  }

  private sendPacket(endpoint: Endpoint): boolean {
    const audio = endpoint.audio;
    const format = endpoint.format;
    if (!audio || !format || !endpoint.socket) return false;
    if (audio.offset >= audio.frames.length) {
      if (!audio.loop || audio.frames.length === 0) {
        endpoint.audio = null;
        return false;
      }
      audio.offset = 0;
    }
    let frame = audio.frames.subarray(audio.offset, audio.offset + format.frameBytes);
    audio.offset += format.frameBytes;
    if (frame.length < format.frameBytes) {
      const padded = Buffer.alloc(format.frameBytes, format.name === 'ulaw' ? ULAW_SILENCE : 0);
      frame.copy(padded);
      frame = padded;
    }
    const header = Buffer.allocUnsafe(RTP_HEADER_BYTES);
    writeRtpHeader(header, {
      payloadType: format.payloadType,
      sequenceNumber: endpoint.sequenceNumber,
      timestamp: endpoint.timestamp,
      ssrc: endpoint.ssrc,
      marker: false,
    });
    const socket = endpoint.socket;
    const send = (): void => {
      if (endpoint.socket !== socket) return;
      socket.send([header, frame], endpoint.remotePort, endpoint.remoteHost);
      endpoint.audioFirstSentAtMs ??= performance.now();
    };
    if (this.sendJitterMs > 0) {
      // A late clock tick can cut two packets at once: whichever timer fires first sends every
      // packet held before its own, so packets never overtake each other.
      const held: JitteredSend = { send, sent: false };
      endpoint.jittered.push(held);
      setTimeout(() => sendThrough(endpoint, held), Math.random() * this.sendJitterMs);
    } else {
      send();
    }
    endpoint.sequenceNumber = (endpoint.sequenceNumber + 1) & 0xffff;
    endpoint.timestamp = (endpoint.timestamp + format.timestampStep) >>> 0;
    endpoint.sentPackets += 1;
    return true;
  }

  /** Malformed datagrams are dropped without counting, as a real RTP stack would. */
  private receive(endpoint: Endpoint, packet: Buffer, source: string): void {
    const parsed = parseRtp(packet);
    if (!parsed) return;
    endpoint.received.packets += 1;
    endpoint.received.bytes += parsed.payloadLength;
    endpoint.received.sources.add(source);
    endpoint.received.payloadTypes.add(parsed.payloadType);
    if (endpoint.echo && parsed.payloadType === 0) {
      this.scheduleEcho(endpoint, packet.subarray(parsed.payloadOffset, parsed.payloadOffset + parsed.payloadLength), endpoint.echo);
    }
    endpoint.heard.push({
      atMs: performance.now(),
      sequenceNumber: parsed.sequenceNumber,
      marker: parsed.marker,
      // PCMU (PT 0), or big-endian L16 (PT 10/11).
      rms: frameRms(packet.subarray(parsed.payloadOffset, parsed.payloadOffset + parsed.payloadLength), parsed.payloadType === 0 ? 'ulaw' : 'l16-be'),
    });
    this.notifyChange();
  }

  private scheduleEcho(endpoint: Endpoint, payload: Buffer, echo: { gain: number; delayMs: number }): void {
    const frame = Buffer.allocUnsafe(payload.length);
    for (let i = 0; i < payload.length; i += 1) frame[i] = linearToUlaw(Math.round(ULAW_TO_LINEAR[payload[i]!]! * echo.gain));
    setTimeout(() => {
      if (!endpoint.socket || !endpoint.echo) return;
      const header = Buffer.allocUnsafe(RTP_HEADER_BYTES);
      writeRtpHeader(header, { payloadType: 0, sequenceNumber: endpoint.sequenceNumber, timestamp: endpoint.timestamp, ssrc: endpoint.ssrc, marker: false });
      endpoint.socket.send([header, frame], endpoint.remotePort, endpoint.remoteHost);
      endpoint.sequenceNumber = (endpoint.sequenceNumber + 1) & 0xffff;
      endpoint.timestamp = (endpoint.timestamp + frame.length) >>> 0;
      endpoint.sentPackets += 1;
    }, echo.delayMs);
  }

  private requireOpen(channelId: string): Endpoint {
    const endpoint = this.endpoints.get(channelId);
    if (!endpoint?.socket) throw new Error(`no live externalMedia channel ${channelId}`);
    return endpoint;
  }
}

function sendThrough(endpoint: Endpoint, last: JitteredSend): void {
  if (last.sent) return;
  for (let next = endpoint.jittered.shift(); next; next = endpoint.jittered.shift()) {
    next.sent = true;
    next.send();
    if (next === last) return;
  }
}

/** Binds UDP on LOCAL_ADDRESS until the kernel hands out an even port (RTP uses even ports). */
async function bindEvenPort(): Promise<Socket> {
  const rejected: Socket[] = [];
  try {
    for (let attempt = 0; attempt < MAX_BIND_ATTEMPTS; attempt += 1) {
      const socket = await bindUdp(LOCAL_ADDRESS);
      if (socket.address().port % 2 === 0) {
        // A send to a closed port surfaces asynchronously as an error; RTP ignores it.
        socket.on('error', () => undefined);
        return socket;
      }
      rejected.push(socket);
    }
    throw new Error('could not bind an even UDP port');
  } finally {
    for (const socket of rejected) socket.close();
  }
}
