// Sessions over chan_websocket (ARI_MEDIA_TRANSPORT=websocket) live on the main
// thread, not on the media thread: each is a MediaSession with its own media
// clock (one 20 ms timer for every websocket session), pacing histogram and
// recording, and its agent is called directly, without the rings.
//
// Why the main thread: a websocket session needs nothing the media thread
// owns. It has no datagram to demultiplex on the shared UDP port (its audio
// arrives on its own TCP connection), and the main thread is where the
// connection must be made anyway: PUT /sessions/:id/remote answers only once
// Asterisk has sent MEDIA_START, or with the reason it could not connect.
// Asterisk queues the frames it receives on the websocket and plays one every
// 20 ms itself, so a late frame from a stalled main thread is played late, not
// lost; what the media thread's isolation buys RTP (packets leave on time
// while the agent's thread stalls) matters less here, and keeping the
// websocket here avoids a second connection protocol across the threads and
// 16 kHz rings for slin16. The cost is stated in the README ("Two threads"):
// a main thread stall delays websocket frames.
import type { Logger } from 'pino';
import type { AgentFactory } from '../agents/agent.js';
import { FRAME_MS } from '../audio/frame.js';
import { wireCodec } from '../codec/wire-codec.js';
import type { GatewayStats, SessionStats } from '../contract/sessions.js';
import { PacingHistogram } from '../rtp/pacing-histogram.js';
import { MediaClock } from '../sessions/media-clock.js';
import { MediaSession, type MediaEngine } from '../sessions/media-session.js';
import type { SessionHost, SessionOpenInit } from '../sessions/session-handle.js';
import { connectMediaWebSocket, MediaWebSocketError } from './media-websocket.js';

/** How long connecting a call's media websocket (up to MEDIA_START) may take. */
export const DEFAULT_WEBSOCKET_CONNECT_TIMEOUT_MS = 2_000;
/** A clock slot more than this late (event loop stall) is skipped rather than run, as on the media thread. */
const MAX_CLOCK_LAG_MS = 100;

export interface WebSocketSessionsOptions {
  readonly agentFactory: AgentFactory;
  readonly recordings: { readonly dir: string; readonly enabled: boolean };
  readonly jitter: { readonly minFrames?: number; readonly targetFrames: number; readonly maxFrames: number };
  readonly clockPhases: number;
  readonly logger: Logger;
  /** Default DEFAULT_WEBSOCKET_CONNECT_TIMEOUT_MS. */
  readonly connectTimeoutMs?: number;
}

export type ConnectResult =
  | { readonly kind: 'ok' }
  | { readonly kind: 'not_found' }
  /** The media websocket could not be connected (refused, unreachable, no or wrong MEDIA_START). */
  | { readonly kind: 'unreachable'; readonly message: string };

type Counters = Record<'packetsIn' | 'packetsOut' | 'malformed' | 'lost' | 'late' | 'playoutUnderruns', number>;

export class WebSocketSessions implements SessionHost {
  readonly #options: WebSocketSessionsOptions;
  readonly #clock: MediaClock;
  readonly #pacing = new PacingHistogram();
  readonly #engine: MediaEngine;
  readonly #sessions = new Map<string, MediaSession>();
  readonly #retired: Counters = { packetsIn: 0, packetsOut: 0, malformed: 0, lost: 0, late: 0, playoutUnderruns: 0 };

  constructor(options: WebSocketSessionsOptions) {
    this.#options = options;
    const now = (): number => performance.now();
    this.#clock = new MediaClock({
      frameMs: FRAME_MS,
      phases: options.clockPhases,
      maxLagMs: MAX_CLOCK_LAG_MS,
      now,
      logger: options.logger.child({ component: 'websocket-media-clock' }),
    });
    this.#engine = {
      clock: this.#clock,
      now,
      agentFactory: options.agentFactory,
      recordings: options.recordings,
      jitter: options.jitter,
      pacing: this.#pacing,
    };
  }

  /** No datagrams reach websocket sessions. */
  get foreignSource(): number {
    return 0;
  }

  open(init: SessionOpenInit): MediaSession {
    this.#retireClosed();
    const session = new MediaSession({
      ...init,
      sender: {
        send: () => {
          throw new Error('a websocket session sends over its media websocket, never from the RTP socket');
        },
      },
      engine: this.#engine,
    });
    this.#sessions.set(init.sessionId, session);
    return session;
  }

  /** Connects the session's media websocket; resolves once Asterisk has sent MEDIA_START. */
  async connect(session: MediaSession, url: string): Promise<ConnectResult> {
    const codec = wireCodec(session.format, session.transport);
    try {
      const link = await connectMediaWebSocket({
        url,
        format: session.format,
        frameBytes: codec.payloadBytes,
        samplesPerFrame: codec.samplesPerFrame,
        connectTimeoutMs: this.#options.connectTimeoutMs ?? DEFAULT_WEBSOCKET_CONNECT_TIMEOUT_MS,
        now: this.#engine.now,
        logger: session.logger,
        onFrame: (frame, arrivalMs) => session.receiveFrame(frame, arrivalMs),
        onClosed: (code) => session.logger.info({ code }, 'Asterisk closed the media websocket'),
      });
      if (session.closed) {
        link.close();
        return { kind: 'not_found' };
      }
      session.useLink(link);
      return { kind: 'ok' };
    } catch (error) {
      if (error instanceof MediaWebSocketError) return { kind: 'unreachable', message: error.message };
      throw error;
    }
  }

  totals(): Promise<Omit<GatewayStats, 'sessions'>> {
    this.#retireClosed();
    const totals = { ...this.#retired };
    for (const session of this.#sessions.values()) addTotals(totals, session.stats(false));
    return Promise.resolve({ foreignSource: 0, ...totals, lateTicks: this.#clock.lateSlots, pacing: this.#pacing.snapshot() });
  }

  /** Closes every session left and stops the clock. */
  async stop(): Promise<void> {
    await Promise.all([...this.#sessions.values()].map((session) => session.close()));
    this.#retireClosed();
    this.#clock.stop();
  }

  /** Closed sessions' final counters move into the retired totals (gateway totals never go down). */
  #retireClosed(): void {
    for (const [sessionId, session] of this.#sessions) {
      if (!session.closed) continue;
      addTotals(this.#retired, session.stats(false));
      this.#sessions.delete(sessionId);
    }
  }
}

function addTotals(into: Counters, stats: SessionStats): void {
  into.packetsIn += stats.packetsIn;
  into.packetsOut += stats.packetsOut;
  into.malformed += stats.malformed;
  into.lost += stats.lost;
  into.late += stats.late;
  into.playoutUnderruns += stats.playoutUnderruns;
}
