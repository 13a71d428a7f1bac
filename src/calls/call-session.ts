// One inbound call, from its StasisStart to its finalized CallLog row.
//
// A single async lifecycle drives the call: route -> set up media -> stay
// active -> tear down -> store the final row. ARI events never run call logic
// themselves; they only request the end of the call (caller hung up, media
// lost, ...). The setup notices a requested end at its next step boundary, so
// every resource is released exactly once, after the step that acquired it.
import type { Logger } from 'pino';
import type { AriRest } from '../ari/rest.js';
import type { Channel, HangupReason, StasisStartEvent } from '../ari/types.js';
import { isAriError } from '../ari/errors.js';
import { describeError } from '../errors.js';
import type { MediaGatewayClient } from '../media-gateway/client.js';
import type { RtpEndpoint } from '../../media/contract/sessions.js';
import type { BusinessDirectory } from './business-directory.js';
import { endRecord, markAnswered, newInboundRecord, type CallEnding, type CallRecord } from './call-record.js';
import { CallLogWriterClosedError, type CallLogWriter } from './call-log-writer.js';
import { readInboundCall, type InboundCall } from './stasis-start.js';
import { deferred, withTimeout, type Deferred } from '../timing/waiting.js';

export interface CallSettings {
  appName: string;
  mediaFormat: 'ulaw' | 'slin';
  defaultCountryCode: string;
  externalMediaStasisTimeoutMs: number;
}

/** Lets the manager route events by channel and bridge id to the session owning them. */
export interface CallRegistry {
  claim(id: string, session: CallSession): void;
  release(session: CallSession): void;
}

export interface CallSessionDeps {
  ari: AriRest;
  media: MediaGatewayClient;
  writer: CallLogWriter;
  directory: BusinessDirectory;
  registry: CallRegistry;
  settings: CallSettings;
  logger: Logger;
  now: () => Date;
  newId: () => string;
}

export type SetupStep =
  | 'route_lookup'
  | 'answer'
  | 'bridge'
  | 'media_session'
  | 'external_media'
  | 'media_remote'
  | 'bridge_channels'
  | 'database';

export type CallPhase = 'setting_up' | 'active' | 'ending' | 'ended';

interface EndRequest extends CallEnding {
  /** How to hang up the caller if they are still there. */
  hangupReason: HangupReason;
}

class StepError extends Error {
  constructor(
    readonly step: SetupStep,
    readonly original: unknown,
  ) {
    super(`${step}: ${describeError(original)}`);
  }
}

class EndRequested extends Error {}

export class CallSession {
  readonly callId: string;
  readonly callerChannelId: string;
  readonly mediaChannelId: string;
  readonly bridgeId: string;
  private readonly log: Logger;
  private readonly inbound: InboundCall;
  private record: CallRecord;
  private phaseValue: CallPhase = 'setting_up';
  private endRequest: EndRequest | null = null;
  private readonly endSignal: Deferred<void> = deferred();
  private readonly mediaInStasis: Deferred<void> = deferred();
  private readonly finished: Deferred<void> = deferred();
  private callerGone = false;
  private bridgeRequested = false;
  private mediaChannelRequested = false;
  private mediaSessionId: string | null = null;

  constructor(
    event: StasisStartEvent,
    private readonly deps: CallSessionDeps,
  ) {
    this.callId = deps.newId();
    this.callerChannelId = event.channel.id;
    this.mediaChannelId = deps.newId();
    this.bridgeId = deps.newId();
    this.log = deps.logger.child({ callId: this.callId, channelId: this.callerChannelId });
    const call = readInboundCall(event, deps.settings.defaultCountryCode);
    this.inbound = call;
    this.record = newInboundRecord({
      id: this.callId,
      channelId: this.callerChannelId,
      businessId: null,
      fromNumber: call.from,
      toNumber: call.dialed ?? call.dialedRaw,
      status: 'ringing',
      createdAt: deps.now(),
    });
    for (const id of [this.callerChannelId, this.mediaChannelId, this.bridgeId]) deps.registry.claim(id, this);
  }

  get phase(): CallPhase {
    return this.phaseValue;
  }

  /** Resolves when the call is over and its final row was handed to the writer. */
  get done(): Promise<void> {
    return this.finished.promise;
  }

  start(): void {
    void this.lifecycle();
  }

  // ---- events, routed here by the manager -------------------------------

