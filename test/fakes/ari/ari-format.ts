// Asterisk's textual formats: timestamps, unique ids, channel names, hangup causes.

import { randomBytes } from 'node:crypto';

export const ASTERISK_ID = '02:fc:00:00:00:01';
export const ASTERISK_VERSION = '22.10.1';

/** `2026-11-21T04:15:33.633+0000` (UTC, milliseconds, numeric zone without colon). */
export function ariTimestamp(date: Date = new Date()): string {
  return `${date.toISOString().slice(0, 23)}+0000`;
}

/**
 * Channel unique ids as Asterisk makes them: `<epoch seconds at creation>.<counter>`, the
 * counter shared by all channels and reset when Asterisk restarts; with asterisk.conf's
 * `systemname` set, `<systemname>-` comes first (main/channel.c).
 */
export class ChannelIdSource {
  private uniqueCounter = 0;
  private pjsipCounter = 0;
  private readonly prefix: string;

  constructor(systemName = '') {
    this.prefix = systemName === '' ? '' : `${systemName}-`;
  }

  nextUniqueId(): string {
    return `${this.prefix}${Math.floor(Date.now() / 1000)}.${this.uniqueCounter++}`;
  }

  /** `PJSIP/<endpoint>-0000000N` (chan_pjsip numbers its channels in hex, 8 digits). */
  nextPjsipName(endpoint: string): string {
    return `PJSIP/${endpoint}-${(this.pjsipCounter++).toString(16).padStart(8, '0')}`;
  }
}

/** `UnicastRTP/<external_host>-0x7f...`: the suffix is a channel-private pointer in Asterisk. */
export function unicastRtpName(externalHost: string): string {
  return `UnicastRTP/${externalHost}-0x7f${randomBytes(5).toString('hex')}`;
}

/** `WebSocket/INCOMING/0x7f...` (chan_websocket server connection; the suffix is the instance pointer). */
export function websocketChannelName(): string {
  return `WebSocket/INCOMING/0x7f${randomBytes(5).toString('hex')}`;
}

/** A SIP Call-ID in the shape SIPp produced in the recordings (`1-16513@127.0.0.1`). */
export function sipCallId(sequence: number): string {
  return `${sequence}-${10000 + Math.floor(Math.random() * 50000)}@127.0.0.1`;
}

/** ARI `DELETE /channels/{id}?reason=` to Q.850 cause (res/ari/resource_channels.c). */
export const HANGUP_REASON_CAUSES: Readonly<Record<string, number>> = {
  normal: 16,
  busy: 17,
  congestion: 34,
  no_answer: 19,
  timeout: 18,
  rejected: 21,
  unallocated: 1,
  normal_unspecified: 31,
  number_incomplete: 28,
  codec_mismatch: 58,
  interworking: 127,
  failure: 38,
  answered_elsewhere: 26,
};

/** `ast_cause2str()` texts for the causes above (main/channel.c). */
const CAUSE_TEXTS: Readonly<Record<number, string>> = {
  0: 'Unknown',
  1: 'Unallocated (unassigned) number',
  16: 'Normal Clearing',
  17: 'User busy',
  18: 'No user responding',
  19: 'User alerting, no answer',
  21: 'Call Rejected',
  26: 'Answered elsewhere',
  28: 'Invalid number format',
  31: 'Normal, unspecified',
  34: 'Circuit/channel congestion',
  38: 'Network out of order',
  58: 'Bearer capability not available',
  127: 'Interworking, unspecified',
};

export function causeText(cause: number): string {
  return CAUSE_TEXTS[cause] ?? 'Unknown';
}

/** `ast_softhangup(chan, AST_SOFTHANGUP_EXPLICIT)`: the `cause` ARI reports in ChannelHangupRequest. */
export const SOFTHANGUP_EXPLICIT = 32;
