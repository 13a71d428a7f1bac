// The media thread: the RTP socket, the demultiplexer, the 20 ms clock and
// every session's media (jitter buffer, playout queue, recording; the echo and
// silent agents too). It does what the main thread's messages say and nothing
// else; see media-thread-protocol.ts for the seam.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { SIMPLE_AGENT_FACTORIES } from '../agents/index.js';
import type { AgentFactory } from '../agents/agent.js';
import { FRAME_MS } from '../audio/frame.js';
import { PacingHistogram } from '../rtp/pacing-histogram.js';
import { RtpDemux } from '../rtp/rtp-demux.js';
import { RtpSocket } from '../rtp/rtp-socket.js';
import { MediaClock } from '../sessions/media-clock.js';
import { MediaSession, type MediaEngine } from '../sessions/media-session.js';
import { FrameRing } from './frame-ring.js';
import { CONTROL_DOORBELL, Figures, type HostTotals, type MediaThreadData, type OpenSessionMessage, type ToMainMessage, type ToMediaMessage } from './media-thread-protocol.js';
import { RingAgent } from './ring-agent.js';
import { preciseWaitUntil } from './precise-wait.js';
import { writeStats } from './session-stats-block.js';
import type { SessionStats } from '../contract/sessions.js';

/** A media clock slot more than this late (event loop stall) is skipped rather than run. */
const MAX_CLOCK_LAG_MS = 100;
/** How often the gateway figures (foreign datagrams, pacing, loop lag) are published. */
const FIGURES_EVERY_MS = 100;
/** The loop lag figures cover this window. */
const LOOP_WINDOW_MS = 1_000;
/** Resolution of the event loop delay sampler, ms (counted in every sample: it is not lag). */
const LOOP_RESOLUTION_MS = 10;
/** Pacing percentiles of a session walk its histogram: refreshed every this many ticks, counters every tick. */
const PACING_STATS_EVERY_TICKS = 25;

interface HostedSession {
  readonly session: MediaSession;
  readonly stats: Float64Array;
  readonly ringAgent: RingAgent | null;
}

export class MediaThreadHost {
  readonly #data: MediaThreadData;
  readonly #post: (message: ToMainMessage) => void;
  readonly #logger: Logger;
  readonly #demux = new RtpDemux();
  readonly #sessions = new Map<string, HostedSession>();
  readonly #control: Int32Array;
  readonly #figures: Float64Array;
  readonly #pacing = new PacingHistogram();
  readonly #clock: MediaClock;
  readonly #loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  #socket: RtpSocket | null = null;
  #figuresTimer: NodeJS.Timeout | null = null;
  #loopWindowStartMs = 0;
  #eventsDropped = 0;
  /** Counters of the sessions closed, so gateway totals never go down. */
  readonly #retired = { packetsIn: 0, packetsOut: 0, malformed: 0, lost: 0, late: 0, playoutUnderruns: 0 };

