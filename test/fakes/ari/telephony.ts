// Channel and bridge state of the fake Asterisk and the call flows of the recorded traces:
// an inbound PJSIP call entering Stasis, answer, externalMedia (UnicastRTP) channels, hangups
// by the app (DELETE) and by the caller (BYE), continue, bridges.

import type { Application, Channel, DialplanCep } from '../../../src/ari/types.js';
import { ariTimestamp, causeText, ChannelIdSource, sipCallId, SOFTHANGUP_EXPLICIT, unicastRtpName } from './ari-format.js';
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
import { channelJson, channelJsonWithVars, type BridgeRecord, type ChannelRecord, type DialplanLocation } from './call-model.js';
import { qosVariables } from './rtp-qos.js';

export const DEFAULT_APP = 'prosaas_ai';
export const DEFAULT_CALLER_NUMBER = '+15551230000';
const SIP_ENDPOINT = 'twilio-trunk';
const NORMAL_CLEARING = 16;
const APP_DIAL_DIALPLAN: DialplanCep = { context: 'default', exten: 's', priority: 1, app_name: 'AppDial2', app_data: '(Outgoing Line)' };

export interface TelephonyHooks {
  deliver(batch: EventBatch): void;
  isAppRegistered(app: string): boolean;
  /** Bridge membership of these channels changed (media follows the bridge). */
  membershipChanged(channelIds: readonly string[]): void;
  channelDestroyed(channel: ChannelRecord): void;
  /** Packets the externalMedia channel sent / received, for the RTPAUDIOQOS variables. */
  rtpCounts(channelId: string): { sent: number; received: number };
  notifyChange(): void;
}

export interface PlaceCallInput {
  from?: string | null;
  to: string;
  args?: string[];
  app?: string;
}

export interface ExternalMediaInput {
  channelId: string;
  app: string;
  externalHost: string;
  format: string;
  data: string;
  variables: Readonly<Record<string, string>>;
  localAddress: string;
  localPort: number;
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

  /** An inbound SIP call reaching `Stasis(app,args)`; declined (603, no event) without the app. */
  placeCall(input: PlaceCallInput): { channelId: string; outcome: 'in-stasis' | 'declined' } {
    const app = input.app ?? DEFAULT_APP;
    const args = input.args ?? ['inbound', input.to];
    const from = input.from === undefined ? DEFAULT_CALLER_NUMBER : input.from;
    const dialplan: DialplanCep = { context: 'from-twilio', exten: input.to, priority: 2, app_name: 'Stasis', app_data: [app, ...args].join(',') };
    const channel = this.newChannel({
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
   * Creates the UnicastRTP channel; returns the 200 body (state Down, channelvars) and the events
   * that follow it: Dial, Up, Dial ANSWER, then STASISSTATUS and StasisStart (now, or after
   * externalMediaStasisDelayMs on a timer). Without a registered app the channel is hung up at once.
   */
  createExternalMedia(input: ExternalMediaInput): { body: Channel; events: EventBatch } {
    const channel = this.newChannel({
      id: input.channelId,
      name: unicastRtpName(input.externalHost),
      kind: 'external-media',
      state: 'Down',
      protocolId: '',
      caller: { name: '', number: '' },
      dialplan: { ...APP_DIAL_DIALPLAN },
      dialplanOutsideStasis: { ...APP_DIAL_DIALPLAN },
    });
    channel.vars.set('UNICASTRTP_LOCAL_PORT', String(input.localPort));
    channel.vars.set('UNICASTRTP_LOCAL_ADDRESS', input.localAddress);
    for (const [name, value] of Object.entries(input.variables)) channel.vars.set(name, value);
    channel.externalMedia = { externalHost: input.externalHost, format: input.format, localAddress: input.localAddress, localPort: input.localPort };
    channel.subscribedApp = input.app;
    const body = channelJsonWithVars(channel);
    const events = new EventBatch();
    if (!this.hooks.isAppRegistered(input.app)) {
      this.destroy(channel, NORMAL_CLEARING, events, false);
      return { body, events };
    }
    const dialstring = `${input.externalHost}/c(${input.format})`;
    const recipients = [input.app];
    events.add(recipients, dial(channelJson(channel), '', dialstring));
    channel.state = 'Up';
    events.add(recipients, channelStateChange(channelJson(channel)));
    events.add(recipients, dial(channelJson(channel), 'ANSWER', dialstring));
    const args = input.data === '' ? [] : input.data.split(',');
    if (this.externalMediaStasisDelayMs <= 0) {
      this.enterStasis(channel, input.app, args, events);
    } else {
      const timer = setTimeout(() => {
        this.stasisTimers.delete(channel.id);
        const late = new EventBatch();
        this.enterStasis(channel, input.app, args, late);
        this.hooks.deliver(late);
      }, this.externalMediaStasisDelayMs);
      this.stasisTimers.set(channel.id, timer);
    }
    return { body, events };
  }

  /** `DELETE /channels/{id}`: soft hangup with `cause` as the channel's hangup cause. */
  hangupByApp(channel: ChannelRecord, cause: number, reason: string, batch: EventBatch): void {
    batch.add(channelRecipients(channel), channelHangupRequest(channelJson(channel), { cause: SOFTHANGUP_EXPLICIT, soft: true }));
    const wasInStasis = channel.stasisApp !== null;
    this.leaveStasis(channel, batch);
    if (wasInStasis && channel.kind === 'external-media') setChannelVariable(channel, 'STASISSTATUS', 'SUCCESS', batch);
    channel.hungUpBy = 'app';
    channel.hangupReason = reason;
    this.destroy(channel, cause, batch, true);
  }

  /**
   * The caller sends BYE: RTCP QoS variables, ChannelHangupRequest, leaving the bridge and
   * StasisEnd; the app is unsubscribed after StasisEnd, so no ChannelDestroyed reaches it.
   */
  hangupByCaller(channel: ChannelRecord, cause: number | undefined): void {
    const batch = new EventBatch();
    const bridge = channel.bridgeId ? this.bridges.get(channel.bridgeId) : undefined;
    const peer = bridge ? bridgeMembers(this, bridge).find((member) => member !== channel) : undefined;
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
    };
    this.bridges.set(bridge.id, bridge);
    this.hooks.notifyChange();
    return bridge;
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

  private enterStasis(channel: ChannelRecord, app: string, args: string[], batch: EventBatch): void {
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

  private leaveStasis(channel: ChannelRecord, batch: EventBatch): void {
    if (channel.bridgeId) this.hooks.membershipChanged(leaveBridge(this, channel, batch));
    if (channel.stasisApp === null) return;
    batch.add(channelRecipients(channel), stasisEnd(channelJson(channel)));
    channel.stasisApp = null;
  }

  private destroy(channel: ChannelRecord, cause: number, batch: EventBatch, announce: boolean): void {
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

  private newChannel(fields: Pick<ChannelRecord, 'id' | 'name' | 'kind' | 'state' | 'protocolId' | 'caller' | 'dialplan' | 'dialplanOutsideStasis'>): ChannelRecord {
    const channel: ChannelRecord = {
      ...fields,
      connected: { name: '', number: '' },
      creationtime: ariTimestamp(),
      vars: new Map(),
      subscribedApp: null,
      stasisApp: null,
      bridgeId: null,
      destroyed: false,
      hungUpBy: null,
      hangupReason: null,
      continuedToDialplan: false,
      continuedTo: null,
      externalMedia: null,
    };
    this.channels.set(channel.id, channel);
    return channel;
  }
}
