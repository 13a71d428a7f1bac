// Media follows the bridge: caller audio flows to an externalMedia channel only while it shares
// a bridge with a caller (or an originated callee), as Asterisk mixes nothing into a lone channel.

import { bridgeMembers } from './bridging.js';
import { isPhoneParty, type ChannelRecord } from './call-model.js';
import { callerSpeechUlaw } from '../../kit/reference-media.js';
import type { RtpMedia } from './rtp-media.js';
import type { Telephony } from './telephony.js';
import type { WebSocketMedia } from './websocket-media.js';

export interface MediaTransports {
  telephony: Telephony;
  rtp: RtpMedia;
  websocket: WebSocketMedia;
  /** Caller speech starts by itself, looping, once an externalMedia channel is bridged with a caller. */
  autoCallerAudio: boolean;
}

export function bridgedWithCaller(telephony: Telephony, channel: ChannelRecord): boolean {
  const bridge = channel.bridgeId ? telephony.bridges.get(channel.bridgeId) : undefined;
  return bridge !== undefined && bridgeMembers(telephony, bridge).some((member) => isPhoneParty(member) && !member.destroyed);
}

/** After a membership change of `channelIds`: stops audio that lost its caller, starts automatic audio. */
export function reconcileMedia(transports: MediaTransports, channelIds: readonly string[]): void {
  const { telephony } = transports;
  for (const id of new Set(channelIds)) {
    const channel = telephony.liveChannel(id);
    if (channel?.kind !== 'external-media') continue;
    const media = channel.externalMedia?.transport === 'websocket' ? transports.websocket : transports.rtp;
    const withCaller = bridgedWithCaller(telephony, channel);
    if (!withCaller && media.sendingNeedsCallerPeer(id)) media.stopAudio(id);
    if (withCaller && transports.autoCallerAudio && !media.isSending(id) && media.canSend(id)) {
      media.startAudio(id, callerSpeechUlaw(), { loop: true, needsCallerPeer: true });
    }
  }
}
