// The main thread's handle of a session whose media runs on the media thread:
// what the control API reads (stats from the shared block the media thread
// writes after every tick) and does (messages), and, for an agent that runs on
// the main thread, that agent and its rings.
import type { Logger } from 'pino';
import type { AgentFactory, CallAgent } from '../agents/agent.js';
import type { AgentSettings, CreateSessionRequest, MediaFormat, MediaTransport, RtpEndpoint, SessionInfo, SessionStats } from '../contract/sessions.js';
import type { ClosedSessionReport, SessionHandle, SessionOpenInit } from '../sessions/session-handle.js';
import type { ToMediaMessage } from './media-thread-protocol.js';
import { RingAgentContext } from './ring-agent-context.js';
import { createStatsBlock, readAnswered, readStats } from './session-stats-block.js';

export interface ThreadSessionInit extends SessionOpenInit {
  readonly post: (message: ToMediaMessage) => void;
  /** The agent's factory when it runs on the main thread; null when the media thread runs it. */
  readonly agentFactory: AgentFactory | null;
  /** Resolves with the media thread's report once it closed the session. */
  readonly closedReport: () => Promise<ClosedSessionReport>;
}

export class ThreadSession implements SessionHandle {
  readonly sessionId: string;
  readonly callId: string;
  readonly businessId: string;
  readonly channelId: string;
  readonly format: MediaFormat;
  readonly transport: MediaTransport;
  readonly local: RtpEndpoint;
  readonly createdAt: Date;
  readonly logger: Logger;
  /** Set when the agent runs on the main thread. */
  readonly context: RingAgentContext | null;
  readonly #init: ThreadSessionInit;
  readonly #stats: Float64Array;
  #request: CreateSessionRequest;
  #agent: CallAgent | null;
  #remote: RtpEndpoint | null = null;
  #answered = false;
  #closing: Promise<ClosedSessionReport> | null = null;
  #finalStats: SessionStats | null = null;

  constructor(init: ThreadSessionInit) {
    this.sessionId = init.sessionId;
    this.#request = init.request;
    this.callId = init.request.callId;
    this.businessId = init.request.businessId;
    this.channelId = init.request.channelId;
    this.format = init.request.format;
    this.transport = init.request.transport;
    this.local = init.local;
    this.createdAt = init.createdAt;
    this.logger = init.logger;
    this.#init = init;
    const stats = createStatsBlock();
    this.#stats = new Float64Array(stats);
    const { post, sessionId } = init;
    if (init.agentFactory !== null) {
      this.context = new RingAgentContext({
        request: init.request,
        logger: init.logger,
        audio: () => post({ type: 'audio', sessionId }),
        clear: () => post({ type: 'clear', sessionId }),
      });
      this.#agent = init.agentFactory(this.context);
      this.context.attach(this.#agent);
    } else {
      this.context = null;
      this.#agent = null;
    }
    const rings = this.context === null ? null : { events: this.context.events.shared, agent: this.context.agentRing.shared };
    post({ type: 'open', sessionId, request: init.request, createdAtMs: init.createdAt.getTime(), stats, rings });
  }

  get request(): CreateSessionRequest {
    return this.#request;
  }

  get remote(): RtpEndpoint | null {
    return this.#remote;
  }

  get closed(): boolean {
    return this.#closing !== null;
  }

  get isAnswered(): boolean {
    return this.#answered || readAnswered(this.#stats);
  }

  useRemote(remote: RtpEndpoint): void {
    if (this.closed) return;
    const previous = this.#remote;
    this.#remote = Object.freeze({ host: remote.host, port: remote.port });
    if (this.request.awaitAnswer !== true) this.#answered = true;
    this.#init.post({ type: 'remote', sessionId: this.sessionId, remote: this.#remote, previous });
  }

  answered(): void {
    if (this.closed) return;
    this.#answered = true;
    this.#init.post({ type: 'answered', sessionId: this.sessionId });
  }

  dtmf(digit: string, durationMs: number): void {
    if (this.closed) return;
    this.#agent?.onDtmf?.(digit, durationMs);
  }

  replaceAgent(agent: AgentSettings): void {
    if (this.closed) return;
    this.#request = { ...this.#request, agent, announcement: null };
    const context = this.context;
    const previous = this.#agent;
    if (context === null || previous === null || this.#init.agentFactory === null) {
      // The media thread runs an echo or silent agent: it does not depend on the agent settings.
      this.logger.info('agent settings replaced (the media thread runs a simple agent)');
      return;
    }
    // What the previous agent still had queued is dropped (the media thread clears its playout queue).
    context.clear();
    context.request = this.#request;
    const next = this.#init.agentFactory(context);
    this.#agent = next;
    context.attach(next);
    // The media runs already: the new agent may speak at once.
    if (this.isAnswered) next.onAnswered?.(performance.now());
    previous.close().catch((error: unknown) => this.logger.warn({ err: error }, 'closing the replaced agent failed'));
    this.logger.info('a new agent took over the session');
  }

  stats(): SessionStats {
    return this.#finalStats ?? readStats(this.#stats);
  }

  info(): SessionInfo {
    return {
      sessionId: this.sessionId,
      callId: this.callId,
      format: this.format,
      transport: this.transport,
      local: { ...this.local },
      remote: this.#remote === null ? null : { ...this.#remote },
      createdAt: this.createdAt.toISOString(),
      stats: this.stats(),
    };
  }

  close(): Promise<ClosedSessionReport> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<ClosedSessionReport> {
    this.context?.close();
    const report = this.#init.closedReport();
    this.#init.post({ type: 'close', sessionId: this.sessionId });
    const agentClosed = this.#agent?.close().catch((error: unknown) => {
      this.logger.warn({ err: error }, 'closing the agent failed');
    });
    const closed = await report;
    await agentClosed;
    // The media thread logged the close, with these figures.
    this.#finalStats = closed.stats;
    return closed;
  }
}
