// Channels entering and leaving bridges, with the side events Asterisk 22 raises:
// BRIDGEPEER / BRIDGEPVTCALLID channel variables and connected-line updates between the two
// parties of a two-channel bridge (as in the recorded ulaw call).

import {
  bridgeDestroyed,
  channelConnectedLine,
  channelEnteredBridge,
  channelLeftBridge,
  channelVarset,
  type EventBatch,
} from './ari-events.js';
import { bridgeJson, channelJson, type BridgeRecord, type ChannelRecord } from './call-model.js';

export interface CallWorld {
  readonly channels: ReadonlyMap<string, ChannelRecord>;
  readonly bridges: Map<string, BridgeRecord>;
}

export function channelRecipients(channel: ChannelRecord): string[] {
  return channel.subscribedApp ? [channel.subscribedApp] : [];
}

/** Sets a channel variable and raises ChannelVarset for the subscribed app. */
export function setChannelVariable(channel: ChannelRecord, name: string, value: string, batch: EventBatch): void {
  channel.vars.set(name, value);
  batch.add(channelRecipients(channel), channelVarset(channelJson(channel), name, value));
}

function bridgeRecipients(bridge: BridgeRecord, channel: ChannelRecord): string[] {
  const apps = new Set(bridge.apps);
  if (channel.subscribedApp) apps.add(channel.subscribedApp);
  return [...apps];
}

export function bridgeMembers(world: CallWorld, bridge: BridgeRecord): ChannelRecord[] {
  return bridge.channelIds
    .map((id) => world.channels.get(id))
    .filter((channel): channel is ChannelRecord => channel !== undefined);
}

/** Adds a channel (moving it out of any other bridge first). Returns the ids whose bridge changed. */
export function joinBridge(world: CallWorld, bridge: BridgeRecord, channel: ChannelRecord, batch: EventBatch): string[] {
  if (channel.bridgeId === bridge.id) return [];
  const affected = channel.bridgeId ? leaveBridge(world, channel, batch) : [];
  bridge.channelIds.push(channel.id);
  channel.bridgeId = bridge.id;
  if (channel.subscribedApp) bridge.apps.add(channel.subscribedApp);
  batch.add(bridgeRecipients(bridge, channel), channelEnteredBridge(bridgeJson(bridge), channelJson(channel)));
  updatePeerState(world, bridge, batch);
  return [...affected, ...bridge.channelIds];
}

/** Removes a channel from its bridge. Returns the ids whose bridge membership changed. */
export function leaveBridge(world: CallWorld, channel: ChannelRecord, batch: EventBatch): string[] {
  const bridge = channel.bridgeId ? world.bridges.get(channel.bridgeId) : undefined;
  channel.bridgeId = null;
  if (!bridge) return [channel.id];
  for (const name of ['BRIDGEPEER', 'BRIDGEPVTCALLID']) {
    if (channel.vars.get(name)) setChannelVariable(channel, name, '', batch);
  }
  bridge.channelIds = bridge.channelIds.filter((id) => id !== channel.id);
  batch.add(bridgeRecipients(bridge, channel), channelLeftBridge(bridgeJson(bridge), channelJson(channel)));
  return [channel.id, ...bridge.channelIds];
}

/** Empties and removes a bridge; BridgeDestroyed goes to the apps subscribed to it. */
export function destroyBridge(world: CallWorld, bridge: BridgeRecord, batch: EventBatch): string[] {
  const affected: string[] = [];
  for (const channel of bridgeMembers(world, bridge)) affected.push(...leaveBridge(world, channel, batch));
  world.bridges.delete(bridge.id);
  batch.add([...bridge.apps], bridgeDestroyed(bridgeJson(bridge)));
  return affected;
}

/**
 * With two or more parties each channel's BRIDGEPEER names the others; with exactly two, a
 * channel whose peer has a SIP Call-ID gets BRIDGEPVTCALLID, and a channel takes its peer's
 * caller id as connected line (ChannelConnectedLine), as chan_pjsip does for the UnicastRTP peer.
 */
function updatePeerState(world: CallWorld, bridge: BridgeRecord, batch: EventBatch): void {
  const members = bridgeMembers(world, bridge);
  if (members.length < 2) return;
  for (const member of members) {
    const peerNames = members.filter((other) => other !== member).map((other) => other.name).join(',');
    if (member.vars.get('BRIDGEPEER') !== peerNames) setChannelVariable(member, 'BRIDGEPEER', peerNames, batch);
  }
  if (members.length !== 2) return;
  const pairs: Array<[ChannelRecord, ChannelRecord]> = [
    [members[0]!, members[1]!],
    [members[1]!, members[0]!],
  ];
  for (const [member, peer] of pairs) {
    if (peer.protocolId && member.vars.get('BRIDGEPVTCALLID') !== peer.protocolId) {
      setChannelVariable(member, 'BRIDGEPVTCALLID', peer.protocolId, batch);
    }
  }
  for (const [member, peer] of pairs) {
    const sameLine = member.connected.name === peer.caller.name && member.connected.number === peer.caller.number;
    if (peer.caller.number !== '' && !sameLine) {
      member.connected = { ...peer.caller };
      batch.add(channelRecipients(member), channelConnectedLine(channelJson(member)));
    }
  }
}
