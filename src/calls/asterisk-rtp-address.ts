// Where Asterisk sends (and expects) the externalMedia channel's RTP.
import type { AriRest } from '../ari/rest.js';
import type { Channel } from '../ari/types.js';
import type { RtpEndpoint } from '../../media/contract/sessions.js';

/**
 * UNICASTRTP_LOCAL_ADDRESS / UNICASTRTP_LOCAL_PORT from the externalMedia 200
 * answer's channelvars, or asked for when the answer lacks them.
 */
export async function readAsteriskRtpAddress(ari: AriRest, channel: Channel): Promise<RtpEndpoint> {
  const vars = channel.channelvars ?? {};
  const host = vars.UNICASTRTP_LOCAL_ADDRESS ?? (await ari.getChannelVar(channel.id, 'UNICASTRTP_LOCAL_ADDRESS'));
  const portText = vars.UNICASTRTP_LOCAL_PORT ?? (await ari.getChannelVar(channel.id, 'UNICASTRTP_LOCAL_PORT'));
  const port = Number(portText);
  if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`Asterisk gave no usable RTP address (UNICASTRTP_LOCAL_ADDRESS=${host}, UNICASTRTP_LOCAL_PORT=${portText})`);
  }
  return { host, port };
}
