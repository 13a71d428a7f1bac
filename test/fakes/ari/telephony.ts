// Channel and bridge state of the fake Asterisk and the call flows of the recorded traces:
// an inbound PJSIP call entering Stasis, answer, externalMedia (UnicastRTP) channels, hangups
// by the app (DELETE) and by the caller (BYE), continue, bridges.

import type { Application, Channel, DialplanCep } from '../../../src/ari/types.js';
import { ariTimestamp, causeText, ChannelIdSource, sipCallId, SOFTHANGUP_EXPLICIT, unicastRtpName, websocketChannelName } from './ari-format.js';
import {
  channelDestroyed,
  channelDtmfReceived,
  channelHangupRequest,
  channelStateChange,
  dial,
  EventBatch,
  stasisEnd,
  stasisStart,
} from './ari-events.js';
import { bridgeMembers, channelRecipients, destroyBridge, joinBridge, leaveBridge, setChannelVariable } from './bridging.js';
import { channelJson, channelJsonWithVars, newChannelRecord, type BridgeRecord, type ChannelRecord, type DialplanLocation } from './call-model.js';
import { qosVariables } from './rtp-qos.js';
import { applyExternalMedia, type ExternalMediaInput } from './external-media-input.js';

export const DEFAULT_APP = 'prosaas_ai';
export const DEFAULT_CALLER_NUMBER = '+15551230000';
const SIP_ENDPOINT = 'twilio-trunk';
export const NORMAL_CLEARING = 16;
const APP_DIAL_DIALPLAN: DialplanCep = { context: 'default', exten: 's', priority: 1, app_name: 'AppDial2', app_data: '(Outgoing Line)' };

export interface TelephonyHooks {
  deliver(batch: EventBatch): void;
  isAppRegistered(app: string): boolean;
  /** Bridge membership of these channels changed (media follows the bridge). */
  membershipChanged(channelIds: readonly string[]): void;
  channelDestroyed(channel: ChannelRecord): void;
  /** Packets the externalMedia channel sent / received, for the RTPAUDIOQOS variables. */
  rtpCounts(channelId: string): { sent: number; received: number };
  /** `continue` sent the channel to `location` (the fake's dialplan may act on it). */
  dialplanEntered(channel: ChannelRecord, location: DialplanLocation): void;
  notifyChange(): void;
}

export interface PlaceCallInput {
  from?: string | null;
  to: string;
  args?: string[];
  app?: string;
}

