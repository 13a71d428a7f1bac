// A fake Asterisk 22.10.1 for integration tests: ARI REST and the events websocket on
// 127.0.0.1, validated against the real api-docs, behaving as the recorded traces show, with
// real RTP over UDP for externalMedia channels and injectable faults.

import { EventEmitter } from 'node:events';
import { loadApiDocs, type ApiDocs } from './api-docs.js';
import { ariTimestamp } from './ari-format.js';
import { AppRegistry } from './app-registry.js';
import { AriHttpServer } from './ari-http-server.js';
import { bridgedWithCaller, reconcileMedia } from './media-follows-bridge.js';
import { callerSpeechUlaw } from '../../kit/reference-media.js';
import type { ReceivedPacket } from './rtp-media.js';
import { decideEventsUpgrade } from './events-upgrade.js';
import type { CalleeBehaviour, DialplanStep, FakeAsteriskOptions, FakeBridgeView, FakeCall, FakeCallOptions, FakeChannelView, RecordedRequest } from './public-types.js';
import { isPhoneParty } from './call-model.js';
import { FakeDialplan } from './fake-dialplan.js';
import { InjectedFailures } from './injected-failures.js';
import { Originations } from './originations.js';
import { originateRoutes } from './rest-originate-routes.js';
import { WebSocketMedia, type WebSocketReceived } from './websocket-media.js';
import { bridgeRoutes } from './rest-bridge-routes.js';
import { channelRoutes } from './rest-channel-routes.js';
import { dispatchRest } from './rest-dispatch.js';
import { systemRoutes } from './rest-system-routes.js';
import { ariError, type RestReply, type RestRoute } from './rest-types.js';
import { RtpMedia } from './rtp-media.js';
import { DEFAULT_APP, NORMAL_CLEARING, Telephony } from './telephony.js';
import { bridgeView, channelView } from './views.js';
import { waitUntil } from '../../kit/wait.js';

/** Default bound of waitFor(): every state change re-checks, so a longer wait is a failure. */
const WAIT_TIMEOUT_MS = 5_000;
const DEFAULT_RESTART_DOWN_MS = 300;
const DEFAULT_KEY_PRESS_MS = 100;

