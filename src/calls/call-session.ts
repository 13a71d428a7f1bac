// One call, inbound or outbound, from its first event to its finalized CallLog row.
//
// A single async lifecycle drives the call: set up (call-setup.ts: route or
// dial; media-leg.ts: the agent's leg) -> stay active -> tear down -> store the
// final row. ARI events never run call logic themselves; they request the end
// of the call (caller hung up, media lost, ...) or wake a step waiting for them
// (event-waiters.ts). The setup notices a requested end at its next step
// boundary, so every resource is released exactly once, after the step that
// acquired it.
//
// The agent's actions end or move the call from the backend's side, and the
// caller's events they cause are never taken for the caller hanging up: a
// hang-up requests the end before the ARI request; sending the caller to the
// dialplan (cold transfer, rollout to a person, the outbound AMD step) marks
// itself under way, so that the caller's StasisEnd meanwhile is expected. A warm
// transfer (warm-transfer.ts) runs beside the active call; connected, the caller
// talks to the person in the call's bridge and the agent's leg is gone.
//
// A call can also be adopted: another replica set it up, lost its node's lease
// (it died, or handed the node over), and this replica holds the lease now. The
// adopted call starts where the row says it is: connected, waiting for its end.
// A call that was still being set up cannot be finished by anyone else (the
// setup's state is gone): it is ended at once. A replica that loses the lease
// abandons its calls: no teardown, no row written, the next holder adopts them.
// A warm transfer's attempt is not in the row: an adopted call goes on with its
// agent, and the new holder's reconciliation releases the attempt's leg.
//
// An inbound call's media path is set up while the caller rings, and the answer
// comes last (CALL_SETUP_TIMEOUT_MS bounds the ringing). A call whose media
// gateway is lost mid-call moves to another gateway (media-move.ts); only when
// none takes it does it end `media_lost`.
import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { AriEvent, HangupReason, StasisStartEvent } from '../ari/types.js';
import { isAriError } from '../ari/errors.js';
import { describeError } from '../errors.js';
import type { ActionResult } from '../../media/contract/backend.js';
import type { AgentSettings, SessionTools } from '../../media/contract/sessions.js';
import { childContext, traceParentOf } from '../../media/contract/tracing.js';
import { AGENT_HANGUP_CAUSES, AGENT_MESSAGES, sendCallerToTransfer, type AgentHangupReason } from './agent-actions.js';
import { endRecord, markAnswered, newInboundRecord, newOutboundRecord, type CallEnding, type CallRecord } from './call-record.js';
import { CallLogWriterClosedError } from './call-log-writer.js';
import type { BusinessRoute } from './business-directory.js';
import type { CallSessionDeps } from './call-session-deps.js';
import { setUpInbound, setUpOutbound, type EndRequestInput, type OutboundPlan, type SetupScope } from './call-setup.js';
import { readInboundCall, type InboundCall } from './stasis-start.js';
import { releaseCallResources } from './call-release.js';
import { EventWaiters, eventChannelId } from './event-waiters.js';
import { connectMediaLeg, emptyProgress } from './media-leg.js';
import { isFullySetUp, type AdoptedCall } from './adopted-call.js';
import { EndRequested, StepError, type SetupStep } from './setup-step.js';
import { announcementText, resumeAgentSettings } from './transfer-words.js';
import { WarmTransfer } from './warm-transfer.js';
import { unansweredEnding } from '../outbound/dial-outcome.js';
import { deferred, type Deferred } from '../timing/waiting.js';
import { hangUpQuietly, moveMedia } from './media-move.js';

export type CallPhase = 'setting_up' | 'active' | 'ending' | 'ended';

/** Events of the caller's channel that mean it left the call (or our application). */
export type CallerLeftEvent = 'ChannelHangupRequest' | 'StasisEnd' | 'ChannelDestroyed';

interface EndRequest extends CallEnding {
  /** How to hang up the caller if they are still there. */
  hangupReason: HangupReason;
}

/** Turns of the agent that takes a call over after a warm transfer are numbered from generation * this. */
export const TURN_SEQ_PER_AGENT = 1_000;

const OK: ActionResult = { ok: true, message: null };

