// ARI event payloads, built with the key order of the recorded Asterisk 22.10.1 frames.
// `asterisk_id` and `application` are appended per recipient when the event is delivered.

import type {
  ApplicationReplacedEvent,
  Bridge,
  BridgeDestroyedEvent,
  Channel,
  ChannelDestroyedEvent,
  ChannelDtmfReceivedEvent,
  ChannelEnteredBridgeEvent,
  ChannelHangupRequestEvent,
  ChannelLeftBridgeEvent,
  ChannelStateChangeEvent,
  ChannelVarsetEvent,
  DialEvent,
  OtherEvent,
  StasisEndEvent,
  StasisStartEvent,
} from '../../../src/ari/types.js';
import { ariTimestamp, ASTERISK_ID } from './ari-format.js';

type Payload<T> = Omit<T, 'application' | 'asterisk_id'>;

export type EventPayload =
  | Payload<StasisStartEvent>
  | Payload<StasisEndEvent>
  | Payload<ChannelStateChangeEvent>
  | Payload<ChannelHangupRequestEvent>
  | Payload<ChannelDestroyedEvent>
  | Payload<ChannelEnteredBridgeEvent>
  | Payload<ChannelLeftBridgeEvent>
  | Payload<ChannelVarsetEvent>
  | Payload<ChannelDtmfReceivedEvent>
  | Payload<DialEvent>
  | Payload<BridgeDestroyedEvent>
  | OtherEvent;

export interface OutgoingEvent {
  /** App names that receive the event, fixed when the event happens. */
  recipients: readonly string[];
  payload: EventPayload;
}

/** Events of one operation, in order; delivered together before or after the HTTP answer. */
export class EventBatch {
  readonly events: OutgoingEvent[] = [];

  add(recipients: readonly string[], payload: EventPayload): void {
    if (recipients.length > 0) this.events.push({ recipients, payload });
  }
}

/** The text frame for one recipient. */
export function eventFrame(payload: EventPayload, application: string): string {
  return JSON.stringify({ ...payload, asterisk_id: ASTERISK_ID, application });
}

export function applicationReplacedFrame(application: string): string {
  const event: ApplicationReplacedEvent = {
    type: 'ApplicationReplaced',
    timestamp: ariTimestamp(),
    application,
    asterisk_id: ASTERISK_ID,
  };
  return JSON.stringify(event);
}

export function stasisStart(channel: Channel, args: string[]): Payload<StasisStartEvent> {
  return { type: 'StasisStart', timestamp: ariTimestamp(), args, channel };
}

export function stasisEnd(channel: Channel): Payload<StasisEndEvent> {
  return { type: 'StasisEnd', timestamp: ariTimestamp(), channel };
}

export function channelStateChange(channel: Channel): Payload<ChannelStateChangeEvent> {
  return { type: 'ChannelStateChange', timestamp: ariTimestamp(), channel };
}

export function dial(peer: Channel, dialstatus: string, dialstring: string): Payload<DialEvent> {
  return { type: 'Dial', timestamp: ariTimestamp(), dialstatus, forward: '', dialstring, peer };
}

export function channelVarset(channel: Channel, variable: string, value: string): Payload<ChannelVarsetEvent> {
  return { variable, value, type: 'ChannelVarset', timestamp: ariTimestamp(), channel };
}

export function channelEnteredBridge(bridge: Bridge, channel: Channel): Payload<ChannelEnteredBridgeEvent> {
  return { type: 'ChannelEnteredBridge', timestamp: ariTimestamp(), bridge, channel };
}

export function channelLeftBridge(bridge: Bridge, channel: Channel): Payload<ChannelLeftBridgeEvent> {
  return { type: 'ChannelLeftBridge', timestamp: ariTimestamp(), bridge, channel };
}

/**
 * Key order of Asterisk's dtmf_end_to_json (main/stasis_channels.c): type, timestamp, digit,
 * duration_ms, channel. Sent once per key, when the digit ends.
 */
export function channelDtmfReceived(channel: Channel, digit: string, durationMs: number): Payload<ChannelDtmfReceivedEvent> {
  return { type: 'ChannelDtmfReceived', timestamp: ariTimestamp(), digit, duration_ms: durationMs, channel };
}

export function channelConnectedLine(channel: Channel): OtherEvent {
  return { type: 'ChannelConnectedLine', timestamp: ariTimestamp(), channel };
}

/** App-requested hangups carry `{cause: 32, soft: true}`; a caller's BYE carries neither. */
export function channelHangupRequest(
  channel: Channel,
  detail: { cause?: number; soft?: boolean } = {},
): Payload<ChannelHangupRequestEvent> {
  const event: Payload<ChannelHangupRequestEvent> = {} as Payload<ChannelHangupRequestEvent>;
  if (detail.cause !== undefined) event.cause = detail.cause;
  if (detail.soft !== undefined) event.soft = detail.soft;
  return Object.assign(event, { type: 'ChannelHangupRequest' as const, timestamp: ariTimestamp(), channel });
}

export function channelDestroyed(channel: Channel, cause: number, causeTxt: string): Payload<ChannelDestroyedEvent> {
  return { type: 'ChannelDestroyed', timestamp: ariTimestamp(), cause, cause_txt: causeTxt, channel };
}

export function bridgeDestroyed(bridge: Bridge): Payload<BridgeDestroyedEvent> {
  return { type: 'BridgeDestroyed', timestamp: ariTimestamp(), bridge };
}
