// Read-only views of the fake's channels and bridges handed to tests.

import type { BridgeRecord, ChannelRecord } from './call-model.js';
import type { FakeBridgeView, FakeChannelView } from './public-types.js';

export function channelView(channel: ChannelRecord): FakeChannelView {
  const view: FakeChannelView = {
    id: channel.id,
    name: channel.name,
    state: channel.state,
    kind: channel.kind,
    inStasis: channel.stasisApp !== null,
    bridgeId: channel.bridgeId,
    hungUpBy: channel.hungUpBy,
    hangupReason: channel.hangupReason,
    continuedToDialplan: channel.continuedToDialplan,
    continuedTo: channel.continuedTo ? { ...channel.continuedTo } : null,
    live: !channel.destroyed,
    variables: Object.fromEntries(channel.vars),
  };
  if (channel.externalMedia) {
    view.transport = channel.externalMedia.transport;
    view.externalHost = channel.externalMedia.externalHost;
    view.format = channel.externalMedia.format;
    view.localAddress = channel.externalMedia.localAddress;
    view.localPort = channel.externalMedia.localPort;
  }
  if (channel.origination) {
    view.endpoint = channel.origination.endpoint;
    view.dialStatus = channel.origination.dialStatus;
  }
  return view;
}

export function bridgeView(bridge: BridgeRecord): FakeBridgeView {
  return { id: bridge.id, name: bridge.name, type: bridge.bridgeType, channels: [...bridge.channelIds], moh: bridge.mohClass };
}
