// What an externalMedia request fixes on its channel: the transport's channel variables as
// Asterisk sets them (UNICASTRTP_LOCAL_* for RTP, MEDIA_WEBSOCKET_* for the WebSocket
// transport), the request's own variables, and the media description the fake's media uses.

import type { ChannelRecord } from './call-model.js';

export interface ExternalMediaInput {
  channelId: string;
  app: string;
  externalHost: string;
  format: string;
  data: string;
  variables: Readonly<Record<string, string>>;
  /** RTP: the channel's UNICASTRTP_LOCAL_ADDRESS / PORT; websocket: the connection id and frame size. */
  media:
    | { transport: 'udp'; localAddress: string; localPort: number }
    | { transport: 'websocket'; connectionId: string; optimalFrameSize: number };
}

export function applyExternalMedia(channel: ChannelRecord, input: ExternalMediaInput): void {
  const media = input.media;
  if (media.transport === 'websocket') {
    channel.vars.set('MEDIA_WEBSOCKET_CONNECTION_ID', media.connectionId);
    channel.vars.set('MEDIA_WEBSOCKET_OPTIMAL_FRAME_SIZE', String(media.optimalFrameSize));
  } else {
    channel.vars.set('UNICASTRTP_LOCAL_PORT', String(media.localPort));
    channel.vars.set('UNICASTRTP_LOCAL_ADDRESS', media.localAddress);
  }
  for (const [name, value] of Object.entries(input.variables)) channel.vars.set(name, value);
  channel.externalMedia = {
    transport: media.transport,
    externalHost: input.externalHost,
    format: input.format,
    localAddress: media.transport === 'udp' ? media.localAddress : '',
    localPort: media.transport === 'udp' ? media.localPort : 0,
    connectionId: media.transport === 'websocket' ? media.connectionId : null,
  };
  channel.subscribedApp = input.app;
  channel.pendingStasis = { app: input.app, args: input.data === '' ? [] : input.data.split(',') };
}