  onCallerGone(causeCode: number | null): void {
    if (this.callerGone) return;
    this.callerGone = true;
    this.requestEnd({ at: this.deps.now(), cause: 'caller_hangup', causeCode, hangupReason: 'normal' });
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

  /** Ends the call for a reason outside the call itself (shutdown, lost or replaced ARI app). */
  end(request: Omit<EndRequest, 'at'>): Promise<void> {
    this.requestEnd({ ...request, at: this.deps.now() });
    return this.done;
  }

  // ---- lifecycle ----------------------------------------------------------

  private requestEnd(request: EndRequest): void {
    if (this.endRequest || this.phaseValue === 'ending' || this.phaseValue === 'ended') return;
    this.endRequest = request;
    this.endSignal.resolve();
  }

  private async lifecycle(): Promise<void> {
    const startedAt = performance.now();
    try {
      await this.setUp();
    } catch (error) {
      this.requestEnd(await this.endingForSetupFailure(error));
    }
    if (!this.endRequest) {
      this.phaseValue = 'active';
      this.log.info({ setupMs: Math.round(performance.now() - startedAt) }, 'call connected to the media gateway');
      await this.endSignal.promise;
    }
    this.phaseValue = 'ending';
    const request = this.endRequest as EndRequest;
    try {
      await this.tearDown(request);
    } catch (error) {
      this.log.error({ err: error }, 'call teardown failed');
    } finally {
      this.phaseValue = 'ended';
      this.deps.registry.release(this);
      this.finished.resolve();
    }
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
    this.record = { ...this.record, businessId: route.businessId };
    this.persist();

    await this.step('answer', () => ari.answer(this.callerChannelId));
    this.record = markAnswered(this.record, this.deps.now());
    this.persist();

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
    const asteriskRtp = await this.step('external_media', () => this.readAsteriskRtpAddress(channel));
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
    this.record = { ...this.record, bridgeId: this.bridgeId, mediaChannelId: this.mediaChannelId };
    this.persist();
  }

  /**
   * Runs one setup step unless the end of the call was requested. A step that
   * succeeds returns its result even if the end was requested meanwhile, so
   * that what it acquired is recorded and released by the teardown.
   */
  private async step<T>(step: SetupStep, run: () => Promise<T>): Promise<T> {
    if (this.endRequest) throw new EndRequested();
    try {
      return await run();
    } catch (error) {
      if (this.endRequest) throw new EndRequested();
      throw new StepError(step, error);
    }
  }

  private async readAsteriskRtpAddress(channel: Channel): Promise<RtpEndpoint> {
    const vars = channel.channelvars ?? {};
    const host = vars.UNICASTRTP_LOCAL_ADDRESS ?? (await this.deps.ari.getChannelVar(channel.id, 'UNICASTRTP_LOCAL_ADDRESS'));
    const portText = vars.UNICASTRTP_LOCAL_PORT ?? (await this.deps.ari.getChannelVar(channel.id, 'UNICASTRTP_LOCAL_PORT'));
    const port = Number(portText);
    if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new Error(`Asterisk gave no usable RTP address (UNICASTRTP_LOCAL_ADDRESS=${host}, UNICASTRTP_LOCAL_PORT=${portText})`);
    }
    return { host, port };
  }

  private endUnrouted(error: string | null): void {
    this.log.info({ to: this.record.toNumber }, 'no business owns the dialed number; rejecting the call');
    this.requestEnd({ at: this.deps.now(), cause: 'unrouted', status: 'unrouted', error, hangupReason: 'unallocated' });
  }

  private async endingForSetupFailure(error: unknown): Promise<EndRequest> {
    if (error instanceof EndRequested && this.endRequest) return this.endRequest;
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
    const { ari } = this.deps;
    const hangUpCaller = async (): Promise<void> => {
      if (this.callerGone) return;
      await ari.hangup(this.callerChannelId, request.hangupReason);
    };
    // Same order as a real client: externalMedia channel first, then the bridge.
    const releaseAsterisk = async (): Promise<void> => {
      if (this.mediaChannelRequested) await this.attempt('hang up externalMedia channel', () => ari.hangup(this.mediaChannelId));
      if (this.bridgeRequested) await this.attempt('destroy bridge', () => ari.destroyBridge(this.bridgeId));
    };
    const closeMedia = async (): Promise<string | null> => {
      if (!this.mediaSessionId) return null;
      const closed = await this.deps.media.closeSession(this.mediaSessionId);
      return closed?.recordingPath ?? null;
    };
    const [, , recording] = await Promise.allSettled([
      this.attempt('hang up caller', hangUpCaller),
      releaseAsterisk(),
      closeMedia(),
    ]);
    if (recording.status === 'rejected') this.log.warn({ err: recording.reason }, 'closing the media session failed');
    const recordingPath = recording.status === 'fulfilled' ? recording.value : null;
    this.record = endRecord(this.record, { ...request, recordingPath });
    this.log.info(
      { status: this.record.status, hangupCause: this.record.hangupCause, durationMs: this.record.durationMs },
      'call ended',
    );
    this.persist();
  }

  private async attempt(what: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.log.warn({ err: error }, `${what} failed`);
    }
  }

  /** Hands the current record to the writer; a record the database refuses ends the call `failed`. */
  private persist(): void {
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
