// The fake's channel and bridge state, and their ARI JSON snapshots (key order as Asterisk
// serialises them in the recorded traffic).

import type { Bridge, CallerId, Channel, ChannelState, DialplanCep } from '../../../src/ari/types.js';

export type ChannelKind = 'caller' | 'external-media';

export interface ExternalMediaInfo {
  externalHost: string;
  format: string;
  localAddress: string;
  localPort: number;
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
  hungUpBy: 'caller' | 'app' | null;
  hangupReason: string | null;
  continuedToDialplan: boolean;
  /** Where `continue` sent the channel in the dialplan. */
  continuedTo: DialplanLocation | null;
  externalMedia: ExternalMediaInfo | null;
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