  constructor(data: MediaThreadData, post: (message: ToMainMessage) => void, logger: Logger) {
    this.#data = data;
    this.#post = post;
    this.#logger = logger;
    this.#control = new Int32Array(data.control);
    this.#figures = new Float64Array(data.figures);
    this.#clock = new MediaClock({
      frameMs: FRAME_MS,
      phases: data.clockPhases,
      maxLagMs: MAX_CLOCK_LAG_MS,
      now: () => performance.now(),
      logger: logger.child({ component: 'media-clock' }),
      // This thread runs only the media: it may block for the last stretch before a slot.
      waitUntil: preciseWaitUntil(() => performance.now()),
    });
  }

  /** Binds the socket and reports ready; `threadId` is this thread's OS id (os-thread.ts), null where unknown. */
  async start(threadId: number | null): Promise<void> {
    try {
      this.#socket = await RtpSocket.open({
        bindHost: this.#data.bindHost,
        port: this.#data.port,
        onDatagram: (datagram, address, port, arrivalMs) => this.#demux.route(datagram, address, port, arrivalMs),
        logger: this.#logger.child({ component: 'rtp' }),
      });
    } catch (error) {
      const err = error as NodeJS.ErrnoException;
      this.#post({ type: 'failed', code: err.code, message: err.message });
      return;
    }
    this.#loop.enable();
    this.#loopWindowStartMs = performance.now();
    this.#figuresTimer = setInterval(() => this.#publishFigures(), FIGURES_EVERY_MS);
    this.#post({ type: 'ready', port: this.#socket.port, supportsIpv6: this.#socket.supportsIpv6, threadId });
  }

  handle(message: ToMediaMessage): void {
    switch (message.type) {
      case 'open':
        this.#open(message);
        return;
      case 'remote': {
        const hosted = this.#sessions.get(message.sessionId);
        if (hosted === undefined) return;
        if (message.previous !== null) this.#demux.release(message.previous.host, message.previous.port, hosted.session);
        this.#demux.claim(message.remote.host, message.remote.port, hosted.session);
        hosted.session.useRemote(message.remote);
        return;
      }
      case 'answered':
        this.#sessions.get(message.sessionId)?.session.answered();
        return;
      case 'audio':
      case 'clear':
        this.#sessions.get(message.sessionId)?.ringAgent?.pump();
        return;
      case 'close':
        void this.#close(message.sessionId);
        return;
      case 'totals':
        this.#post({ type: 'totals', id: message.id, totals: this.#totals() });
        return;
      case 'block': {
        const until = performance.now() + message.ms;
        while (performance.now() < until) {
          // Busy on purpose: a test of what a stalled media thread does.
        }
        return;
      }
      case 'stop':
        void this.#stop();
        return;
    }
  }

  #open(message: OpenSessionMessage): void {
    if (this.#sessions.has(message.sessionId)) return;
    const stats = new Float64Array(message.stats);
    let ringAgent: RingAgent | null = null;
    const agentFactory: AgentFactory =
      message.rings === null
        ? SIMPLE_AGENT_FACTORIES[this.#data.agent]
        : (context) => {
            const agent = new FrameRing(message.rings!.agent);
            ringAgent = new RingAgent({
              context,
              events: new FrameRing(message.rings!.events),
              agent,
              ring: () => this.#ring(),
              space: () => this.#post({ type: 'space', sessionId: message.sessionId }),
              dropped: () => (this.#eventsDropped += 1),
            });
            return ringAgent;
          };
    const engine: MediaEngine = {
      clock: this.#clock,
      now: () => performance.now(),
      agentFactory,
      recordings: this.#data.recordings,
      jitter: this.#data.jitter,
      pacing: this.#pacing,
      onTicked: (session, frame) => writeStats(stats, session.stats(frame % PACING_STATS_EVERY_TICKS === 0), session.isAnswered),
    };
    const logger = this.#logger.child({ sessionId: message.sessionId, callId: message.request.callId, channelId: message.request.channelId });
    const session = new MediaSession({
      sessionId: message.sessionId,
      request: message.request,
      local: { host: '', port: this.#socket!.port },
      sender: this.#socket!,
      engine,
      logger,
      createdAt: new Date(message.createdAtMs),
    });
    this.#sessions.set(message.sessionId, { session, stats, ringAgent });
  }

  async #close(sessionId: string): Promise<void> {
    const hosted = this.#sessions.get(sessionId);
    if (hosted === undefined) return;
    const remote = hosted.session.remote;
    if (remote !== null) this.#demux.release(remote.host, remote.port, hosted.session);
    const report = await hosted.session.close();
    this.#sessions.delete(sessionId);
    addTotals(this.#retired, report.stats);
    writeStats(hosted.stats, report.stats, hosted.session.isAnswered);
    this.#post({ type: 'closed', sessionId, stats: report.stats, recordingPath: report.recordingPath });
  }

  /** Rings the main thread unless a doorbell is already pending. */
  #ring(): void {
    if (Atomics.compareExchange(this.#control, CONTROL_DOORBELL, 0, 1) === 0) this.#post({ type: 'events' });
  }

  #publishFigures(): void {
    const figures = this.#figures;
    figures[Figures.foreignSource] = this.#demux.stats().foreignSource;
    figures[Figures.lateTicks] = this.#clock.lateSlots;
    figures[Figures.handlerFailures] = this.#socket?.handlerFailures ?? 0;
    figures[Figures.eventsDropped] = this.#eventsDropped;
    const now = performance.now();
    if (now - this.#loopWindowStartMs >= LOOP_WINDOW_MS) {
      const lagMs = (ns: number): number => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS) : 0);
      figures[Figures.loopLagP99Ms] = lagMs(this.#loop.percentile(99));
      figures[Figures.loopLagMaxMs] = lagMs(this.#loop.max);
      this.#loop.reset();
      this.#loopWindowStartMs = now;
    }
  }

  async #stop(): Promise<void> {
    await Promise.all([...this.#sessions.keys()].map((sessionId) => this.#close(sessionId)));
    this.#clock.stop();
    if (this.#figuresTimer !== null) clearInterval(this.#figuresTimer);
    this.#publishFigures();
    this.#loop.disable();
    await this.#socket?.close();
    this.#post({ type: 'stopped', totals: this.#totals() });
  }

  /** Live and closed sessions' counters with the gateway's own, all as of now. */
  #totals(): HostTotals {
    const totals = { ...this.#retired };
    for (const { session } of this.#sessions.values()) addTotals(totals, session.stats(false));
    return {
      foreignSource: this.#demux.stats().foreignSource,
      ...totals,
      lateTicks: this.#clock.lateSlots,
      pacing: this.#pacing.snapshot(),
    };
  }
}



function addTotals(into: Record<'packetsIn' | 'packetsOut' | 'malformed' | 'lost' | 'late' | 'playoutUnderruns', number>, stats: SessionStats): void {
  into.packetsIn += stats.packetsIn;
  into.packetsOut += stats.packetsOut;
  into.malformed += stats.malformed;
  into.lost += stats.lost;
  into.late += stats.late;
  into.playoutUnderruns += stats.playoutUnderruns;
}