export class FakeAsterisk {
  readonly username: string;
  readonly password: string;
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];

  private readonly options: Readonly<Required<Omit<FakeAsteriskOptions, 'username' | 'password'>>>;
  private readonly changes = new EventEmitter();
  private readonly docs: ApiDocs = loadApiDocs();
  private readonly registry = new AppRegistry(() => this.notifyChange());
  private readonly media: RtpMedia;
  private readonly websocketMedia: WebSocketMedia;
  private readonly telephony: Telephony;
  private readonly originations: Originations;
  private readonly dialplan: FakeDialplan;
  private readonly http: AriHttpServer;
  private readonly injectedFailures = new InjectedFailures();
  private listeningPort = 0;
  private requestSeq = 0;
  private startupTime = ariTimestamp();
  private refusingCredentials = false;
  private restartWait: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  private closing: Promise<void> | null = null;

  static async start(options: FakeAsteriskOptions = {}): Promise<FakeAsterisk> {
    const fake = new FakeAsterisk(options);
    fake.listeningPort = await fake.http.listen(fake.options.port);
    return fake;
  }

  private constructor(options: FakeAsteriskOptions) {
    this.username = options.username ?? 'asterisk';
    this.password = options.password ?? 'asterisk';
    this.options = Object.freeze({
      port: options.port ?? 0,
      externalMediaStasisDelayMs: options.externalMediaStasisDelayMs ?? 0,
      autoCallerAudio: options.autoCallerAudio ?? false,
      continueEventsBeforeReply: options.continueEventsBeforeReply ?? false,
      rtpSendJitterMs: options.rtpSendJitterMs ?? 0,
      systemName: options.systemName ?? '',
    });
    if (!(this.options.rtpSendJitterMs >= 0 && this.options.rtpSendJitterMs < 20)) throw new Error('rtpSendJitterMs must be from 0 to under 20 ms');
    this.media = new RtpMedia(() => this.notifyChange(), this.options.rtpSendJitterMs);
    this.changes.setMaxListeners(0);
    this.telephony = new Telephony(
      {
        deliver: (batch) => this.registry.deliver(batch),
        isAppRegistered: (app) => this.registry.isRegistered(app),
        membershipChanged: (channelIds) =>
          reconcileMedia({ telephony: this.telephony, rtp: this.media, websocket: this.websocketMedia, autoCallerAudio: this.options.autoCallerAudio }, channelIds),
        channelDestroyed: (channel) => {
          this.media.close(channel.id);
          this.websocketMedia.close(channel.id);
          this.originations.forget(channel.id);
        },
        rtpCounts: (channelId) =>
          this.websocketMedia.has(channelId)
            ? { sent: this.websocketMedia.sent(channelId), received: this.websocketMedia.received(channelId).frames }
            : { sent: this.media.sent(channelId).packets, received: this.media.received(channelId).packets },
        dialplanEntered: (channel, location) => this.dialplan.entered(channel.id, location),
        notifyChange: () => this.notifyChange(),
      },
      this.options.externalMediaStasisDelayMs,
      this.options.systemName,
    );
    this.dialplan = new FakeDialplan(this.telephony, () => this.notifyChange());
    this.websocketMedia = new WebSocketMedia(
      {
        connected: (channelId) => {
          const channel = this.telephony.liveChannel(channelId);
          if (channel) this.telephony.mediaConnected(channel);
        },
        hangupRequested: (channelId) => {
          const channel = this.telephony.liveChannel(channelId);
          if (channel) this.telephony.hangupQueued(channel, NORMAL_CLEARING);
        },
      },
      () => this.notifyChange(),
    );
    this.originations = new Originations(this.telephony, (batch) => this.registry.deliver(batch), () => this.notifyChange());
    const routes = new Map<string, RestRoute>([
      ...channelRoutes({
        telephony: this.telephony,
        media: this.media,
        websocketMedia: this.websocketMedia,
        continueEventsBeforeReply: this.options.continueEventsBeforeReply,
      }),
      ...originateRoutes({ telephony: this.telephony, originations: this.originations }),
      ...bridgeRoutes({ telephony: this.telephony, registeredApps: () => this.registry.registeredApps() }),
      ...systemRoutes({
        telephony: this.telephony,
        registeredApps: () => this.registry.registeredApps(),
        isRegistered: (app) => this.registry.isRegistered(app),
        startupTime: () => this.startupTime,
        systemName: this.options.systemName,
      }),
    ]);
    this.http = new AriHttpServer({
      credentialsAccepted: (username, password) => !this.refusingCredentials && username === this.username && password === this.password,
      record: (entry) => this.record(entry),
      takeInjectedFailure: (method, path) => this.injectedFailures.take(method, path),
      dispatch: (input) =>
        dispatchRest({ docs: this.docs, routes, missingResource: (params) => this.missingResource(params), ariBaseUrl: () => `${this.url}/ari` }, input),
      decideUpgrade: (method, path, query) => decideEventsUpgrade(this.docs, method, path, query),
      addViolations: (violations) => {
        if (violations.length > 0) this.violations.push(...violations);
      },
      deliver: (batch) => this.registry.deliver(batch),
      acceptEventsSocket: (socket, apps) => this.registry.attach(socket, apps),
      decideMediaUpgrade: (path, protocols) => this.websocketMedia.decideUpgrade(path, protocols),
      acceptMediaSocket: (channelId, socket) => this.websocketMedia.attach(channelId, socket),
      notifyChange: () => this.notifyChange(),
    });
  }

  /** 'http://127.0.0.1:<port>' (no /ari suffix). */
  get url(): string {
    return `http://127.0.0.1:${this.listeningPort}`;
  }

  get port(): number {
    return this.listeningPort;
  }

  restRequests(filter: { method?: string; pathPrefix?: string } = {}): RecordedRequest[] {
    return this.requests.filter(
      (request) =>
        request.kind === 'rest' &&
        (filter.method === undefined || request.method === filter.method.toUpperCase()) &&
        (filter.pathPrefix === undefined || request.path.startsWith(filter.pathPrefix)),
    );
  }

  isRegistered(app: string = DEFAULT_APP): boolean {
    return this.registry.isRegistered(app);
  }

  openSocketCount(): number {
    return this.registry.openSocketCount();
  }

  placeCall(options: FakeCallOptions): FakeCall {
    return this.telephony.placeCall(options);
  }

  /**
   * Sends `frame` verbatim on the events socket holding `app` (for malformed-event tests);
   * throws when no socket holds the app. Dropped while silent, like every event.
   */
  sendRawEvent(frame: string, app: string = DEFAULT_APP): void {
    if (!this.registry.sendRaw(app, frame)) throw new Error(`no events socket registered for ${app}`);
  }

  /** The phone side hangs up (SIP BYE): the caller of an inbound call, or the callee of an originated one. */
  hangupCaller(channelId: string, options: { cause?: number } = {}): void {
    const channel = this.telephony.liveChannel(channelId);
    if (!channel || !isPhoneParty(channel)) throw new Error(`no live caller or callee channel ${channelId}`);
    if (this.originations.isRinging(channelId)) throw new Error(`${channelId} is still ringing: use setCallee() for how it ends`);
    this.telephony.hangupByCaller(channel, options.cause);
  }

  /**
   * How the far end of channels the app originates to `endpoint` behaves (a string matches the
   * whole endpoint, e.g. 'PJSIP/100'; a RegExp any endpoint it matches). The latest rule wins;
   * without one a channel rings until the originate's timeout.
   */
  setCallee(endpoint: string | RegExp, behaviour: CalleeBehaviour): void {
    this.originations.setCallee(endpoint, behaviour);
  }

  /** The far end of a ringing originated channel answers now. */
  answerCallee(channelId: string): void {
    this.originations.answer(channelId);
  }

  /** What the dialplan does with channels `continue` sends to `context` (the fake runs no real dialplan). */
  setDialplan(context: string, step: DialplanStep): void {
    this.dialplan.set(context, step);
  }

  /**
   * The caller presses a key (RFC 4733 from the phone): Asterisk sends ChannelDtmfReceived when
   * the digit ends, to the app the channel is in (nothing after it left Stasis). `digit` is one
   * of 0-9, A-D, * and #; `durationMs` defaults to 100 (a typical key press).
   */
  pressKey(channelId: string, digit: string, options: { durationMs?: number } = {}): void {
    if (!/^[0-9A-D*#]$/.test(digit)) throw new Error(`not a DTMF digit: ${JSON.stringify(digit)}`);
    const channel = this.telephony.liveChannel(channelId);
    if (channel?.kind !== 'caller') throw new Error(`no live caller channel ${channelId}`);
    this.telephony.dtmfReceived(channel, digit, options.durationMs ?? DEFAULT_KEY_PRESS_MS);
  }

  /** Any channel this Asterisk created since its last restart, hung up or not. */
  channel(id: string): FakeChannelView | undefined {
    const channel = this.telephony.channels.get(id);
    return channel ? channelView(channel) : undefined;
  }

  channels(): FakeChannelView[] {
    return this.telephony.liveChannels().map(channelView);
  }

  bridges(): FakeBridgeView[] {
    return [...this.telephony.bridges.values()].map(bridgeView);
  }

  /**
   * Sends `payload` (G.711 mu-law, default: the recorded caller speech) from the channel's
   * UNICASTRTP_LOCAL_ADDRESS:PORT to its external_host, converted to the channel's format.
   * Without `loop` it stops at the end of the payload.
   */
  startCallerAudio(externalMediaChannelId: string, options: { payload?: Buffer; loop?: boolean } = {}): void {
    const channel = this.telephony.liveChannel(externalMediaChannelId);
    if (channel?.kind !== 'external-media') throw new Error(`no live externalMedia channel ${externalMediaChannelId}`);
    const audio = { loop: options.loop ?? false, needsCallerPeer: bridgedWithCaller(this.telephony, channel) };
    if (channel.externalMedia?.transport === 'websocket') this.websocketMedia.startAudio(channel.id, options.payload ?? callerSpeechUlaw(), audio);
    else this.media.startAudio(channel.id, options.payload ?? callerSpeechUlaw(), audio);
  }

  /**
   * The caller's phone returns what the app sends, `delayMs` later and `gainDb` quieter (acoustic
   * echo, e.g. -18 dB); null stops it. ulaw channels only.
   */
  setCallerEcho(externalMediaChannelId: string, echo: { gainDb: number; delayMs: number } | null): void {
    const channel = this.telephony.liveChannel(externalMediaChannelId);
    if (channel?.kind !== 'external-media') throw new Error(`no live externalMedia channel ${externalMediaChannelId}`);
    this.media.setEcho(channel.id, echo);
  }

  /** performance.now() when the first packet of the latest startCallerAudio() payload left; null before. */
  callerAudioStartedAt(externalMediaChannelId: string): number | null {
    return this.media.audioFirstSentAt(externalMediaChannelId);
  }

  stopCallerAudio(externalMediaChannelId: string): void {
    this.media.stopAudio(externalMediaChannelId);
    this.websocketMedia.stopAudio(externalMediaChannelId);
  }

  /** What the app sent on a WebSocket externalMedia channel: binary frames, bytes, text commands, queue depth. */
  websocketReceived(externalMediaChannelId: string): WebSocketReceived {
    return this.websocketMedia.received(externalMediaChannelId);
  }

  /** Whether the app's media websocket of a WebSocket externalMedia channel is connected. */
  mediaWebsocketConnected(externalMediaChannelId: string): boolean {
    return this.websocketMedia.isConnected(externalMediaChannelId);
  }

  /** Every packet the app sent to an externalMedia channel (what the caller hears), with its level. */
  rtpHeard(externalMediaChannelId: string): readonly ReceivedPacket[] {
    if (this.websocketMedia.has(externalMediaChannelId)) return this.websocketMedia.heard(externalMediaChannelId);
    return this.media.heard(externalMediaChannelId);
  }

  /** RTP the app sent to the channel: packets, RTP payload bytes, `ip:port` sources, payload types. */
  rtpReceived(externalMediaChannelId: string): { packets: number; bytes: number; sources: string[]; payloadTypes: number[] } {
    return this.media.received(externalMediaChannelId);
  }

  rtpSent(externalMediaChannelId: string): { packets: number; ssrc: number } {
    return this.media.sent(externalMediaChannelId);
  }

  /**
   * Resolves once `predicate()` holds, re-checked on every state change of the fake (request,
   * event, socket, RTP packet) and every 10 ms; rejects after timeoutMs with `what` in the message.
   */
  waitFor(predicate: () => boolean, options: { timeoutMs?: number; what?: string } = {}): Promise<void> {
    return waitUntil(predicate, { timeoutMs: WAIT_TIMEOUT_MS, ...options, what: `${options.what ?? 'a condition'} (FakeAsterisk)`, wakeOn: this.changes });
  }

  /**
   * Asterisk restarts: events sockets dropped without a close frame, every channel, bridge
   * and app registration gone, connections refused for downMs, then listening again on the
   * same port. Resolves once it is back up.
   */
  async restart(options: { downMs?: number } = {}): Promise<void> {
    if (this.closing) throw new Error('FakeAsterisk is closed');
    this.registry.terminateAll();
    await this.http.shutdown();
    this.dialplan.cancelPending();
    this.originations.reset();
    this.telephony.reset();
    this.media.closeAll();
    this.websocketMedia.closeAll();
    this.notifyChange();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.restartWait = null;
        resolve();
      }, options.downMs ?? DEFAULT_RESTART_DOWN_MS);
      this.restartWait = { timer, resolve };
    });
    if (this.closing) return;
    this.startupTime = ariTimestamp();
    this.listeningPort = await this.http.listen(this.listeningPort);
    this.notifyChange();
  }

  /** Events sockets stay open but get no events and no pongs; REST still answers. */
  goSilent(): void {
    this.registry.setSilent(true);
  }

  resume(): void {
    this.registry.setSilent(false);
  }

  /** While on, every REST request and websocket upgrade gets Asterisk's 401. */
  refuseCredentials(on: boolean): void {
    this.refusingCredentials = on;
  }

  /**
   * The next request whose method matches and whose path (with /ari, without query) matches
   * `path` gets `{status, {"message": message}}` instead of being executed.
   */
  failNext(method: string, path: RegExp, failure: { status: number; message: string }): void {
    this.injectedFailures.add(method, path, failure);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.restartWait) {
      clearTimeout(this.restartWait.timer);
      this.restartWait.resolve();
      this.restartWait = null;
    }
    this.registry.terminateAll();
    await this.http.shutdown();
    this.http.close();
    this.dialplan.cancelPending();
    this.originations.reset();
    this.telephony.reset();
    this.media.closeAll();
    this.websocketMedia.closeAll();
  }

  private record(entry: Pick<RecordedRequest, 'method' | 'path' | 'query' | 'kind'>): RecordedRequest {
    this.requestSeq += 1;
    const request: RecordedRequest = { seq: this.requestSeq, atMs: performance.now(), ...entry, body: null, status: 0 };
    this.requests.push(request);
    return request;
  }

  /** 404s for operations the fake does not implement, when the addressed resource is unknown. */
  private missingResource(pathParams: Readonly<Record<string, string>>): RestReply | null {
    const channelId = pathParams['channelId'];
    if (channelId !== undefined && !this.telephony.liveChannel(channelId)) return ariError(404, 'Channel not found', 'Not Found');
    const bridgeId = pathParams['bridgeId'];
    if (bridgeId !== undefined && !this.telephony.bridges.has(bridgeId)) return ariError(404, 'Bridge not found', 'Not found');
    return null;
  }

  private notifyChange(): void {
    this.changes.emit('change');
  }
}
