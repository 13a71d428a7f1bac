// chan_websocket's server side for externalMedia `transport=websocket, connection_type=server`,
// as the recorded websocket trace and channels/chan_websocket.c of Asterisk 22.10.1 show it:
//
// - the app connects to `ws://<asterisk>/media/<MEDIA_WEBSOCKET_CONNECTION_ID>` (subprotocol
//   `media`; the path is not authenticated: the connection id is the secret). An unknown id
//   gets 404, a second connection for the same id 409, another subprotocol 400;
// - the first message is the text `MEDIA_START connection_id:… channel:… channel_id:…
//   format:… optimal_frame_size:… ptime:20`; only then is the channel answered and put
//   into Stasis (telephony.mediaConnected);
// - audio goes both ways as binary messages of optimal_frame_size bytes every 20 ms, in the
//   channel's native format: mu-law as is, slin and slin16 in host order (little-endian);
// - what the app sends is cut into optimal_frame_size frames (a trailing partial frame is
//   dropped, as outside START_MEDIA_BUFFERING) and queued, at most 1000 frames;
// - text commands from the app are kept; HANGUP hangs the channel up. The app closing the
//   socket hangs the channel up; Asterisk hanging the channel up closes it with code 1000.

import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import { RtpClock, type PacedSender } from './rtp-clock.js';
import { payloadInFormat, RTP_FORMATS } from './rtp-formats.js';
import type { ReceivedPacket } from './rtp-media.js';
import { frameRms } from '../shared/audio-rms.js';

export const MEDIA_PATH_PREFIX = '/media/';
export const MEDIA_SUBPROTOCOL = 'media';
const PTIME_MS = 20;
const QUEUE_LENGTH_MAX = 1000;

/** optimal_frame_size = default_ms * minimum_bytes / minimum_ms of the codec (chan_websocket.c websocket_new). */
const FRAME_BYTES: Readonly<Record<string, number>> = { ulaw: 160, alaw: 160, slin: 320, slin16: 640 };

export interface WebSocketMediaEvents {
  /** The app connected and got MEDIA_START. */
  connected(channelId: string): void;
  /** The app closed the socket, or sent HANGUP. */
  hangupRequested(channelId: string): void;
}

interface Endpoint extends PacedSender {
  channelId: string;
  channelName: string;
  connectionId: string;
  formatName: string;
  frameBytes: number;
  socket: WebSocket | null;
  closedByAsterisk: boolean;
  audio: { frames: Buffer; offset: number; loop: boolean; needsCallerPeer: boolean } | null;
  heard: ReceivedPacket[];
  received: WebSocketReceived;
  /** Frames waiting in the channel's queue (fractional: it drains continuously), as of atMs. */
  queue: { level: number; atMs: number };
  sentFrames: number;
}

export interface WebSocketReceived {
  frames: number;
  bytes: number;
  textMessages: string[];
  /** Most frames waiting in the channel's queue at once (an app that paces at 20 ms keeps it near 1). */
  queueHighWater: number;
  /** Frames dropped because the queue was full. */
  dropped: number;
}

export type MediaUpgradeDecision = { kind: 'accept'; channelId: string } | { kind: 'refuse'; status: number; statusMessage: string; body: string };

export class WebSocketMedia {
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly byConnection = new Map<string, Endpoint>();
  private readonly clock: RtpClock;

  private readonly events: WebSocketMediaEvents;
  private readonly notifyChange: () => void;

  constructor(events: WebSocketMediaEvents, notifyChange: () => void) {
    this.events = events;
    this.notifyChange = notifyChange;
    this.clock = new RtpClock(notifyChange);
  }