export class Telephony {
  readonly channels = new Map<string, ChannelRecord>();
  readonly bridges = new Map<string, BridgeRecord>();
  /** Incremented by reset(): work started before a restart must not land in the new state. */
  generation = 0;
  private ids: ChannelIdSource;
  private sipCallCounter = 1;
  private readonly stasisTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly hooks: TelephonyHooks,
    private readonly externalMediaStasisDelayMs: number,
    private readonly systemName = '',
  ) {
    this.ids = new ChannelIdSource(systemName);
  }

  liveChannel(id: string): ChannelRecord | undefined {
    const channel = this.channels.get(id);
    return channel && !channel.destroyed ? channel : undefined;
  }

  liveChannels(): ChannelRecord[] {
    return [...this.channels.values()].filter((channel) => !channel.destroyed);
  }

  nextChannelId(): string {
    return this.ids.nextUniqueId();
  }

  /** chan_pjsip's next channel name for `endpoint` (one counter for every PJSIP channel). */
  nextPjsipName(endpoint: string): string {
    return this.ids.nextPjsipName(endpoint);
  }

  /** An inbound SIP call reaching `Stasis(app,args)`; declined (603, no event) without the app. */
  placeCall(input: PlaceCallInput): { channelId: string; outcome: 'in-stasis' | 'declined' } {
    const app = input.app ?? DEFAULT_APP;
    const args = input.args ?? ['inbound', input.to];
    const from = input.from === undefined ? DEFAULT_CALLER_NUMBER : input.from;
    const dialplan: DialplanCep = { context: 'from-twilio', exten: input.to, priority: 2, app_name: 'Stasis', app_data: [app, ...args].join(',') };
    const channel = this.createChannel({
      id: this.ids.nextUniqueId(),
      name: this.ids.nextPjsipName(SIP_ENDPOINT),
      kind: 'caller',
      state: 'Ring',
      protocolId: sipCallId(this.sipCallCounter++),
      caller: from === null ? { name: '', number: '' } : { name: 'Caller', number: from },
      dialplan,
      dialplanOutsideStasis: dialplan,
    });
    if (!this.hooks.isAppRegistered(app)) {
      channel.destroyed = true;
      this.hooks.notifyChange();
      return { channelId: channel.id, outcome: 'declined' };
    }
    channel.subscribedApp = app;
    channel.stasisApp = app;
    const batch = new EventBatch();
    batch.add([app], stasisStart(channelJson(channel), args));
    this.hooks.deliver(batch);
    return { channelId: channel.id, outcome: 'in-stasis' };
  }

  answer(channel: ChannelRecord, batch: EventBatch): void {
    if (channel.state === 'Up') return;
    channel.state = 'Up';
    batch.add(channelRecipients(channel), channelStateChange(channelJson(channel)));
  }

  /**
   * Creates the externalMedia channel; returns the 200 body (state Down, channelvars) and the
   * events that follow it. UnicastRTP: Dial, Up, Dial ANSWER, then STASISSTATUS and StasisStart
   * (now, or after externalMediaStasisDelayMs on a timer). WebSocket (server connection): Dial
   * only; the rest follows when the app connects its media websocket (mediaConnected). Without
   * a registered app the channel is hung up at once.
   */
  createExternalMedia(input: ExternalMediaInput): { body: Channel; events: EventBatch } {
    const websocket = input.media.transport === 'websocket';
    const channel = this.createChannel({
      id: input.channelId,
      name: websocket ? websocketChannelName() : unicastRtpName(input.externalHost),
      kind: 'external-media',
      state: 'Down',
      protocolId: '',
      caller: { name: '', number: '' },
      dialplan: { ...APP_DIAL_DIALPLAN },
      dialplanOutsideStasis: { ...APP_DIAL_DIALPLAN },
    });
    applyExternalMedia(channel, input);
    const body = channelJsonWithVars(channel);
    const events = new EventBatch();
    if (!this.hooks.isAppRegistered(input.app)) {
      this.destroy(channel, NORMAL_CLEARING, events, false);
      return { body, events };
    }
    const dialstring = websocket ? 'INCOMING' : `${input.externalHost}/c(${input.format})`;
    events.add([input.app], dial(channelJson(channel), '', dialstring));
    if (websocket) return { body, events };
    this.answerExternalMedia(channel, dialstring, events);
    return { body, events };
  }

  /** The app connected the websocket of a WebSocket externalMedia channel: it answers and enters Stasis. */
  mediaConnected(channel: ChannelRecord): void {
    if (channel.destroyed || channel.state === 'Up') return;
    const events = new EventBatch();
    this.answerExternalMedia(channel, 'INCOMING', events);
    this.hooks.deliver(events);
  }

  private answerExternalMedia(channel: ChannelRecord, dialstring: string, events: EventBatch): void {
    const pending = channel.pendingStasis!;
    channel.state = 'Up';
    events.add([pending.app], channelStateChange(channelJson(channel)));
    events.add([pending.app], dial(channelJson(channel), 'ANSWER', dialstring));
    if (this.externalMediaStasisDelayMs <= 0) {
      this.enterStasis(channel, pending.app, pending.args, events);
      return;
    }
    const timer = setTimeout(() => {
      this.stasisTimers.delete(channel.id);
      const late = new EventBatch();
      this.enterStasis(channel, pending.app, pending.args, late);
      this.hooks.deliver(late);
    }, this.externalMediaStasisDelayMs);
    this.stasisTimers.set(channel.id, timer);
  }

  /**
   * A channel the app sent to the dialplan runs Stasis(app, args) there (the fake's dialplan
   * step, e.g. after AMD): the app is subscribed again and gets StasisStart.
   */
  enterStasisFromDialplan(channel: ChannelRecord, app: string, args: string[]): void {
    if (channel.destroyed) return;
    const events = new EventBatch();
    if (!this.hooks.isAppRegistered(app)) {
      channel.vars.set('STASISSTATUS', 'FAILED');
      this.hooks.notifyChange();
      return;
    }
    const location = channel.continuedTo ?? { context: channel.dialplan.context, exten: channel.dialplan.exten, priority: channel.dialplan.priority };
    channel.subscribedApp = app;
    channel.stasisApp = app;
    channel.continuedToDialplan = false;
    channel.dialplan = { ...location, app_name: 'Stasis', app_data: [app, ...args].join(',') };
    events.add([app], stasisStart(channelJson(channel), args));
    this.hooks.deliver(events);
    this.hooks.notifyChange();
  }

  /** The dialplan hangs the channel up (e.g. Hangup() after AMD); the app is not subscribed there. */
  hangupInDialplan(channel: ChannelRecord, cause: number): void {
    if (channel.destroyed) return;
    const events = new EventBatch();
    channel.hungUpBy = 'dialplan';
    this.destroy(channel, cause, events, true);
    this.hooks.deliver(events);
  }

  /** `DELETE /channels/{id}`: soft hangup with `cause` as the channel's hangup cause. */
  hangupByApp(channel: ChannelRecord, cause: number, reason: string, batch: EventBatch): void {
    batch.add(channelRecipients(channel), channelHangupRequest(channelJson(channel), { cause: SOFTHANGUP_EXPLICIT, soft: true }));
    const wasInStasis = channel.stasisApp !== null;
    this.leaveStasis(channel, batch);
    if (wasInStasis && channel.kind !== 'caller') setChannelVariable(channel, 'STASISSTATUS', 'SUCCESS', batch);
    channel.hungUpBy = 'app';
    channel.hangupReason = reason;
    this.destroy(channel, cause, batch, true);
  }

  /**
   * ast_queue_hangup_with_cause() from the channel driver (chan_websocket when the app closes
   * the media websocket or sends HANGUP): ChannelHangupRequest {cause}, leaving Stasis, destroyed.
   */
  hangupQueued(channel: ChannelRecord, cause: number): void {
    const batch = new EventBatch();
    batch.add(channelRecipients(channel), channelHangupRequest(channelJson(channel), { cause }));
    const wasInStasis = channel.stasisApp !== null;
    this.leaveStasis(channel, batch);
    if (wasInStasis) setChannelVariable(channel, 'STASISSTATUS', 'SUCCESS', batch);
    channel.hungUpBy = 'caller';
    this.destroy(channel, cause, batch, true);
    this.hooks.deliver(batch);
  }

  /**
   * The caller sends BYE: RTCP QoS variables, ChannelHangupRequest, leaving the bridge and
   * StasisEnd; the app is unsubscribed after StasisEnd, so no ChannelDestroyed reaches it.
   */
  hangupByCaller(channel: ChannelRecord, cause: number | undefined): void {
    const batch = new EventBatch();
    const bridge = channel.bridgeId ? this.bridges.get(channel.bridgeId) : undefined;
    const peer = bridge ? bridgeMembers(this, bridge).find((member) => member !== channel && member.kind === 'external-media') : undefined;
    const counts = peer?.externalMedia ? this.hooks.rtpCounts(peer.id) : { sent: 0, received: 0 };
    for (const [name, value] of qosVariables(counts.sent, counts.received)) {
      setChannelVariable(channel, name, value, batch);
      if (peer) setChannelVariable(peer, `${name}BRIDGED`, value, batch);
    }
    batch.add(channelRecipients(channel), channelHangupRequest(channelJson(channel), cause === undefined ? {} : { cause }));
    this.leaveStasis(channel, batch);
    channel.subscribedApp = null;
    channel.hungUpBy = 'caller';
    this.destroy(channel, cause ?? NORMAL_CLEARING, batch, false);
    this.hooks.deliver(batch);
  }

  /** The caller pressed a key: ChannelDtmfReceived for the app the channel is subscribed to (none otherwise). */
  dtmfReceived(channel: ChannelRecord, digit: string, durationMs: number): void {
    const batch = new EventBatch();
    batch.add(channelRecipients(channel), channelDtmfReceived(channelJson(channel), digit, durationMs));
    this.hooks.deliver(batch);
  }

  /**
   * `POST /channels/{id}/continue`: leaves the bridge and Stasis (ChannelLeftBridge, StasisEnd);
   * the app is unsubscribed, so nothing more of the channel reaches it. The channel lives on in
   * the dialplan at `location` (the fake runs no dialplan: it stays there until hung up).
   */
  continueInDialplan(channel: ChannelRecord, location: DialplanLocation, batch: EventBatch): void {
    this.leaveStasis(channel, batch);
    channel.subscribedApp = null;
    channel.continuedToDialplan = true;
    channel.continuedTo = { ...location };
    this.hooks.notifyChange();
    this.hooks.dialplanEntered(channel, location);
  }

  setVariable(channel: ChannelRecord, name: string, value: string, batch: EventBatch): void {
    setChannelVariable(channel, name, value, batch);
  }

  createBridge(input: { id: string; name: string; bridgeType: 'mixing' | 'holding'; videoMode: string; apps: string[] }): BridgeRecord {
    const bridge: BridgeRecord = {
      id: input.id,
      name: input.name,
      bridgeType: input.bridgeType,
      creationtime: ariTimestamp(),
      videoMode: input.videoMode,
      channelIds: [],
      apps: new Set(input.apps),
      mohClass: null,
    };
    this.bridges.set(bridge.id, bridge);
    this.hooks.notifyChange();
    return bridge;
  }

  /**
   * Music on hold in a bridge (stasis_app_bridge_moh_channel: an announcer channel the app is
   * not subscribed to plays it); null stops it.
   */
  setBridgeMoh(bridge: BridgeRecord, mohClass: string | null): void {
    bridge.mohClass = mohClass;
    this.hooks.notifyChange();
  }

  addToBridge(bridge: BridgeRecord, channels: readonly ChannelRecord[], batch: EventBatch): void {
    const affected = channels.flatMap((channel) => joinBridge(this, bridge, channel, batch));
    this.hooks.membershipChanged(affected);
  }

  removeFromBridge(channel: ChannelRecord, batch: EventBatch): void {
    this.hooks.membershipChanged(leaveBridge(this, channel, batch));
  }

  destroyBridge(bridge: BridgeRecord, batch: EventBatch): void {
    this.hooks.membershipChanged(destroyBridge(this, bridge, batch));
  }

  /** The Application resource: channels in Stasis for the app and bridges it is subscribed to. */
  application(name: string): Application {
    return {
      name,
      channel_ids: this.liveChannels().filter((channel) => channel.stasisApp === name).map((channel) => channel.id),
      bridge_ids: [...this.bridges.values()].filter((bridge) => bridge.apps.has(name)).map((bridge) => bridge.id),
      endpoint_ids: [],
      device_names: [],
      events_allowed: [],
      events_disallowed: [],
    };
  }

  /** Everything gone without events (Asterisk restarted). */
  reset(): void {
    for (const timer of this.stasisTimers.values()) clearTimeout(timer);
    this.stasisTimers.clear();
    for (const channel of this.liveChannels()) {
      channel.destroyed = true;
      this.hooks.channelDestroyed(channel);
    }
    this.channels.clear();
    this.bridges.clear();
    this.ids = new ChannelIdSource(this.systemName);
    this.sipCallCounter = 1;
    this.generation += 1;
  }

  enterStasis(channel: ChannelRecord, app: string, args: string[], batch: EventBatch): void {
    if (channel.destroyed) return;
    if (!this.hooks.isAppRegistered(app)) {
      this.destroy(channel, NORMAL_CLEARING, batch, false);
      return;
    }
    channel.dialplan = { context: 'default', exten: 's', priority: 1, app_name: 'Stasis', app_data: [app, ...args].join(',') };
    setChannelVariable(channel, 'STASISSTATUS', '', batch);
    channel.stasisApp = app;
    batch.add([app], stasisStart(channelJson(channel), args));
  }

  leaveStasis(channel: ChannelRecord, batch: EventBatch): void {
    if (channel.bridgeId) this.hooks.membershipChanged(leaveBridge(this, channel, batch));
    if (channel.stasisApp === null) return;
    batch.add(channelRecipients(channel), stasisEnd(channelJson(channel)));
    channel.stasisApp = null;
  }

  destroy(channel: ChannelRecord, cause: number, batch: EventBatch, announce: boolean): void {
    const pending = this.stasisTimers.get(channel.id);
    if (pending) clearTimeout(pending);
    this.stasisTimers.delete(channel.id);
    if (channel.bridgeId) this.hooks.membershipChanged(leaveBridge(this, channel, batch));
    channel.stasisApp = null;
    channel.dialplan = { ...channel.dialplanOutsideStasis };
    if (announce) batch.add(channelRecipients(channel), channelDestroyed(channelJson(channel), cause, causeText(cause)));
    channel.subscribedApp = null;
    channel.destroyed = true;
    this.hooks.channelDestroyed(channel);
    this.hooks.notifyChange();
  }

  /** A new channel record (no events); the caller decides what Asterisk announces. */
  createChannel(fields: Pick<ChannelRecord, 'id' | 'name' | 'kind' | 'state' | 'protocolId' | 'caller' | 'dialplan' | 'dialplanOutsideStasis'>): ChannelRecord {
    const channel = newChannelRecord(fields);
    this.channels.set(channel.id, channel);
    return channel;
  }
}
