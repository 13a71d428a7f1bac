// One inbound call, from its StasisStart to its finalized CallLog row.
//
// A single async lifecycle drives the call: route -> set up media -> stay
// active -> tear down -> store the final row. ARI events never run call logic
// themselves; they only request the end of the call (caller hung up, media
// lost, ...). The setup notices a requested end at its next step boundary, so
// every resource is released exactly once, after the step that acquired it.
//
// The agent's actions end the call from the backend's side, and the caller's
// events they cause are never taken for the caller hanging up: a hang-up
// requests the end before the ARI request; a transfer (which may be refused,
// and the call then goes on) marks itself under way, so that the caller's
// StasisEnd meanwhile is known to be the caller leaving for the dialplan.
//
// A call can also be adopted: another replica set it up, lost its node's lease
// (it died, or handed the node over), and this replica holds the lease now. The
// adopted call starts where the row says it is: connected, waiting for its end.
// A call that was still being set up cannot be finished by anyone else (the
// setup's state is gone): it is ended at once. A replica that loses the lease
// abandons its calls: no teardown, no row written, the next holder adopts them.
//
// A call whose media gateway is lost mid-call moves to another gateway
// (media-move.ts); only when none takes it does it end `media_lost`.
import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { HangupReason, StasisStartEvent } from '../ari/types.js';
import { isAriError } from '../ari/errors.js';
import { describeError } from '../errors.js';
import type { ActionResult } from '../../media/contract/backend.js';
import { childContext, traceParentOf } from '../../media/contract/tracing.js';
import { startCallSpan } from './call-span.js';
import { AGENT_HANGUP_CAUSES, AGENT_MESSAGES, sendCallerToTransfer, type AgentHangupReason } from './agent-actions.js';
import { endRecord, markAnswered, newInboundRecord, type CallEnding, type CallRecord } from './call-record.js';
import { CallLogWriterClosedError } from './call-log-writer.js';
import type { CallSessionDeps } from './call-session-deps.js';
import { readInboundCall, type InboundCall } from './stasis-start.js';
import { readAsteriskRtpAddress } from './asterisk-rtp-address.js';
import { releaseCallResources } from './call-release.js';
import { isFullySetUp, type AdoptedCall } from './adopted-call.js';
import { EndRequested, StepError, type SetupStep } from './setup-step.js';
import { deferred, withTimeout, type Deferred } from '../timing/waiting.js';
import { hangUpQuietly, moveMedia } from './media-move.js';

export type CallPhase = 'setting_up' | 'active' | 'ending' | 'ended';

/** Events of the caller's channel that mean it left the call (or our application). */
export type CallerLeftEvent = 'ChannelHangupRequest' | 'StasisEnd' | 'ChannelDestroyed';