  /** The channel's connection id and frame size; null when the fake cannot carry the format. */
  open(channelId: string, channelName: string, formatName: string): { connectionId: string; optimalFrameSize: number } | null {
    const frameBytes = FRAME_BYTES[formatName];
    if (frameBytes === undefined) return null;
    const endpoint: Endpoint = {
      channelId,
      channelName,
      connectionId: randomUUID(),
      formatName,
      frameBytes,
      socket: null,
      closedByAsterisk: false,
      audio: null,
      heard: [],
      received: { frames: 0, bytes: 0, textMessages: [], queueHighWater: 0, dropped: 0 },
      queue: { level: 0, atMs: 0 },
      sentFrames: 0,
      nextDueMs: 0,
      sendPacket: () => this.sendFrame(endpoint),
    };
    this.endpoints.set(channelId, endpoint);
    this.byConnection.set(endpoint.connectionId, endpoint);
    return { connectionId: endpoint.connectionId, optimalFrameSize: frameBytes };
  }

  /** The channel's name is known only after the channel is created. */
  rename(channelId: string, channelName: string): void {
    const endpoint = this.endpoints.get(channelId);
    if (endpoint) endpoint.channelName = channelName;
  }

  /** res_http_websocket / incoming_ws_http_callback: which upgrades of /media/<id> are accepted. */
  decideUpgrade(path: string, protocols: readonly string[]): MediaUpgradeDecision {
    const connectionId = path.slice(MEDIA_PATH_PREFIX.length);
    const endpoint = this.byConnection.get(connectionId);
    if (!endpoint || endpoint.closedByAsterisk) return { kind: 'refuse', status: 404, statusMessage: 'Not found', body: 'WebSocket instance not found' };
    if (endpoint.socket) return { kind: 'refuse', status: 409, statusMessage: 'Conflict', body: 'Another websocket connection exists for this connection id' };
    if (protocols.length > 0 && !protocols.includes(MEDIA_SUBPROTOCOL)) {
      return { kind: 'refuse', status: 400, statusMessage: 'Bad Request', body: 'This server does not support the WebSocket protocol' };
    }
    return { kind: 'accept', channelId: endpoint.channelId };
  }

  attach(channelId: string, socket: WebSocket): void {
    const endpoint = this.endpoints.get(channelId);
    if (!endpoint) {
      socket.close(1011);
      return;
    }
    endpoint.socket = socket;
    socket.on('error', () => undefined);
    socket.on('message', (data: Buffer, isBinary: boolean) => this.receive(endpoint, data, isBinary));
    socket.on('close', () => {
      endpoint.socket = null;
      this.stopAudio(channelId);
      if (!endpoint.closedByAsterisk) this.events.hangupRequested(channelId);
      this.notifyChange();
    });
    socket.send(
      `MEDIA_START connection_id:${endpoint.connectionId} channel:${endpoint.channelName} channel_id:${channelId} ` +
        `format:${endpoint.formatName} optimal_frame_size:${endpoint.frameBytes} ptime:${PTIME_MS}`,
    );
    this.events.connected(channelId);
    this.notifyChange();
  }

  has(channelId: string): boolean {
    return this.endpoints.has(channelId);
  }

  isConnected(channelId: string): boolean {
    return this.endpoints.get(channelId)?.socket != null;
  }

  startAudio(channelId: string, ulawPayload: Buffer, options: { loop: boolean; needsCallerPeer: boolean }): void {
    const endpoint = this.endpoints.get(channelId);
    if (!endpoint?.socket) throw new Error(`the media websocket of ${channelId} is not connected`);
    if (endpoint.audio) this.clock.remove(endpoint);
    endpoint.audio = { frames: nativeFrames(ulawPayload, endpoint.formatName), offset: 0, ...options };
    this.clock.add(endpoint);
  }

  stopAudio(channelId: string): void {
    const endpoint = this.endpoints.get(channelId);
    if (!endpoint?.audio) return;
    endpoint.audio = null;
    this.clock.remove(endpoint);
  }

  isSending(channelId: string): boolean {
    return this.endpoints.get(channelId)?.audio != null;
  }

  sendingNeedsCallerPeer(channelId: string): boolean {
    return this.endpoints.get(channelId)?.audio?.needsCallerPeer === true;
  }

  canSend(channelId: string): boolean {
    return this.isConnected(channelId);
  }

