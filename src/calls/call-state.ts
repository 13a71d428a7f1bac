// The state of one call that its parts share: the session (call-session.ts)
// owns it; the setup (call-setup-flow.ts), the gateway moves (gateway-move.ts),
// the adoption (call-adoption.ts) and the transfers (call-transfers.ts) read and
// change it. Besides the fields, it holds the few operations every part needs:
// requesting the end, storing the row, running a setup step, sending the caller
// to the dialplan.
import { SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { HangupReason } from '../ari/types.js';
import { describeError } from '../errors.js';
import type { AgentSettings } from '../../media/contract/sessions.js';
import { childContext } from '../../media/contract/tracing.js';
import type { CallEnding, CallRecord } from './call-record.js';
import { CallLogWriterClosedError } from './call-log-writer.js';
import type { CallSessionDeps } from './call-session-deps.js';
import type { OutboundPlan } from './call-setup.js';
import { EventWaiters } from './event-waiters.js';
import { emptyProgress } from './media-leg.js';
import { EndRequested, StepError, type SetupStep } from './setup-step.js';
import type { InboundCall } from './stasis-start.js';
import { deferred, type Deferred } from '../timing/waiting.js';
import { startCallSpan } from './call-span.js';

export type CallPhase = 'setting_up' | 'active' | 'ending' | 'ended';

export interface EndRequest extends CallEnding {
  /** How to hang up the caller if they are still there. */
  hangupReason: HangupReason;
}

/** Turns of the agent that takes a call over after a warm transfer are numbered from generation * this. */
export const TURN_SEQ_PER_AGENT = 1_000;

export interface CallStateInit {
  callId: string;
  callerChannelId: string;
  mediaChannelId: string;
  bridgeId: string;
  /** The caller as read from the StasisStart (an adopted call: from its row); null for outbound. */
  inbound: InboundCall | null;
  outbound: OutboundPlan | null;
  record: CallRecord;
  adopted: boolean;
  deps: CallSessionDeps;
  log: Logger;
  /** Routes events about `id` (a channel or bridge) to the call. */
  claim: (id: string) => void;
  /** Routes the gateway's reports about a leg's session (`callId` of the leg) to the call. */
  claimCallId: (callId: string) => void;
}

export class CallState {
  readonly callId: string;
  readonly callerChannelId: string;
  readonly bridgeId: string;
  readonly inbound: InboundCall | null;
  readonly outbound: OutboundPlan | null;
  /** Set up by another replica (see call-adoption.ts). */
  readonly adopted: boolean;
  readonly deps: CallSessionDeps;
  readonly log: Logger;
  readonly span: Span;
  readonly claim: (id: string) => void;
  readonly claimCallId: (callId: string) => void;

  record: CallRecord;
  phase: CallPhase = 'setting_up';
  endRequest: EndRequest | null = null;
  readonly endSignal: Deferred<void> = deferred();
  /** Aborted when the end is requested: what waits inside the call stops. */
  readonly ending = new AbortController();
  readonly waiters = new EventWaiters();
  /** What the agent's leg acquired (bridge, externalMedia channel, gateway session). */
  readonly leg = emptyProgress();
  /** The externalMedia channel now in the bridge (a new one after a move). */
  mediaChannel: string;
  /** Every media channel the call had: their events stay routed to the call. */
  readonly mediaChannels: string[] = [];
  mediaInStasis: Deferred<void> = deferred();
  /** A move to another gateway under way (it never rejects). */
  moving: Promise<void> | null = null;
  /** Moves of the media leg so far (gateway-move.ts bounds them). */
  mediaMoves = 0;
  readonly announcements = new Map<string, Deferred<boolean>>();
  callerGone = false;
  /** The settings of the agent the caller talks to (null before the route is known). */
  agent: AgentSettings | null = null;
  transferMode: 'cold' | 'warm' = 'cold';
  /** The caller's leaving Stasis for the dialplan is under way: its StasisEnd meanwhile is ours. */
  dialplanSends = 0;
  /** The caller left Stasis for the dialplan (transfer): not ours to hang up any more. */
  callerInDialplan = false;
  /** How many times the caller's channel came back to Stasis from the dialplan. */
  callerReturns = 0;
  warmTransfer: Promise<void> | null = null;
  /** Warm transfer connected: the person's channel, in the call's bridge; the agent's leg is released. */
  peerChannelId: string | null = null;
  agentLegReleased = false;
  /** The recording of a released agent leg (the teardown has no session to close any more). */
  recordingPath: string | null = null;
  agentGeneration = 0;
  /** The caller's hang-up at the setup timeout, while a step was still in flight. */
  callerHangupEarly: Promise<boolean> | null = null;
  /** The node's lease was lost: nothing more is done for this call here. */
  abandoned = false;

  constructor(init: CallStateInit) {
    this.callId = init.callId;
    this.callerChannelId = init.callerChannelId;
    this.mediaChannel = init.mediaChannelId;
    this.bridgeId = init.bridgeId;
    this.inbound = init.inbound;
    this.outbound = init.outbound;
    this.record = init.record;
    this.adopted = init.adopted;
    this.deps = init.deps;
    this.log = init.log;
    this.claim = init.claim;
    this.claimCallId = init.claimCallId;
    // One trace per call; the gateway continues it (traceparent in the session request).
    const attributes = {
      'call.id': this.callId,
      'asterisk.node': init.deps.settings.node ?? '',
      'call.adopted': this.adopted,
      'call.direction': this.record.direction,
    };
    const callSpan = startCallSpan(this.tracer, { adopted: this.adopted, stored: this.record.traceParent ?? null, attributes });
    this.span = callSpan.span;
    this.record = { ...this.record, traceParent: callSpan.traceParent };
    this.mediaChannels.push(this.mediaChannel);
    for (const id of [this.callerChannelId, this.mediaChannel, this.bridgeId]) this.claim(id);
  }

  get tracer(): Tracer {
    return this.deps.tracer ?? trace.getTracer('noop');
  }

  /** The agent's turns are stored from this seq on (a new agent after a warm transfer starts again at 0). */
  get turnSeqOffset(): number {
    return this.agentGeneration * TURN_SEQ_PER_AGENT;
  }

  /** The gateway holding the agent's media session (null before it has one, and once the agent's leg is released). */
  get mediaGatewayUrl(): string | null {
    const sessionId = this.leg.mediaSessionId;
    return sessionId === null || this.agentLegReleased ? null : this.deps.media.gatewayUrlOf(sessionId);
  }

  /** The two numbers of the call as the agent sees them: `from` the other party, `to` the business's number. */
  parties(): { from: string | null; to: string } {
    if (this.outbound) return { from: this.outbound.to, to: this.outbound.from };
    if (this.inbound && !this.adopted) return { from: this.inbound.from, to: this.record.toNumber };
    return this.record.direction === 'outbound'
      ? { from: this.record.toNumber, to: this.record.fromNumber ?? this.record.toNumber }
      : { from: this.record.fromNumber, to: this.record.toNumber };
  }

  /** The first request ends the call; later ones are ignored (false). */
  requestEnd(request: Omit<EndRequest, 'at'> & { at?: Date }): boolean {
    if (this.endRequest || this.phase === 'ending' || this.phase === 'ended') return false;
    this.endRequest = { at: this.deps.now(), ...request };
    this.endSignal.resolve();
    this.ending.abort(new EndRequested());
    return true;
  }

  /** Hands the current record to the writer; a record the database refuses ends the call `failed`. */
  persist(): void {
    if (this.abandoned) return;
    const record = this.record;
    this.deps.writer.save(record).catch((error: unknown) => {
      if (error instanceof CallLogWriterClosedError) return;
      if (this.phase === 'ending' || this.phase === 'ended') {
        this.log.error({ err: error, record }, 'the database refused the final call log record');
        return;
      }
      this.log.error({ err: error }, 'the database refused the call log record');
      this.requestEnd({
        cause: 'setup_failed',
        error: new StepError('database', error).message,
        hangupReason: this.record.answeredAt ? 'normal' : 'congestion',
      });
    });
  }

  /**
   * Runs one setup step unless the end of the call was requested. A step that
   * succeeds returns its result even if the end was requested meanwhile, so
   * that what it acquired is recorded and released by the teardown.
   */
  async step<T>(step: SetupStep, run: () => Promise<T>): Promise<T> {
    if (this.endRequest) throw new EndRequested();
    const span = this.tracer.startSpan(`setup ${step}`, {}, childContext(this.span));
    try {
      return await run();
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: describeError(error) });
      if (this.endRequest) throw new EndRequested();
      throw new StepError(step, error);
    } finally {
      span.end();
    }
  }

  /** Runs `send`, which makes the caller leave Stasis for the dialplan; its StasisEnd meanwhile is expected. */
  async sendToDialplan(send: () => Promise<void>): Promise<void> {
    this.dialplanSends += 1;
    const returnsBefore = this.callerReturns;
    try {
      await send();
      // Unless the channel already came back to Stasis (a quick dialplan step) before the answer.
      if (this.callerReturns === returnsBefore) this.callerInDialplan = true;
    } finally {
      this.dialplanSends -= 1;
    }
  }

  /** Resolves when the gateway session of `sessionCallId` (the call's own, or a leg's) played its announcement (true) or could not. */
  announcementFor(sessionCallId: string): Deferred<boolean> {
    let done = this.announcements.get(sessionCallId);
    if (!done) {
      done = deferred<boolean>();
      this.announcements.set(sessionCallId, done);
    }
    return done;
  }
}