interface EndRequest extends CallEnding {
  /** How to hang up the caller if they are still there. */
  hangupReason: HangupReason;
}

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
  private readonly inbound: InboundCall;
  private record: CallRecord;
  private phaseValue: CallPhase = 'setting_up';
  private endRequest: EndRequest | null = null;
  private readonly endSignal: Deferred<void> = deferred();
  private mediaInStasis: Deferred<void> = deferred();
  /** A move to another gateway under way (it never rejects). */
  private moving: Promise<void> | null = null;
  private readonly finished: Deferred<void> = deferred();
  private callerGone = false;
  private bridgeRequested = false;
  private mediaChannelRequested = false;
  private mediaSessionId: string | null = null;
  private transferTarget: string | null = null;
  /** The transfer's ARI requests while they run: the caller's StasisEnd meanwhile is ours. */
  private transferUnderWay: Promise<void> | null = null;
  /** The caller left Stasis for the dialplan (transfer): not ours to hang up any more. */
  private callerInDialplan = false;
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

  private get tracer() {
    return this.deps.tracer ?? trace.getTracer('noop');
  }

  constructor(
    start: StasisStartEvent | AdoptedCall,
    private readonly deps: CallSessionDeps,
  ) {
    if ('kind' in start) {
      const record = start.record;
      this.adopted = true;
      this.callId = record.id;
      this.callerChannelId = record.channelId;
      this.mediaChannel = record.mediaChannelId ?? deps.newId();
      this.bridgeId = record.bridgeId ?? deps.newId();
      this.inbound = { channelId: record.channelId, dialedRaw: record.toNumber, dialed: record.toNumber, from: record.fromNumber };
      this.record = record;
      this.bridgeRequested = record.bridgeId !== null;
      this.mediaChannelRequested = record.mediaChannelId !== null;
      this.mediaSessionId = record.mediaSessionId ?? null;
      if (record.mediaSessionId && record.mediaGatewayUrl) deps.media.remember(record.mediaSessionId, record.mediaGatewayUrl);
    } else {
      this.adopted = false;
      this.callId = deps.newId();
      this.callerChannelId = start.channel.id;
      this.mediaChannel = deps.newId();
      this.bridgeId = deps.newId();
      const call = readInboundCall(start, deps.settings.defaultCountryCode);
      this.inbound = call;
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
    }
    this.log = deps.logger.child({ callId: this.callId, channelId: this.callerChannelId });
    // One trace per call; the gateway continues it (traceparent in the session request).
    const attributes = { 'call.id': this.callId, 'asterisk.node': deps.settings.node ?? '', 'call.adopted': this.adopted };
    const callSpan = startCallSpan(this.tracer, { adopted: this.adopted, stored: this.record.traceParent ?? null, attributes });
    this.span = callSpan.span;
    this.record = { ...this.record, traceParent: callSpan.traceParent };
    this.mediaChannels.push(this.mediaChannel);
    for (const id of [this.callerChannelId, this.mediaChannel, this.bridgeId]) deps.registry.claim(id, this);
  }

  get mediaChannelId(): string {
    return this.mediaChannel;
  }

  /** Every channel and bridge id routed to this call. */
  ownedIds(): string[] {
    return [this.callerChannelId, this.bridgeId, ...this.mediaChannels];
  }

  /** The gateway holding the call's media session (null before it has one). */
  get mediaGatewayUrl(): string | null {
    return this.mediaSessionId === null ? null : this.deps.media.gatewayUrlOf(this.mediaSessionId);
  }

  get phase(): CallPhase {
    return this.phaseValue;
  }

  /** Resolves when the call is over and its final row was handed to the writer. */
  get done(): Promise<void> {
    return this.finished.promise;
  }

  /** Not ending or ended: the agent's actions apply. */
  get acceptsActions(): boolean {
    return this.endRequest === null && (this.phaseValue === 'setting_up' || this.phaseValue === 'active');
  }

  start(): void {
    void this.lifecycle();
  }

  // ---- events, routed here by the manager -------------------------------

  onCallerLeft(event: CallerLeftEvent, causeCode: number | null): void {
    if (event === 'StasisEnd' && this.transferUnderWay) {
      this.callerInDialplan = true;
      return;
    }
    if (this.callerGone) return;
    this.callerGone = true;
    this.requestEnd({ at: this.deps.now(), cause: 'caller_hangup', causeCode, hangupReason: 'normal' });
  }

  /**
   * The caller pressed a key (ChannelDtmfReceived on the caller's channel): the
   * gateway's agent gets it. Keys that arrive before the media session exists
   * or after the call ended have no one to go to, and are dropped.
   */
  onKeyPressed(digit: string, durationMs: number): void {
    const sessionId = this.mediaSessionId;
    // ARI also reports E (events.json: 0-9, A-E, # or *); a phone keypad has no E and the agent takes none.
    if (sessionId === null || this.endRequest || !/^[0-9A-D*#]$/.test(digit)) return;
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
    this.requestEnd({
      at: this.deps.now(),
      cause: 'media_lost',
      error: 'externalMedia channel left unexpectedly',
      hangupReason: 'normal',
    });
  }

  onBridgeGone(): void {
    this.requestEnd({ at: this.deps.now(), cause: 'media_lost', error: 'bridge destroyed unexpectedly', hangupReason: 'normal' });
  }

  /**
   * The call's gateway stopped answering: its media goes to another gateway with
   * the conversation so far. Only when none takes it does the call end media_lost.
   */
  moveMediaOff(lostGatewayUrl: string): Promise<void> {
    if (this.phaseValue !== 'active' || this.endRequest || this.moving || this.mediaGatewayUrl !== lostGatewayUrl) return this.moving ?? Promise.resolve();
    this.moving = this.moveMedia(lostGatewayUrl).finally(() => {
      this.moving = null;
    });
    return this.moving;
  }

  private async moveMedia(lostGatewayUrl: string): Promise<void> {
    const { ari, media, settings } = this.deps;
    const oldChannel = this.mediaChannel;
    const oldSession = this.mediaSessionId;
    const newChannel = this.deps.newId();
    const startedAt = performance.now();
    const span = this.tracer.startSpan('media move', { attributes: { 'media.lost_gateway': lostGatewayUrl } }, childContext(this.span));
    this.log.warn({ gateway: lostGatewayUrl }, 'media gateway lost mid-call; moving the call to another gateway');
    try {
      const route = await this.deps.directory.findByNumber(this.record.toNumber);
      if (!route) throw new Error('the dialed number has no business any more');
      const resume = (await this.deps.conversationSoFar?.(this.callId)) ?? { turns: [], nextSeq: 0 };
      this.mediaInStasis = deferred();
      const session = await moveMedia(
        { ari, media, appName: settings.appName, stasisTimeoutMs: settings.externalMediaStasisTimeoutMs, log: this.log },
        {
          request: {
            callId: this.callId,
            businessId: route.businessId,
            channelId: this.callerChannelId,
            format: settings.mediaFormat,
            caller: { from: this.record.fromNumber, to: this.record.toNumber },
            agent: route.agent,
            traceparent: traceParentOf(this.span),
          },
          resume,
          lostGatewayUrl,
          bridgeId: this.bridgeId,
          oldMediaChannelId: oldChannel,
          newMediaChannelId: newChannel,
          newChannelInStasis: Promise.race([this.mediaInStasis.promise, this.endSignal.promise]),
          acquired: ({ session: created, mediaChannel }) => {
            if (created) this.mediaSessionId = created.sessionId;
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
   * Sends the caller to the business's transfer target through the dialplan.
   * When Asterisk refuses, the caller stays in the call with the agent.
   */
  async transfer(): Promise<ActionResult> {
    const target = this.transferTarget;
    if (!target) return { ok: false, message: AGENT_MESSAGES.noTransferTarget };
    if (this.phaseValue !== 'active' || this.endRequest) return { ok: false, message: AGENT_MESSAGES.notConnected };
    if (this.transferUnderWay) return { ok: false, message: AGENT_MESSAGES.transferUnderWay };
    const sending = sendCallerToTransfer(this.deps.ari, this.callerChannelId, target).then(() => {
      this.callerInDialplan = true;
    });
    this.transferUnderWay = sending.catch(() => {});
    try {
      await sending;
    } catch (error) {
      // The answer to `continue` can be lost although Asterisk did it: its StasisEnd tells.
      if (!this.callerInDialplan) {
        this.log.warn({ err: error, target }, 'transfer refused; the call goes on');
        return { ok: false, message: AGENT_MESSAGES.transferFailed };
      }
    } finally {
      this.transferUnderWay = null;
    }
    const ended = this.requestEnd({
      at: this.deps.now(),
      cause: 'transferred',
      status: 'transferred',
      transferTarget: target,
      hangupReason: 'normal',
    });
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
    }
    return this.done;
  }

  /** Adopted from another replica's row. */
  get isAdopted(): boolean {
    return this.adopted;
  }

  /** The call's media gateway session, once created (or adopted). */
  get mediaSession(): string | null {
    return this.mediaSessionId;
  }

  // ---- lifecycle ----------------------------------------------------------

  /** The first request ends the call; later ones are ignored (false). */
  private requestEnd(request: EndRequest): boolean {
    if (this.endRequest || this.phaseValue === 'ending' || this.phaseValue === 'ended') return false;
    this.endRequest = request;
    this.endSignal.resolve();
    return true;
  }

  private async lifecycle(): Promise<void> {
    const startedAt = performance.now();
    const timeoutMs = this.deps.settings.setupTimeoutMs;
    // Every step's request has its own timeout; this bounds their sum, so the
    // caller never rings on. The step in flight ends by itself (its result is
    // released by the teardown); the wait for the Stasis entry ends at once.
    const setupTimer = this.adopted ? null : setTimeout(() => this.giveUpSetup(timeoutMs), timeoutMs);
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
    const toNumber = this.record.toNumber;
    this.deps.directory.findByNumber(toNumber).then(
      (route) => {
        this.transferTarget = route?.agent.transferTarget ?? null;
      },
      (error: unknown) => this.log.warn({ err: error }, 'looking up the transfer target of an adopted call failed'),
    );
  }

  /**
   * The setup took too long: the caller stops ringing now (congestion), not
   * when the step in flight returns; the rest is released after it.
   */
  private giveUpSetup(timeoutMs: number): void {
    if (this.phaseValue !== 'setting_up' || this.endRequest) return;
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
    const { ari, media, directory, settings } = this.deps;
    const call = this.inbound;
    this.log.info({ from: call.from, to: call.dialedRaw }, 'inbound call');
    if (!call.dialed) {
      this.endUnrouted(`dialed number "${call.dialedRaw}" is not a phone number`);
      return;
    }
    const dialed = call.dialed;
    const route = await this.step('route_lookup', () => directory.findByNumber(dialed));
    if (!route) {
      this.endUnrouted(null);
      return;
    }
    this.log.info({ businessId: route.businessId }, 'call routed');
    this.transferTarget = route.agent.transferTarget;
    this.record = { ...this.record, businessId: route.businessId, engine: route.agent.engine?.name ?? 'cascade' };
    this.persist();

    // The media path is built while the caller still rings, and the answer
    // comes last: the caller's first moment on the line is the greeting, not
    // the time the setup takes.
    this.bridgeRequested = true;
    await this.step('bridge', () =>
      ari.createBridge({ type: 'mixing', bridgeId: this.bridgeId, name: `call-${this.callId}` }),
    );
    const session = await this.step('media_session', () =>
      media.createSession({
        callId: this.callId,
        businessId: route.businessId,
        channelId: this.callerChannelId,
        format: settings.mediaFormat,
        caller: { from: call.from, to: dialed },
        agent: route.agent,
        ...(route.tools ? { tools: route.tools } : {}),
        traceparent: traceParentOf(this.span),
        awaitAnswer: true,
      }),
    );
    this.mediaSessionId = session.sessionId;

    this.mediaChannelRequested = true;
    const channel = await this.step('external_media', () =>
      ari.externalMedia({
        app: settings.appName,
        externalHost: `${session.rtp.host}:${session.rtp.port}`,
        format: settings.mediaFormat,
        channelId: this.mediaChannelId,
      }),
    );
    const asteriskRtp = await this.step('external_media', () => readAsteriskRtpAddress(ari, channel));
    await this.step('media_remote', () => media.setRemote(session.sessionId, asteriskRtp));
    // Adding the channel before its own StasisStart can be refused with 422
    // "Channel not in Stasis application" by a real Asterisk.
    await this.step('external_media', () =>
      withTimeout(
        Promise.race([this.mediaInStasis.promise, this.endSignal.promise]),
        settings.externalMediaStasisTimeoutMs,
        `externalMedia channel did not enter Stasis within ${settings.externalMediaStasisTimeoutMs} ms`,
      ),
    );
    await this.step('bridge_channels', () => ari.addChannels(this.bridgeId, [this.callerChannelId, this.mediaChannelId]));
    this.record = {
      ...this.record,
      bridgeId: this.bridgeId,
      mediaChannelId: this.mediaChannelId,
      mediaSessionId: session.sessionId,
      mediaGatewayUrl: media.gatewayUrlOf(session.sessionId),
    };

    await this.step('answer', () => ari.answer(this.callerChannelId));
    // The greeting's first packet leaves as soon as the gateway hears of the
    // answer. When this request is lost the caller's first RTP packet tells it.
    media.answered(session.sessionId).catch((error: unknown) => {
      this.log.warn({ err: error }, 'the media gateway was not told of the answer; it starts on the caller audio');
    });
    this.record = markAnswered(this.record, this.deps.now());
    this.persist();
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

  private endUnrouted(error: string | null): void {
    this.log.info({ to: this.record.toNumber }, 'no business owns the dialed number; rejecting the call');
    this.requestEnd({ at: this.deps.now(), cause: 'unrouted', status: 'unrouted', error, hangupReason: 'unallocated' });
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
    return {
      at: this.deps.now(),
      cause: 'setup_failed',
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
    // A transfer under way decides whether the caller is still ours to hang up.
    await this.transferUnderWay;
    // A move releases what it replaced; the teardown releases what it acquired.
    await this.moving;
    const hungUpEarly = (await this.callerHangupEarly) === true;
    const { recordingPath } = await releaseCallResources(
      { ari: this.deps.ari, media: this.deps.media, log: this.log },
      {
        callerChannelId: this.callerChannelId,
        callerHangup: this.callerGone || this.callerInDialplan || hungUpEarly ? null : request.hangupReason,
        mediaChannelId: this.mediaChannelRequested ? this.mediaChannelId : null,
        bridgeId: this.bridgeRequested ? this.bridgeId : null,
        mediaSessionId: this.mediaSessionId,
      },
      (released) => this.callerReleased.resolve(released),
    );
    this.record = endRecord(this.record, { ...request, recordingPath });
    this.log.info(
      { status: this.record.status, hangupCause: this.record.hangupCause, durationMs: this.record.durationMs },
      'call ended',
    );
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
