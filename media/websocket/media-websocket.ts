// The gateway's side of one call's media websocket (Asterisk 22 chan_websocket,
// externalMedia `transport=websocket, connection_type=server`): the gateway
// connects to `ws://<asterisk>:8088/media/<MEDIA_WEBSOCKET_CONNECTION_ID>` with
// the subprotocol `media`, waits for MEDIA_START (Asterisk puts the channel into
// Stasis only then), checks that the format and frame size are the session's,
// and from then on carries the call's audio both ways as binary frames: the
// caller's frames go to the session (numbered, into its jitter buffer), and each
// tick's frame from the session's playout queue goes to Asterisk, which plays one
// queued frame per 20 ms. The websocket is a thin adapter: framing is pure
// (frame-numbering.ts), message parsing too (chan-websocket-messages.ts).
//
// The connection id is the only credential /media/ asks for (chan_websocket does
// not authenticate the path), so it never appears in logs or session info.
import type { Logger } from 'pino';
import { WebSocket, type RawData } from 'ws';
import type { MediaFormat, WebSocketRemote } from '../contract/sessions.js';
import type { JitterBufferPacket } from '../rtp/jitter-buffer.js';
import type { MediaLink } from '../sessions/media-session.js';
import { parseChanWebSocketMessage } from './chan-websocket-messages.js';
import { FrameNumbering } from './frame-numbering.js';

export const MEDIA_SUBPROTOCOL = 'media';
const RTP_HEADER_BYTES = 12;
const PTIME_MS = 20;
/** Audio the socket may hold unsent (a stalled TCP connection) before frames are dropped: 1 s. */
const MAX_BUFFERED_FRAMES = 50;

export class MediaWebSocketError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MediaWebSocketError';
  }
}

export interface MediaWebSocketOptions {
  /** ws:// or wss:// URL of the call's media websocket. */
  readonly url: string;
  /** chan_websocket's name of the session's format (ulaw, slin, slin16). */
  readonly format: MediaFormat;
  readonly frameBytes: number;
  readonly samplesPerFrame: number;
  readonly connectTimeoutMs: number;
  /** performance.now() time base of the session. */
  readonly now: () => number;
  readonly logger: Logger;
  /** Each caller frame, numbered in arrival order (valid during the call only). */
  readonly onFrame: (frame: JitterBufferPacket, arrivalMs: number) => void;
  /** The socket closed after MEDIA_START (Asterisk hung the channel up, or the network failed). */
  readonly onClosed: (code: number) => void;
}

/** Where a media websocket points, without its connection id (which is a credential). */
export function redactedRemote(url: string): WebSocketRemote {
  const parsed = new URL(url);
  const path = parsed.pathname.replace(/\/[^/]*$/, '/…');
  return { websocket: { url: `${parsed.protocol}//${parsed.host}${path}` } };
}

/** Connects and waits for MEDIA_START; rejects with MediaWebSocketError saying what failed. */
export function connectMediaWebSocket(options: MediaWebSocketOptions): Promise<MediaLink> {
  const { logger } = options;
  const remote = redactedRemote(options.url);
  const socket = new WebSocket(options.url, [MEDIA_SUBPROTOCOL], { handshakeTimeout: options.connectTimeoutMs });
  const numbering = new FrameNumbering(options.frameBytes, options.samplesPerFrame);
  const counters = { malformed: 0, sendDropped: 0, xoff: 0 };
  let started = false;
  let closed = false;

  const link: MediaLink = {
    remote,
    send(packet) {
      if (closed || socket.readyState !== WebSocket.OPEN) return;
      if (socket.bufferedAmount > MAX_BUFFERED_FRAMES * options.frameBytes) {
        counters.sendDropped += 1;
        if (counters.sendDropped === 1) logger.warn('media websocket is not draining; dropping agent frames');
        return;
      }
      // ws masks client frames into a new buffer at once, so the session may reuse `packet`.
      socket.send(packet.subarray(RTP_HEADER_BYTES), { binary: true });
    },
    close() {
      if (closed) return;
      closed = true;
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close(1000);
    },
  };

  return new Promise<MediaLink>((resolve, reject) => {
    const fail = (message: string): void => {
      if (started) return;
      closed = true;
      clearTimeout(timer);
      socket.terminate();
      reject(new MediaWebSocketError(message));
    };
    const timer = setTimeout(() => fail(`no MEDIA_START within ${options.connectTimeoutMs} ms`), options.connectTimeoutMs);

    socket.on('unexpected-response', (_request, response) => fail(`Asterisk refused the media websocket with HTTP ${response.statusCode ?? '?'}`));
    socket.on('error', (error) => {
      if (!started) fail(`cannot connect the media websocket: ${error.message}`);
      else logger.warn({ err: error }, 'media websocket error');
    });
    socket.on('close', (code) => {
      if (!started) {
        fail(`the media websocket closed (${code}) before MEDIA_START`);
        return;
      }
      const byUs = closed;
      closed = true;
      logger.info({ code, ...counters, pendingBytes: numbering.pendingBytes }, 'media websocket closed');
      if (!byUs) options.onClosed(code);
    });
    socket.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = toBytes(data);
      if (isBinary) {
        if (!started) return;
        const arrivalMs = options.now();
        numbering.push(bytes, (frame) => options.onFrame(frame, arrivalMs));
        return;
      }
      const event = parseChanWebSocketMessage(Buffer.from(bytes).toString('utf8'));
      if (event === null) {
        counters.malformed += 1;
        return;
      }
      if (event.type === 'MEDIA_START') {
        if (event.format !== options.format || event.optimalFrameSize !== options.frameBytes || event.ptimeMs !== PTIME_MS) {
          fail(
            `the media websocket carries ${event.format} in ${event.optimalFrameSize}-byte frames every ${event.ptimeMs} ms, ` +
              `the session expects ${options.format} in ${options.frameBytes}-byte frames every ${PTIME_MS} ms`,
          );
          return;
        }
        started = true;
        clearTimeout(timer);
        logger.info({ remote: remote.websocket.url, channel: event.channel, format: event.format }, 'media websocket started');
        resolve(link);
      } else if (event.type === 'MEDIA_XOFF') {
        // Asterisk holds 900 frames (18 s) of ours: the gateway paces at 20 ms, so this is a stall on its side.
        counters.xoff += 1;
        logger.warn('Asterisk reports its media queue full (MEDIA_XOFF)');
      } else if (event.type === 'ERROR') {
        logger.warn({ error: event.text }, 'Asterisk reports a media websocket error');
      }
    });
  });
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
