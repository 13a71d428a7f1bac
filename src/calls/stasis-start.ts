// Pure reading of a StasisStart event: is it a caller, or one of the channels
// this backend created itself; which number was dialed.
import type { StasisStartEvent } from '../ari/types.js';
import { normalizeE164 } from './phone-number.js';

/**
 * Channel technologies that only exist because this backend created them
 * (externalMedia over RTP or WebSocket). Asterisk puts such a channel into
 * Stasis with empty args, so it arrives as a StasisStart of its own.
 */
const OWN_CHANNEL_PREFIXES = ['UnicastRTP/', 'WebSocket/'];

export function isMediaChannel(event: StasisStartEvent): boolean {
  return event.args.length === 0 && OWN_CHANNEL_PREFIXES.some((p) => event.channel.name.startsWith(p));
}

export interface InboundCall {
  channelId: string;
  /** Dialed number as Asterisk gave it (Stasis arg or dialplan extension). */
  dialedRaw: string;
  /** Dialed number in E.164, null when it is not a phone number. */
  dialed: string | null;
  /** Caller number in E.164 when it is one, else as presented (e.g. "anonymous"), null when empty. */
  from: string | null;
}

/**
 * The dialed number comes from the Stasis args of
 * `Stasis(prosaas_ai,inbound,${EXTEN})` and falls back to the channel's
 * dialplan extension (dialplans that pass no number, as `Stasis(prosaas_ai,inbound)`).
 */
export function readInboundCall(event: StasisStartEvent, defaultCountryCode: string): InboundCall {
  const [direction, numberArg] = event.args;
  const dialedRaw = direction === 'inbound' && numberArg ? numberArg : event.channel.dialplan.exten;
  const callerRaw = event.channel.caller.number.trim();
  return {
    channelId: event.channel.id,
    dialedRaw,
    dialed: normalizeE164(dialedRaw, defaultCountryCode),
    from: normalizeE164(callerRaw, defaultCountryCode) ?? (callerRaw === '' ? null : callerRaw),
  };
}