  heard(channelId: string): readonly ReceivedPacket[] {
    return this.endpoints.get(channelId)?.heard ?? [];
  }

  received(channelId: string): WebSocketReceived {
    const received = this.endpoints.get(channelId)?.received;
    return received ? { ...received, textMessages: [...received.textMessages] } : { frames: 0, bytes: 0, textMessages: [], queueHighWater: 0, dropped: 0 };
  }

  sent(channelId: string): number {
    return this.endpoints.get(channelId)?.sentFrames ?? 0;
  }

  /** The channel is gone: Asterisk closes the socket with 1000 (counters stay readable). */
  close(channelId: string): void {
    const endpoint = this.endpoints.get(channelId);
    if (!endpoint) return;
    endpoint.closedByAsterisk = true;
    this.stopAudio(channelId);
    endpoint.socket?.close(1000);
  }

  closeAll(): void {
    this.clock.stop();
    for (const endpoint of this.endpoints.values()) {
      endpoint.closedByAsterisk = true;
      endpoint.audio = null;
      endpoint.socket?.terminate();
      endpoint.socket = null;
    }
    this.endpoints.clear();
    this.byConnection.clear();
  }

  private receive(endpoint: Endpoint, data: Buffer, isBinary: boolean): void {
    if (!isBinary) {
      const command = data.toString('utf8').trim();
      endpoint.received.textMessages.push(command);
      if (command === 'HANGUP') this.events.hangupRequested(endpoint.channelId);
      this.notifyChange();
      return;
    }
    const atMs = performance.now();
    // The channel plays one queued frame per 20 ms; with QUEUE_LENGTH_MAX queued it drops.
    const queue = endpoint.queue;
    queue.level = Math.max(0, queue.level - (atMs - queue.atMs) / PTIME_MS);
    queue.atMs = atMs;
    for (let offset = 0; offset + endpoint.frameBytes <= data.length; offset += endpoint.frameBytes) {
      if (queue.level >= QUEUE_LENGTH_MAX) {
        endpoint.received.dropped += 1;
        continue;
      }
      queue.level += 1;
      endpoint.received.queueHighWater = Math.max(endpoint.received.queueHighWater, Math.ceil(queue.level));
      const frame = data.subarray(offset, offset + endpoint.frameBytes);
      endpoint.received.frames += 1;
      endpoint.received.bytes += frame.length;
      endpoint.heard.push({ atMs, sequenceNumber: endpoint.received.frames, marker: false, rms: frameRms(frame, endpoint.formatName === 'ulaw' ? 'ulaw' : 'l16-le') });
    }
    this.notifyChange();
  }

  private sendFrame(endpoint: Endpoint): boolean {
    const audio = endpoint.audio;
    const socket = endpoint.socket;
    if (!audio || !socket || socket.readyState !== WebSocket.OPEN) return false;
    if (audio.offset >= audio.frames.length) {
      if (!audio.loop || audio.frames.length === 0) {
        endpoint.audio = null;
        return false;
      }
      audio.offset = 0;
    }
    let frame = audio.frames.subarray(audio.offset, audio.offset + endpoint.frameBytes);
    audio.offset += endpoint.frameBytes;
    if (frame.length < endpoint.frameBytes) {
      const padded = Buffer.alloc(endpoint.frameBytes, endpoint.formatName === 'ulaw' ? 0xff : 0);
      frame.copy(padded);
      frame = padded;
    }
    socket.send(frame, { binary: true });
    endpoint.sentFrames += 1;
    return true;
  }
}

/** The caller's mu-law in the channel's native format: host-order (little-endian) for slin. */
function nativeFrames(ulaw: Buffer, formatName: string): Buffer {
  const rtp = RTP_FORMATS.get(formatName);
  if (!rtp) throw new Error(`the ARI fake cannot send websocket media in format '${formatName}'`);
  const converted = payloadInFormat(ulaw, rtp);
  if (!formatName.startsWith('slin')) return converted;
  const swapped = Buffer.from(converted);
  swapped.swap16();
  return swapped;
}