export class CallSession {
  readonly callId: string;
  readonly callerChannelId: string;
  /** The externalMedia channel now in the bridge (a new one after a move). */
  private mediaChannel: string;
  /** Every media channel the call had: their events stay routed here. */
  private readonly mediaChannels: string[] = [];
  readonly bridgeId: string;
  private readonly log: Logger;
  private readonly inbound: InboundCall | null;
  private readonly outbound: OutboundPlan | null;
  private record: CallRecord;
  private phaseValue: CallPhase = 'setting_up';
  private endRequest: EndRequest | null = null;
  private readonly endSignal: Deferred<void> = deferred();
  /** Aborted when the end is requested: what waits inside the call stops. */
  private readonly ending = new AbortController();
  private mediaInStasis: Deferred<void> = deferred();
  /** A move to another gateway under way (it never rejects). */
  private moving: Promise<void> | null = null;
  private readonly finished: Deferred<void> = deferred();
  private readonly waiters = new EventWaiters();
  private readonly leg = emptyProgress();
  private readonly announcements = new Map<string, Deferred<boolean>>();
  private callerGone = false;
  private agent: AgentSettings | null = null;
  private transferMode: 'cold' | 'warm' = 'cold';
  /** The caller's leaving Stasis for the dialplan is under way: its StasisEnd meanwhile is ours. */
  private dialplanSends = 0;
  /** The caller left Stasis for the dialplan (transfer): not ours to hang up any more. */
  private callerInDialplan = false;
  /** How many times the caller's channel came back to Stasis from the dialplan. */
  private callerReturns = 0;
  private warmTransfer: Promise<void> | null = null;
  /** Warm transfer connected: the person's channel, in the call's bridge; the agent's leg is released. */
  private peerChannelId: string | null = null;
  private agentLegReleased = false;
  private recordingPath: string | null = null;
  private agentGeneration = 0;
  /** Resolves once the teardown released the caller's channel: true unless hanging it up failed. */
  private readonly callerReleased: Deferred<boolean> = deferred();
  /** The caller's hang-up at the setup timeout, while a step was still in flight. */
  private callerHangupEarly: Promise<boolean> | null = null;
  /** Keys go to the gateway one after another, in the order they were pressed. */
  private keysSent: Promise<void> = Promise.resolve();
  /** Set up by another replica (see the top of this file). */
  private readonly adopted: boolean;
  /** The node's lease was lost: nothing more is done for this call here. */
  private abandoned = false;
  private readonly span: Span;
  private readonly deps: CallSessionDeps;

  private get tracer() {
    return this.deps.tracer ?? trace.getTracer('noop');
  }

  /** An inbound call (the caller's StasisStart), an outbound one (its plan, row already stored), or one adopted from its row. */
  constructor(start: StasisStartEvent | OutboundPlan | AdoptedCall, deps: CallSessionDeps) {
    this.deps = deps;
    const adopted = 'kind' in start ? start.record : null;
    const event = 'type' in start ? start : null;
    const plan = adopted === null && event === null ? (start as OutboundPlan) : null;
    this.adopted = adopted !== null;
    this.callId = adopted?.id ?? plan?.callId ?? deps.newId();
    this.callerChannelId = adopted?.channelId ?? event?.channel.id ?? plan!.channelId;
    this.mediaChannel = adopted?.mediaChannelId ?? deps.newId();
    this.bridgeId = adopted?.bridgeId ?? deps.newId();
    this.log = deps.logger.child({ callId: this.callId, channelId: this.callerChannelId });
    if (adopted) {
      // The other party's number, whichever way the call went.
      const other = adopted.direction === 'outbound' ? adopted.toNumber : adopted.fromNumber;
      this.inbound = { channelId: adopted.channelId, dialedRaw: adopted.toNumber, dialed: adopted.toNumber, from: other };
      this.outbound = null;
      this.record = adopted;
      this.leg.bridgeRequested = adopted.bridgeId !== null;
      this.leg.mediaChannelRequested = adopted.mediaChannelId !== null;
      this.leg.mediaSessionId = adopted.mediaSessionId ?? null;
      if (adopted.mediaSessionId && adopted.mediaGatewayUrl) deps.media.remember(adopted.mediaSessionId, adopted.mediaGatewayUrl);
    } else if (event) {
      const call = readInboundCall(event, deps.settings.defaultCountryCode);
      this.inbound = call;
      this.outbound = null;
      this.record = newInboundRecord({
        id: this.callId,
        channelId: this.callerChannelId,
        businessId: null,
        fromNumber: call.from,
        toNumber: call.dialed ?? call.dialedRaw,
        status: 'ringing',
        createdAt: deps.now(),
        node: deps.settings.node ?? null,
      });
    } else {
      const outbound = plan!;
      this.inbound = null;
      this.outbound = outbound;
      this.record = newOutboundRecord({
        id: outbound.callId,
        channelId: outbound.channelId,
        businessId: outbound.businessId,
        fromNumber: outbound.from,
        toNumber: outbound.to,
        createdAt: outbound.createdAt,
        node: deps.settings.node ?? null,
      });
    }
    // One trace per call; the gateway continues it (traceparent in the session request).
    this.span = this.tracer.startSpan(this.adopted ? 'call adopted' : 'call', {
      attributes: { 'call.id': this.callId, 'asterisk.node': deps.settings.node ?? '', 'call.adopted': this.adopted, 'call.direction': this.record.direction },
    });
    this.mediaChannels.push(this.mediaChannel);
    for (const id of [this.callerChannelId, this.mediaChannel, this.bridgeId]) deps.registry.claim(id, this);
  }

