// The fake's channel and bridge state, and their ARI JSON snapshots (key order as Asterisk
// serialises them in the recorded traffic).

import type { Bridge, CallerId, Channel, ChannelState, DialplanCep } from '../../../src/ari/types.js';
import { ariTimestamp } from './ari-format.js';

/** `caller`: an inbound SIP call; `outbound`: a channel the app originated; `external-media`: UnicastRTP or WebSocket. */
export type ChannelKind = 'caller' | 'outbound' | 'external-media';

/** A party on the phone network (its audio is what an externalMedia channel carries). */
export function isPhoneParty(channel: ChannelRecord): boolean {
  return channel.kind === 'caller' || channel.kind === 'outbound';
}

export interface ExternalMediaInfo {
  transport: 'udp' | 'websocket';
  /** `<host>:<port>` for RTP; '' for a websocket server connection. */
  externalHost: string;
  format: string;
  /** RTP only: UNICASTRTP_LOCAL_ADDRESS / _PORT. */
  localAddress: string;
  localPort: number;
  /** Websocket only: MEDIA_WEBSOCKET_CONNECTION_ID (the app connects to /media/<id>). */
  connectionId: string | null;
}

export interface ChannelRecord {
  id: string;
  name: string;
  kind: ChannelKind;
  state: ChannelState;
  protocolId: string;
  caller: CallerId;
  connected: CallerId;
  dialplan: DialplanCep;
  /** Dialplan location reported once the channel has left Stasis (ChannelDestroyed). */
  dialplanOutsideStasis: DialplanCep;
  creationtime: string;
  vars: Map<string, string>;
  /** App that receives this channel's events; null once unsubscribed. */
  subscribedApp: string | null;
  /** App whose Stasis() the channel is running; null when not in Stasis. */
  stasisApp: string | null;
  bridgeId: string | null;
  destroyed: boolean;
  hungUpBy: 'caller' | 'app' | 'dialplan' | null;
  hangupReason: string | null;
  continuedToDialplan: boolean;
  /** Where `continue` sent the channel in the dialplan. */
  continuedTo: DialplanLocation | null;
  externalMedia: ExternalMediaInfo | null;
  /** Channels the app originated: what was dialed and the Dial status so far. */
  origination: { endpoint: string; dialStatus: string } | null;
  /** externalMedia: the Stasis() it runs once answered (at once for RTP, on connection for websocket). */
  pendingStasis: { app: string; args: string[] } | null;
}

export interface DialplanLocation {
  context: string;
  exten: string;
  priority: number;
}

export interface BridgeRecord {
  id: string;
  name: string;
  bridgeType: 'mixing' | 'holding';
  creationtime: string;
  videoMode: string;
  channelIds: string[];
  /** Apps that receive this bridge's events (BridgeDestroyed) and list it in bridge_ids. */
  apps: Set<string>;
  /** Music on hold class the bridge plays (POST /bridges/{id}/moh), null when none. */
  mohClass: string | null;
}

export function channelJson(channel: ChannelRecord): Channel {
  return {
    id: channel.id,
    name: channel.name,
    state: channel.state,
    protocol_id: channel.protocolId,
    caller: { ...channel.caller },
    connected: { ...channel.connected },
    accountcode: '',
    dialplan: { ...channel.dialplan },
    creationtime: channel.creationtime,
    language: 'en',
  };
}

/** The externalMedia 200 body: the snapshot plus every channel variable. */
export function channelJsonWithVars(channel: ChannelRecord): Channel {
  return { ...channelJson(channel), channelvars: Object.fromEntries(channel.vars) };
}

export function bridgeTechnology(bridge: BridgeRecord): string {
  if (bridge.bridgeType === 'holding') return 'holding_bridge';
  return bridge.channelIds.length > 2 ? 'softmix' : 'simple_bridge';
}

export function bridgeJson(bridge: BridgeRecord): Bridge {
  return {
    id: bridge.id,
    technology: bridgeTechnology(bridge),
    bridge_type: bridge.bridgeType,
    bridge_class: 'stasis',
    creator: 'Stasis',
    name: bridge.name,
    channels: [...bridge.channelIds],
    creationtime: bridge.creationtime,
    video_mode: bridge.videoMode,
  };
}

/** A new channel record: what the caller gives, and the state of a channel nothing happened to yet. */
export function newChannelRecord(
  fields: Pick<ChannelRecord, 'id' | 'name' | 'kind' | 'state' | 'protocolId' | 'caller' | 'dialplan' | 'dialplanOutsideStasis'>,
): ChannelRecord {
  return {
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
    origination: null,
    pendingStasis: null,
  };
}
