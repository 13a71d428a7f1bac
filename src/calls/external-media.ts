// The externalMedia channel of a media leg, per transport: RTP (UnicastRTP to
// the gateway's one RTP port; Asterisk's own address comes back in the 200's
// channelvars) or websocket (chan_websocket server connection: the 200 carries
// MEDIA_WEBSOCKET_CONNECTION_ID, and the gateway connects to
// <media websocket URL>/<connection id>; no UDP port anywhere).
import type { AriRest } from '../ari/rest.js';
import type { Channel } from '../ari/types.js';
import type { CreateSessionResponse, SetRemoteRequest } from '../../media/contract/sessions.js';
import { readAsteriskRtpAddress } from './asterisk-rtp-address.js';
import type { CallSettings } from './call-session-deps.js';

export function createExternalMedia(ari: AriRest, settings: CallSettings, session: CreateSessionResponse, channelId: string): Promise<Channel> {
  if (settings.mediaTransport === 'websocket') {
    return ari.externalMedia({ transport: 'websocket', app: settings.appName, format: settings.mediaFormat, channelId });
  }
  if (!session.rtp) throw new Error('the media gateway gave no RTP address for an RTP session');
  if (settings.mediaFormat === 'slin16') throw new Error('slin16 is not supported over RTP');
  return ari.externalMedia({
    transport: 'rtp',
    app: settings.appName,
    externalHost: `${session.rtp.host}:${session.rtp.port}`,
    format: settings.mediaFormat,
    channelId,
  });
}

/** What the gateway must be told so that audio flows: Asterisk's RTP address, or the media websocket to connect. */
export async function mediaRemote(ari: AriRest, settings: CallSettings, channel: Channel): Promise<SetRemoteRequest> {
  if (settings.mediaTransport === 'rtp') return readAsteriskRtpAddress(ari, channel);
  const connectionId = channel.channelvars?.MEDIA_WEBSOCKET_CONNECTION_ID ?? (await ari.getChannelVar(channel.id, 'MEDIA_WEBSOCKET_CONNECTION_ID'));
  if (!connectionId || !/^[A-Za-z0-9-]+$/.test(connectionId)) {
    throw new Error('Asterisk gave no usable MEDIA_WEBSOCKET_CONNECTION_ID for the websocket externalMedia channel');
  }
  return { websocket: { url: `${settings.mediaWebSocketUrl}/${connectionId}` } };
}