  get mediaChannelId(): string {
    return this.mediaChannel;
  }

  /** Every channel and bridge id of the call's own (a warm transfer's are claimed as it goes). */
  ownedIds(): string[] {
    return [this.callerChannelId, this.bridgeId, ...this.mediaChannels];
  }

  /** The gateway holding the agent's media session (null before it has one, and once the agent's leg is released). */
  get mediaGatewayUrl(): string | null {
    const sessionId = this.leg.mediaSessionId;
    return sessionId === null || this.agentLegReleased ? null : this.deps.media.gatewayUrlOf(sessionId);
  }

  get phase(): CallPhase {
    return this.phaseValue;
  }

  /** Resolves when the call is over and its final row was handed to the writer. */
  get done(): Promise<void> {
    return this.finished.promise;
  }

  /** Not ending or ended, and the agent is on the call: its actions apply. */
  get acceptsActions(): boolean {
    return this.endRequest === null && !this.agentLegReleased && (this.phaseValue === 'setting_up' || this.phaseValue === 'active');
  }

  /** The agent's turns are stored from this seq on (a new agent after a warm transfer starts again at 0). */
  get turnSeqOffset(): number {
    return this.agentGeneration * TURN_SEQ_PER_AGENT;
  }

  start(): void {
    void this.lifecycle();
  }

  // ---- events, routed here by the manager -------------------------------

