// One call, inbound or outbound, from its first event to its finalized CallLog row.
//
// A single async lifecycle drives the call: set up (call-setup-flow.ts) -> stay
// active -> tear down -> store the final row. ARI events never run call logic
// themselves; they request the end of the call (caller hung up, media lost, ...)
// or wake a step waiting for them (event-waiters.ts). The setup notices a
// requested end at its next step boundary, so every resource is released
// exactly once, after the step that acquired it.
//
// The agent's actions end or move the call from the backend's side, and the
// caller's events they cause are never taken for the caller hanging up: a
// hang-up requests the end before the ARI request; sending the caller to the
// dialplan (cold transfer, rollout to a person, the outbound AMD step) marks
// itself under way, so that the caller's StasisEnd meanwhile is expected. A warm
// transfer (call-transfers.ts) runs beside the active call; connected, the
// caller talks to the person in the call's bridge and the agent's leg is gone.
//
// A call's media leg moves to another gateway when its gateway is lost
// (gateway-move.ts). A call can also be adopted from another replica
// (call-adoption.ts); a replica that loses its node's lease abandons its calls:
// no teardown, no row written, the next holder adopts them. The session is the
// coordinator; what its parts share is in call-state.ts.
import { SpanStatusCode } from '@opentelemetry/api';
import type { AriEvent, StasisStartEvent } from '../ari/types.js';
import type { ActionResult } from '../../media/contract/backend.js';
import { AGENT_HANGUP_CAUSES, AGENT_MESSAGES, type AgentHangupReason } from './agent-actions.js';
import { endRecord, newInboundRecord, newOutboundRecord, type CallRecord } from './call-record.js';
import type { CallSessionDeps } from './call-session-deps.js';
import type { OutboundPlan } from './call-setup.js';
import { runSetup } from './call-setup-flow.js';
import { CallState, type CallPhase, type EndRequest } from './call-state.js';
import { adoptLeg, adoptedParty, resumeAdopted } from './call-adoption.js';
import { transferCaller } from './call-transfers.js';
import { moveMediaOff, replaceGoneMediaChannel } from './gateway-move.js';
import { readInboundCall } from './stasis-start.js';
import { releaseCallResources } from './call-release.js';
import { eventChannelId } from './event-waiters.js';
import { EndRequested } from './setup-step.js';
import type { AdoptedCall } from './adopted-call.js';
import { unansweredEnding } from '../outbound/dial-outcome.js';
import { deferred, type Deferred } from '../timing/waiting.js';

export { TURN_SEQ_PER_AGENT, type CallPhase } from './call-state.js';

/** Events of the caller's channel that mean it left the call (or our application). */
export type CallerLeftEvent = 'ChannelHangupRequest' | 'StasisEnd' | 'ChannelDestroyed';

const OK: ActionResult = { ok: true, message: null };

export class CallSession {
  readonly callId: string;
  readonly callerChannelId: string;
  readonly bridgeId: string;
  readonly #state: CallState;
  readonly #finished: Deferred<void> = deferred();
  /** Resolves once the teardown released the caller's channel: true unless hanging it up failed. */
  readonly #callerReleased: Deferred<boolean> = deferred();
  /** Keys go to the gateway one after another, in the order they were pressed. */
  #keysSent: Promise<void> = Promise.resolve();