  /** Every ARI event about a channel or bridge this call claimed. */
  onEvent(event: AriEvent): void {
    this.waiters.offer(event);
    const channelId = eventChannelId(event);
    switch (event.type) {
      case 'StasisStart':
        if (channelId === this.mediaChannelId) this.onMediaChannelInStasis();
        else if (channelId === this.callerChannelId) {
          this.callerInDialplan = false;
          this.callerReturns += 1;
        }
        return;
      case 'ChannelHangupRequest':
      case 'StasisEnd':
      case 'ChannelDestroyed': {
        const cause = 'cause' in event && typeof event.cause === 'number' ? event.cause : null;
        if (channelId === this.callerChannelId) this.onCallerLeft(event.type, cause, event.type === 'ChannelDestroyed' ? event.cause_txt : null);
        else if (channelId === this.mediaChannelId && !this.agentLegReleased) this.onMediaChannelGone();
        else if (channelId !== null && channelId === this.peerChannelId) {
          this.requestEnd({ at: this.deps.now(), cause: 'transfer_peer_hangup', status: 'transferred', hangupReason: 'normal' });
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
    // Asterisk answers `continue` before or after the StasisEnd it causes: either is ours.
    if (event === 'StasisEnd' && (this.dialplanSends > 0 || this.callerInDialplan)) {
      this.callerInDialplan = true;
      return;
    }
    if (this.callerGone) return;
    this.callerGone = true;
    if (this.outbound && !this.record.answeredAt) {
      this.requestEnd({ at: this.deps.now(), ...unansweredEnding(causeCode, causeText), hangupReason: 'normal' });
      return;
    }
    this.requestEnd({
      at: this.deps.now(),
      cause: 'caller_hangup',
      causeCode,
      hangupReason: 'normal',
      ...(this.peerChannelId ? { status: 'transferred' as const } : {}),
    });
  }

  /**
   * The caller pressed a key (ChannelDtmfReceived on the caller's channel): the
   * gateway's agent gets it. Keys that arrive before the media session exists,
   * after the call ended or once the agent's leg is gone have no one to go to, and are dropped.
   */
  onKeyPressed(digit: string, durationMs: number): void {
    const sessionId = this.leg.mediaSessionId;
    // ARI also reports E (events.json: 0-9, A-E, # or *); a phone keypad has no E and the agent takes none.
    if (sessionId === null || this.endRequest || this.agentLegReleased || !/^[0-9A-D*#]$/.test(digit)) return;
    const key = { digit, durationMs: Math.max(0, Math.round(durationMs)) };
    this.keysSent = this.keysSent.then(() =>
      this.deps.media.sendDtmf(sessionId, key).catch((error: unknown) => {
        this.log.warn({ err: error }, 'a key the caller pressed could not be passed to the media gateway');
      }),
    );
  }

  onMediaChannelInStasis(): void {
    this.mediaInStasis.resolve();
  }

  onMediaChannelGone(): void {
    this.requestEnd({ at: this.deps.now(), cause: 'media_lost', error: 'externalMedia channel left unexpectedly', hangupReason: 'normal' });
  }

  onBridgeGone(): void {
    this.requestEnd({ at: this.deps.now(), cause: 'media_lost', error: 'bridge destroyed unexpectedly', hangupReason: 'normal' });
  }

  /** A gateway session of this call (the call's own, or a leg's) played its announcement, or could not. */
  onAnnouncementDone(sessionCallId: string, played: boolean): void {
    this.announcementFor(sessionCallId).resolve(played);
  }

  /**
   * The call's gateway stopped answering: its media goes to another gateway with
   * the conversation so far. Only when none takes it does the call end media_lost.
   * A warm transfer under way (the agent's channel out of the bridge) finishes first.
   */
  moveMediaOff(lostGatewayUrl: string): Promise<void> {
    if (this.moving) return this.moving;
    if (this.phaseValue !== 'active' || this.endRequest || this.mediaGatewayUrl !== lostGatewayUrl) return Promise.resolve();
    const transfer = this.warmTransfer ?? Promise.resolve();
    this.moving = transfer
      .then(() => {
        if (this.endRequest || this.mediaGatewayUrl !== lostGatewayUrl) return;
        return this.moveMedia(lostGatewayUrl);
      })
      .finally(() => {
        this.moving = null;
      });
    return this.moving;
  }

  private async moveMedia(lostGatewayUrl: string): Promise<void> {
    const { ari, media, settings } = this.deps;
    const oldChannel = this.mediaChannel;
    const oldSession = this.leg.mediaSessionId;
    const newChannel = this.deps.newId();
    const startedAt = performance.now();
    const span = this.tracer.startSpan('media move', { attributes: { 'media.lost_gateway': lostGatewayUrl } }, childContext(this.span));
    this.log.warn({ gateway: lostGatewayUrl }, 'media gateway lost mid-call; moving the call to another gateway');
    try {
      const businessId = this.record.businessId;
      const route = businessId === null ? null : await this.deps.directory.findById(businessId);
      if (!route) throw new Error('the call\'s business is gone');
      const stored = (await this.deps.conversationSoFar?.(this.callId)) ?? { turns: [], nextSeq: 0 };
      // The gateway numbers the current agent's turns; the backend adds turnSeqOffset when storing them.
      const resume = { turns: stored.turns, nextSeq: Math.max(0, stored.nextSeq - this.turnSeqOffset) };
      this.mediaInStasis = deferred();
      const session = await moveMedia(
        { ari, media, settings, log: this.log },
        {
          request: {
            callId: this.callId,
            businessId: route.businessId,
            channelId: this.callerChannelId,
            format: settings.mediaFormat,
            transport: settings.mediaTransport,
            caller: this.parties(),
            // The agent the caller was talking to (after an untaken warm transfer, the one taking a message).
            agent: this.agent ?? route.agent,
            ...(route.tools ? { tools: route.tools } : {}),
            traceparent: traceParentOf(this.span),
          },
          resume,
          lostGatewayUrl,
          bridgeId: this.bridgeId,
          oldMediaChannelId: oldChannel,
          newMediaChannelId: newChannel,
          newChannelInStasis: Promise.race([this.mediaInStasis.promise, this.endSignal.promise]),
          acquired: ({ session: created, mediaChannel }) => {
            if (created) this.leg.mediaSessionId = created.sessionId;
            if (mediaChannel) {
              // From here the old channel's events (its hang-up) are no loss of media.
              this.mediaChannel = newChannel;
              this.mediaChannels.push(newChannel);
              this.deps.registry.claim(newChannel, this);
            }
          },
        },
      );
      this.record = {
        ...this.record,
        mediaChannelId: newChannel,
        mediaSessionId: session.sessionId,
        mediaGatewayUrl: media.gatewayUrlOf(session.sessionId),
      };
      this.persist();
      // A gateway that was only hung may come back: its session of this call must not linger there.
      if (oldSession !== null) {
        media.closeSession(oldSession).catch((error: unknown) => this.log.debug({ err: error }, 'closing the session on the lost gateway failed'));
      }
      this.log.info({ gateway: this.record.mediaGatewayUrl, moveMs: Math.round(performance.now() - startedAt) }, 'call moved to another media gateway');
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: describeError(error) });
      this.log.error({ err: error }, 'moving the call to another media gateway failed');
      if (this.mediaChannel !== oldChannel) await hangUpQuietly({ ari, log: this.log }, oldChannel);
      this.requestEnd({
        at: this.deps.now(),
        cause: 'media_lost',
        error: `media gateway lost and the call could not move: ${describeError(error)}`,
        hangupReason: 'normal',
      });
    } finally {
      span.end();
    }
  }

  // ---- the agent's actions, routed here by the manager --------------------

  /** Ends the call and hangs up the caller; resolves once the caller's channel is released. */
  async hangUpForAgent(reason: AgentHangupReason): Promise<ActionResult> {
    this.log.info({ reason }, 'the agent ends the call');
    this.requestEnd({ at: this.deps.now(), cause: AGENT_HANGUP_CAUSES[reason], hangupReason: 'normal' });
    return (await this.callerReleased.promise) ? OK : { ok: false, message: AGENT_MESSAGES.hangupFailed };
  }

  /**
   * Hands the caller to the business's person. Cold: through the dialplan (when Asterisk
   * refuses, the caller stays with the agent). Warm: the attempt starts and runs beside the
   * call (the agent has said its last words); nobody taking the call gives the caller back to
   * a new agent that offers to take a message.
   */
  async transfer(reason: string | null = null): Promise<ActionResult> {
    if (this.phaseValue !== 'active' || this.endRequest) return { ok: false, message: AGENT_MESSAGES.notConnected };
    const target = this.agent?.transferTarget ?? null;
    if (!target) return { ok: false, message: AGENT_MESSAGES.noTransferTarget };
    if (this.dialplanSends > 0 || this.warmTransfer) return { ok: false, message: AGENT_MESSAGES.transferUnderWay };
    if (this.transferMode === 'warm') {
      this.warmTransfer = this.runWarmTransfer(target, reason).finally(() => {
        this.warmTransfer = null;
      });
      return OK;
    }
    try {
      await this.sendToDialplan(() => sendCallerToTransfer(this.deps.ari, this.callerChannelId, target));
    } catch (error) {
      // The answer to `continue` can be lost although Asterisk did it: its StasisEnd tells.
      if (!this.callerInDialplan) {
        this.log.warn({ err: error, target }, 'transfer refused; the call goes on');
        return { ok: false, message: AGENT_MESSAGES.transferFailed };
      }
    }
    const ended = this.requestEnd({ at: this.deps.now(), cause: 'transferred', status: 'transferred', transferTarget: target, hangupReason: 'normal' });
    if (!ended) return { ok: false, message: AGENT_MESSAGES.endedBeforeTransfer };
    this.log.info({ target }, 'caller transferred');
    return OK;
  }

  /** Ends the call for a reason outside the call itself (shutdown, lost or replaced ARI app). */
  end(request: Omit<EndRequest, 'at'>): Promise<void> {
    this.requestEnd({ ...request, at: this.deps.now() });
    return this.done;
  }

  /** Stops handling the call without touching it: the node's lease holder does from now on. */
  abandon(): Promise<void> {
    if (this.phaseValue !== 'ended' && !this.abandoned) {
      this.abandoned = true;
      this.endRequest ??= { at: this.deps.now(), cause: 'backend_restart', hangupReason: 'normal' };
      this.endSignal.resolve();
      this.ending.abort(new EndRequested());
    }
    return this.done;
  }

  /** Adopted from another replica's row. */
  get isAdopted(): boolean {
    return this.adopted;
  }

  /** The call's media gateway session, once created (or adopted). */
  get mediaSession(): string | null {
    return this.leg.mediaSessionId;
  }

  // ---- lifecycle ----------------------------------------------------------

  /** The first request ends the call; later ones are ignored (false). */
  private requestEnd(request: EndRequest): boolean {
    if (this.endRequest || this.phaseValue === 'ending' || this.phaseValue === 'ended') return false;
    this.endRequest = request;
    this.endSignal.resolve();
    this.ending.abort(new EndRequested());
    return true;
  }

  private async lifecycle(): Promise<void> {
    const startedAt = performance.now();
    const timeoutMs = this.deps.settings.setupTimeoutMs;
    // An inbound caller rings until the media path is ready. Every step's request
    // has its own timeout; this bounds their sum, so the caller never rings on.
    // The step in flight ends by itself (its result is released by the teardown);
    // the wait for the Stasis entry ends at once. An outbound call's setup is
    // bounded by its ring and AMD timeouts instead.
    const setupTimer = this.inbound && !this.adopted ? setTimeout(() => this.giveUpSetup(timeoutMs), timeoutMs) : null;
    if (this.adopted) {
      this.resumeAdopted();
    } else {
      try {
        await this.setUp();
      } catch (error) {
        this.requestEnd(await this.endingForSetupFailure(error));
      } finally {
        if (setupTimer) clearTimeout(setupTimer);
      }
    }
    if (!this.endRequest) {
      this.phaseValue = 'active';
      if (!this.adopted) this.log.info({ setupMs: Math.round(performance.now() - startedAt) }, 'call connected to the media gateway');
      await this.endSignal.promise;
    }
    this.phaseValue = 'ending';
    const request = this.endRequest as EndRequest;
    try {
      if (this.abandoned) this.log.info('call left to the new owner of its node');
      else await this.tearDown(request);
    } catch (error) {
      this.log.error({ err: error }, 'call teardown failed');
    } finally {
      this.callerReleased.resolve(false);
      this.phaseValue = 'ended';
      this.deps.registry.release(this);
      this.span.setAttribute('call.status', this.record.status);
      if (request.error) this.span.setStatus({ code: SpanStatusCode.ERROR, message: request.error });
      this.span.end();
      this.finished.resolve();
    }
  }

  /** An adopted call goes on as connected when its row says so; one caught in its setup ends. */
  private resumeAdopted(): void {
    if (!isFullySetUp(this.record)) {
      this.log.warn({ status: this.record.status }, 'adopted a call that was still being set up; ending it');
      this.requestEnd({
        at: this.deps.now(),
        cause: 'backend_restart',
        status: 'interrupted',
        error: 'the backend stopped while the call was being set up',
        hangupReason: 'normal',
      });
      return;
    }
    this.log.info({ node: this.record.node }, 'call adopted');
    const businessId = this.record.businessId;
    if (businessId === null) return;
    // The agent's settings (transfer target, mode) as the business has them now.
    this.deps.directory.findById(businessId).then(
      (route) => {
        if (!route) return;
        this.agent = route.agent;
        this.transferMode = route.transferMode;
      },
      (error: unknown) => this.log.warn({ err: error }, 'looking up the business of an adopted call failed'),
    );
  }

  /**
   * The setup took too long: the caller stops ringing now (congestion), not
   * when the step in flight returns; the rest is released after it. A caller
   * already on their way to a person (the gradual rollout) is left to them.
   */
  private giveUpSetup(timeoutMs: number): void {
    if (this.phaseValue !== 'setting_up' || this.endRequest || this.dialplanSends > 0 || this.callerInDialplan) return;
    this.log.error({ timeoutMs }, 'call setup did not finish in time');
    this.requestEnd({
      at: this.deps.now(),
      cause: 'setup_failed',
      error: new StepError('setup_timeout', new Error(`the call was not set up within ${timeoutMs} ms`)).message,
      hangupReason: 'congestion',
    });
    if (this.callerGone) return;
    this.callerHangupEarly = this.deps.ari.hangup(this.callerChannelId, 'congestion').then(
      () => true,
      (error: unknown) => {
        this.log.warn({ err: error }, 'hanging up the caller at the setup timeout failed; retried at the teardown');
        return false;
      },
    );
  }

  private async setUp(): Promise<void> {
    const scope = this.setupScope();
    let agent: AgentSettings | null;
    let route: BusinessRoute | null;
    let businessId: string;
    if (this.inbound) {
      route = await setUpInbound(scope, this.inbound);
      if (!route) return;
      agent = route.agent;
      businessId = route.businessId;
    } else {
      const plan = this.outbound!;
      this.persist();
      agent = await setUpOutbound(scope, plan);
      if (!agent) return;
      businessId = plan.businessId;
      route = await this.deps.directory.findById(businessId).catch(() => null);
    }
    this.agent = agent;
    this.transferMode = route?.transferMode ?? 'cold';
    // Inbound: the media path is built while the caller still rings, and the
    // answer comes last: the caller's first moment on the line is the greeting,
    // not the time the setup takes. Outbound: the callee answered already.
    const ringing = this.inbound !== null;
    await this.connectAgentLeg(businessId, agent, null, { tools: route?.tools, awaitAnswer: ringing });
    const sessionId = this.leg.mediaSessionId;
    this.record = {
      ...this.record,
      bridgeId: this.bridgeId,
      mediaChannelId: this.mediaChannelId,
      mediaSessionId: sessionId,
      mediaGatewayUrl: sessionId === null ? null : this.deps.media.gatewayUrlOf(sessionId),
    };
    if (ringing && sessionId !== null) {
      await this.step('answer', () => this.deps.ari.answer(this.callerChannelId));
      // The greeting's first packet leaves as soon as the gateway hears of the
      // answer. When this request is lost the caller's first packet tells it.
      this.deps.media.answered(sessionId).catch((error: unknown) => {
        this.log.warn({ err: error }, 'the media gateway was not told of the answer; it starts on the caller audio');
      });
      this.record = markAnswered(this.record, this.deps.now());
    }
    this.persist();
  }

  /** The two numbers of the call as the agent sees them: `from` the other party, `to` the business's number. */
  private parties(): { from: string | null; to: string } {
    if (this.outbound) return { from: this.outbound.to, to: this.outbound.from };
    if (this.inbound && !this.adopted) return { from: this.inbound.from, to: this.record.toNumber };
    return this.record.direction === 'outbound'
      ? { from: this.record.toNumber, to: this.record.fromNumber ?? this.record.toNumber }
      : { from: this.record.fromNumber, to: this.record.toNumber };
  }

  /** The caller's leg to the gateway: the agent, or an announcement (voicemail) when `announcement` is set. */
  private async connectAgentLeg(
    businessId: string,
    agent: AgentSettings,
    announcement: string | null,
    options: { tools?: SessionTools | undefined; awaitAnswer?: boolean } = {},
  ): Promise<void> {
    const { from, to } = this.parties();
    await connectMediaLeg(
      this.deps,
      {
        phoneChannelId: this.callerChannelId,
        bridgeId: this.bridgeId,
        mediaChannelId: this.mediaChannelId,
        bridgeName: `call-${this.callId}`,
        session: {
          callId: this.callId,
          businessId,
          channelId: this.callerChannelId,
          caller: { from, to },
          agent,
          announcement: announcement === null ? null : { text: announcement },
          ...(options.tools ? { tools: options.tools } : {}),
          traceparent: traceParentOf(this.span),
          ...(options.awaitAnswer ? { awaitAnswer: true } : {}),
        },
        mediaInStasis: () => Promise.race([this.mediaInStasis.promise, this.endSignal.promise]),
      },
      this.leg,
      (step, run) => this.step(step, run),
    );
  }

  private setupScope(): SetupScope {
    return {
      callId: this.callId,
      callerChannelId: this.callerChannelId,
      deps: this.deps,
      log: this.log,
      signal: this.ending.signal,
      record: () => this.record,
      step: (step, run) => this.step(step, run),
      update: (patch) => {
        this.record = { ...this.record, ...patch };
        this.persist();
      },
      requestEnd: (ending: EndRequestInput) => this.requestEnd({ ...ending, at: this.deps.now() }),
      waitEvent: (match, options) => this.waiters.wait(match, options),
      sendToDialplan: (send) => this.sendToDialplan(send),
      announceToCaller: async (text, agent) => {
        await this.connectAgentLeg(this.outbound?.businessId ?? this.record.businessId ?? '', agent, text);
        return this.step('external_media', () =>
          Promise.race([this.announcementFor(this.callId).promise, this.endSignal.promise.then(() => false)]),
        );
      },
    };
  }

  /**
   * Runs one setup step unless the end of the call was requested. A step that
   * succeeds returns its result even if the end was requested meanwhile, so
   * that what it acquired is recorded and released by the teardown.
   */
  private async step<T>(step: SetupStep, run: () => Promise<T>): Promise<T> {
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
  private async sendToDialplan(send: () => Promise<void>): Promise<void> {
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

  private announcementFor(sessionCallId: string): Deferred<boolean> {
    let done = this.announcements.get(sessionCallId);
    if (!done) {
      done = deferred<boolean>();
      this.announcements.set(sessionCallId, done);
    }
    return done;
  }

  private async runWarmTransfer(target: string, reason: string | null): Promise<void> {
    const agent = this.agent!;
    const transfer = new WarmTransfer(
      {
        callId: this.callId,
        businessId: this.record.businessId ?? '',
        callerChannelId: this.callerChannelId,
        callerNumber: this.inbound ? this.inbound.from : this.outbound!.to,
        bridgeId: this.bridgeId,
        mediaChannelId: this.mediaChannelId,
        agent,
        deps: this.deps,
        log: this.log,
        signal: this.ending.signal,
        waitEvent: (match, options) => this.waiters.wait(match, options),
        claim: (id) => this.deps.registry.claim(id, this),
        announcementDone: (legCallId) => this.announcementFor(legCallId).promise,
      },
      target,
      announcementText({ businessName: agent.businessName, callerNumber: this.inbound ? this.inbound.from : this.outbound!.to, summary: reason }),
    );
    this.deps.registry.claimCallId(transfer.legCallId, this);
    this.log.info({ target }, 'warm transfer: calling the person');
    const result = await transfer.run();
    if (this.abandoned) return;
    this.record = { ...this.record, transferOutcome: result.outcome, transferTarget: target };
    this.persist();
    if (result.outcome === 'caller_left' || this.endRequest) return;
    if (result.outcome === 'connected') {
      this.peerChannelId = result.peerChannelId;
      await this.releaseAgentLeg();
      return;
    }
    if (result.callerStranded) {
      this.requestEnd({ at: this.deps.now(), cause: 'setup_failed', error: 'warm transfer: the agent could not take the caller back', hangupReason: 'normal' });
      return;
    }
    await this.resumeAgent(agent, result.outcome);
  }

  /** Connected to the person: the agent's externalMedia channel and gateway session go; the recording is kept. */
  private async releaseAgentLeg(): Promise<void> {
    this.agentLegReleased = true;
    const released = await releaseCallResources(
      { ari: this.deps.ari, media: this.deps.media, log: this.log },
      { callerChannelId: this.callerChannelId, callerHangup: null, mediaChannelId: this.mediaChannelId, bridgeId: null, mediaSessionId: this.leg.mediaSessionId },
      () => {},
    );
    this.recordingPath = released.recordingPath;
  }

  /** Nobody took the call: a new agent takes the caller back and offers to take a message. */
  private async resumeAgent(agent: AgentSettings, outcome: Parameters<typeof resumeAgentSettings>[1]): Promise<void> {
    const turns = await this.deps.conversation?.listTurns(this.callId).catch(() => []) ?? [];
    const settings = resumeAgentSettings(agent, outcome, turns);
    this.agentGeneration += 1;
    try {
      await this.deps.media.replaceAgent(this.leg.mediaSessionId!, settings);
      this.agent = settings;
      this.log.info({ outcome }, 'warm transfer not taken; the agent offers to take a message');
    } catch (error) {
      this.log.error({ err: error }, 'the agent could not take the caller back');
      this.requestEnd({ at: this.deps.now(), cause: 'setup_failed', error: `warm transfer: ${describeError(error)}`, hangupReason: 'normal' });
    }
  }

  private async endingForSetupFailure(error: unknown): Promise<EndRequest> {
    if (this.abandoned || (error instanceof EndRequested && this.endRequest)) return this.endRequest as EndRequest;
    // A refused request on the caller's channel often means the caller hung
    // up and the event is still on its way: ask Asterisk before calling it a failure.
    if (isAriError(error instanceof StepError ? error.original : error) && (await this.callerHasLeft())) {
      this.callerGone = true;
      return { at: this.deps.now(), cause: 'caller_hangup', causeCode: null, hangupReason: 'normal' };
    }
    const message = describeError(error);
    this.log.error({ err: error instanceof StepError ? error.original : error, step: (error as StepError).step }, 'call setup failed');
    const dialFailed = error instanceof StepError && error.step === 'originate';
    return {
      at: this.deps.now(),
      cause: dialFailed ? 'dial_failed' : 'setup_failed',
      error: message,
      hangupReason: this.record.answeredAt ? 'normal' : 'congestion',
    };
  }

  private async callerHasLeft(): Promise<boolean> {
    if (this.callerGone) return true;
    try {
      return (await this.deps.ari.getChannel(this.callerChannelId)) === null;
    } catch {
      return false;
    }
  }

  private async tearDown(request: EndRequest): Promise<void> {
    // A warm transfer under way releases what it holds first (the end aborted it).
    await this.warmTransfer;
    // A move releases what it replaced; the teardown releases what it acquired.
    await this.moving;
    const hungUpEarly = (await this.callerHangupEarly) === true;
    const released = await releaseCallResources(
      { ari: this.deps.ari, media: this.deps.media, log: this.log },
      {
        callerChannelId: this.callerChannelId,
        callerHangup: this.callerGone || this.callerInDialplan || hungUpEarly ? null : request.hangupReason,
        mediaChannelId: this.leg.mediaChannelRequested && !this.agentLegReleased ? this.mediaChannelId : null,
        bridgeId: this.leg.bridgeRequested ? this.bridgeId : null,
        mediaSessionId: this.agentLegReleased ? null : this.leg.mediaSessionId,
        otherChannelIds: this.peerChannelId ? [this.peerChannelId] : [],
      },
      (callerReleased) => this.callerReleased.resolve(callerReleased),
    );
    const recordingPath = released.recordingPath ?? this.recordingPath;
    this.record = endRecord(this.record, { ...request, recordingPath });
    this.log.info({ status: this.record.status, hangupCause: this.record.hangupCause, durationMs: this.record.durationMs }, 'call ended');
    this.persist();
  }

  /** Hands the current record to the writer; a record the database refuses ends the call `failed`. */
  private persist(): void {
    if (this.abandoned) return;
    const record = this.record;
    this.deps.writer.save(record).catch((error: unknown) => {
      if (error instanceof CallLogWriterClosedError) return;
      if (this.phaseValue === 'ending' || this.phaseValue === 'ended') {
        this.log.error({ err: error, record }, 'the database refused the final call log record');
        return;
      }
      this.log.error({ err: error }, 'the database refused the call log record');
      this.requestEnd({
        at: this.deps.now(),
        cause: 'setup_failed',
        error: new StepError('database', error).message,
        hangupReason: this.record.answeredAt ? 'normal' : 'congestion',
      });
    });
  }
}