  /** An inbound call (the caller's StasisStart), an outbound one (its plan, row already stored), or one adopted from its row. */
  constructor(start: StasisStartEvent | OutboundPlan | AdoptedCall, deps: CallSessionDeps) {
    const adopted = 'kind' in start ? start.record : null;
    const event = 'type' in start ? start : null;
    const plan = adopted === null && event === null ? (start as OutboundPlan) : null;
    this.callId = adopted?.id ?? plan?.callId ?? deps.newId();
    this.callerChannelId = adopted?.channelId ?? event?.channel.id ?? plan!.channelId;
    this.bridgeId = adopted?.bridgeId ?? deps.newId();
    const mediaChannelId = adopted?.mediaChannelId ?? deps.newId();
    const inbound = adopted ? adoptedParty(adopted) : event ? readInboundCall(event, deps.settings.defaultCountryCode) : null;
    this.#state = new CallState({
      callId: this.callId,
      callerChannelId: this.callerChannelId,
      mediaChannelId,
      bridgeId: this.bridgeId,
      inbound,
      outbound: plan,
      record: adopted ?? this.#newRecord(deps, inbound, plan),
      adopted: adopted !== null,
      deps,
      log: deps.logger.child({ callId: this.callId, channelId: this.callerChannelId }),
      claim: (id) => deps.registry.claim(id, this),
      claimCallId: (callId) => deps.registry.claimCallId(callId, this),
    });
    if (adopted) adoptLeg(this.#state, adopted, deps);
  }

  #newRecord(deps: CallSessionDeps, inbound: ReturnType<typeof readInboundCall> | null, plan: OutboundPlan | null): CallRecord {
    const node = deps.settings.node ?? null;
    if (plan) {
      return newOutboundRecord({
        id: plan.callId,
        channelId: plan.channelId,
        businessId: plan.businessId,
        fromNumber: plan.from,
        toNumber: plan.to,
        createdAt: plan.createdAt,
        node,
      });
    }
    const call = inbound!;
    return newInboundRecord({
      id: this.callId,
      channelId: this.callerChannelId,
      businessId: null,
      fromNumber: call.from,
      toNumber: call.dialed ?? call.dialedRaw,
      status: 'ringing',
      createdAt: deps.now(),
      node,
    });
  }

  get mediaChannelId(): string {
    return this.#state.mediaChannel;
  }

  /** Every channel and bridge id of the call's own (a warm transfer's are claimed as it goes). */
  ownedIds(): string[] {
    return [this.callerChannelId, this.bridgeId, ...this.#state.mediaChannels];
  }

  /** The gateway holding the agent's media session (null before it has one, and once the agent's leg is released). */
  get mediaGatewayUrl(): string | null {
    return this.#state.mediaGatewayUrl;
  }

  get phase(): CallPhase {
    return this.#state.phase;
  }

  /** Resolves when the call is over and its final row was handed to the writer. */
  get done(): Promise<void> {
    return this.#finished.promise;
  }

  /** Not ending or ended, and the agent is on the call: its actions apply. */
  get acceptsActions(): boolean {
    const state = this.#state;
    return state.endRequest === null && !state.agentLegReleased && (state.phase === 'setting_up' || state.phase === 'active');
  }

  /** The agent's turns are stored from this seq on (a new agent after a warm transfer starts again at 0). */
  get turnSeqOffset(): number {
    return this.#state.turnSeqOffset;
  }

  /** Adopted from another replica's row. */
  get isAdopted(): boolean {
    return this.#state.adopted;
  }

  /** The call's media gateway session, once created (or adopted). */
  get mediaSession(): string | null {
    return this.#state.leg.mediaSessionId;
  }

  start(): void {
    void this.#lifecycle();
  }

  // ---- events, routed here by the manager -------------------------------

  /** Every ARI event about a channel or bridge this call claimed. */
  onEvent(event: AriEvent): void {
    const state = this.#state;
    state.waiters.offer(event);
    const channelId = eventChannelId(event);
    switch (event.type) {
      case 'StasisStart':
        if (channelId === state.mediaChannel) this.onMediaChannelInStasis();
        else if (channelId === this.callerChannelId) {
          state.callerInDialplan = false;
          state.callerReturns += 1;
        }
        return;
      case 'ChannelHangupRequest':
      case 'StasisEnd':
      case 'ChannelDestroyed': {
        const cause = 'cause' in event && typeof event.cause === 'number' ? event.cause : null;
        if (channelId === this.callerChannelId) this.onCallerLeft(event.type, cause, event.type === 'ChannelDestroyed' ? event.cause_txt : null);
        else if (channelId === state.mediaChannel && !state.agentLegReleased) this.onMediaChannelGone();
        else if (channelId !== null && channelId === state.peerChannelId) {
          state.requestEnd({ cause: 'transfer_peer_hangup', status: 'transferred', hangupReason: 'normal' });
        }
        return;
      }
      case 'BridgeDestroyed':
        if (event.bridge.id === this.bridgeId) this.onBridgeGone();
        return;
      case 'ChannelDtmfReceived':
        if (channelId === this.callerChannelId) this.onKeyPressed(event.digit, event.duration_ms);
        return;
      default:
        return;
    }
  }

  onCallerLeft(event: CallerLeftEvent, causeCode: number | null, causeText: string | null = null): void {
    const state = this.#state;
    // Asterisk answers `continue` before or after the StasisEnd it causes: either is ours.
    if (event === 'StasisEnd' && (state.dialplanSends > 0 || state.callerInDialplan)) {
      state.callerInDialplan = true;
      return;
    }
    if (state.callerGone) return;
    state.callerGone = true;
    if (state.outbound && !state.record.answeredAt) {
      state.requestEnd({ ...unansweredEnding(causeCode, causeText), hangupReason: 'normal' });
      return;
    }
    state.requestEnd({
      cause: 'caller_hangup',
      causeCode,
      hangupReason: 'normal',
      ...(state.peerChannelId ? { status: 'transferred' as const } : {}),
    });
  }

  /**
   * The caller pressed a key (ChannelDtmfReceived on the caller's channel): the
   * gateway's agent gets it. Keys that arrive before the media session exists,
   * after the call ended or once the agent's leg is gone have no one to go to, and are dropped.
   */
  onKeyPressed(digit: string, durationMs: number): void {
    const state = this.#state;
    const sessionId = state.leg.mediaSessionId;
    // ARI also reports E (events.json: 0-9, A-E, # or *); a phone keypad has no E and the agent takes none.
    if (sessionId === null || state.endRequest || state.agentLegReleased || !/^[0-9A-D*#]$/.test(digit)) return;
    const key = { digit, durationMs: Math.max(0, Math.round(durationMs)) };
    this.#keysSent = this.#keysSent.then(() =>
      state.deps.media.sendDtmf(sessionId, key).catch((error: unknown) => {
        state.log.warn({ err: error }, 'a key the caller pressed could not be passed to the media gateway');
      }),
    );
  }

  onMediaChannelInStasis(): void {
    this.#state.mediaInStasis.resolve();
  }

  /** The agent's externalMedia channel left: it is replaced when the call is active (gateway-move.ts). */
  onMediaChannelGone(): void {
    if (replaceGoneMediaChannel(this.#state)) return;
    this.#state.requestEnd({ cause: 'media_lost', error: 'externalMedia channel left unexpectedly', hangupReason: 'normal' });
  }

  onBridgeGone(): void {
    this.#state.requestEnd({ cause: 'media_lost', error: 'bridge destroyed unexpectedly', hangupReason: 'normal' });
  }

  /** A gateway session of this call (the call's own, or a leg's) played its announcement, or could not. */
  onAnnouncementDone(sessionCallId: string, played: boolean): void {
    this.#state.announcementFor(sessionCallId).resolve(played);
  }

  /** The call's gateway stopped answering: its media moves to another gateway (gateway-move.ts). */
  moveMediaOff(lostGatewayUrl: string): Promise<void> {
    return moveMediaOff(this.#state, lostGatewayUrl);
  }

  // ---- the agent's actions, routed here by the manager --------------------

  /** Ends the call and hangs up the caller; resolves once the caller's channel is released. */
  async hangUpForAgent(reason: AgentHangupReason): Promise<ActionResult> {
    this.#state.log.info({ reason }, 'the agent ends the call');
    this.#state.requestEnd({ cause: AGENT_HANGUP_CAUSES[reason], hangupReason: 'normal' });
    return (await this.#callerReleased.promise) ? OK : { ok: false, message: AGENT_MESSAGES.hangupFailed };
  }

  /** Hands the caller to the business's person, cold or warm as the business wants (call-transfers.ts). */
  transfer(reason: string | null = null): Promise<ActionResult> {
    return transferCaller(this.#state, reason);
  }

  /** Ends the call for a reason outside the call itself (shutdown, lost or replaced ARI app). */
  end(request: Omit<EndRequest, 'at'>): Promise<void> {
    this.#state.requestEnd(request);
    return this.done;
  }

  /** Stops handling the call without touching it: the node's lease holder does from now on. */
  abandon(): Promise<void> {
    const state = this.#state;
    if (state.phase !== 'ended' && !state.abandoned) {
      state.abandoned = true;
      state.endRequest ??= { at: state.deps.now(), cause: 'backend_restart', hangupReason: 'normal' };
      state.endSignal.resolve();
      state.ending.abort(new EndRequested());
    }
    return this.done;
  }

  // ---- lifecycle ----------------------------------------------------------

  async #lifecycle(): Promise<void> {
    const state = this.#state;
    const startedAt = performance.now();
    if (state.adopted) resumeAdopted(state);
    else {
      const failed = await runSetup(state);
      if (failed) state.requestEnd(failed);
    }
    if (!state.endRequest) {
      state.phase = 'active';
      if (!state.adopted) state.log.info({ setupMs: Math.round(performance.now() - startedAt) }, 'call connected to the media gateway');
      await state.endSignal.promise;
    }
    state.phase = 'ending';
    const request = state.endRequest as EndRequest;
    try {
      if (state.abandoned) state.log.info('call left to the new owner of its node');
      else await this.#tearDown(request);
    } catch (error) {
      state.log.error({ err: error }, 'call teardown failed');
    } finally {
      this.#callerReleased.resolve(false);
      state.phase = 'ended';
      state.deps.registry.release(this);
      state.span.setAttribute('call.status', state.record.status);
      if (request.error) state.span.setStatus({ code: SpanStatusCode.ERROR, message: request.error });
      state.span.end();
      this.#finished.resolve();
    }
  }

  async #tearDown(request: EndRequest): Promise<void> {
    const state = this.#state;
    // A warm transfer under way releases what it holds first (the end aborted it).
    await state.warmTransfer;
    // A move releases what it replaced; the teardown releases what it acquired.
    await state.moving;
    const hungUpEarly = (await state.callerHangupEarly) === true;
    const released = await releaseCallResources(
      { ari: state.deps.ari, media: state.deps.media, log: state.log },
      {
        callerChannelId: this.callerChannelId,
        callerHangup: state.callerGone || state.callerInDialplan || hungUpEarly ? null : request.hangupReason,
        mediaChannelId: state.leg.mediaChannelRequested && !state.agentLegReleased ? state.mediaChannel : null,
        bridgeId: state.leg.bridgeRequested ? this.bridgeId : null,
        mediaSessionId: state.agentLegReleased ? null : state.leg.mediaSessionId,
        otherChannelIds: state.peerChannelId ? [state.peerChannelId] : [],
      },
      (callerReleased) => this.#callerReleased.resolve(callerReleased),
    );
    const recordingPath = released.recordingPath ?? state.recordingPath;
    state.record = endRecord(state.record, { ...request, recordingPath });
    state.log.info({ status: state.record.status, hangupCause: state.record.hangupCause, durationMs: state.record.durationMs }, 'call ended');
    state.persist();
  }
}
