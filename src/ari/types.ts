// Typed subset of the Asterisk REST Interface (ARI) models and events that this
// project uses. Field names and optionality follow Asterisk 22's api-docs
// (channels.json, bridges.json, applications.json, events.json) verbatim.

export interface CallerId {
  name: string;
  number: string;
}

export interface DialplanCep {
  context: string;
  exten: string;
  priority: number;
  app_name: string;
  app_data: string;
}

/** Channel states as Asterisk reports them (`ast_state2str`). */
export type ChannelState =
  | 'Down'
  | 'Rsrvd'
  | 'OffHook'
  | 'Dialing'
  | 'Ring'
  | 'Ringing'
  | 'Up'
  | 'Busy'
  | 'Dialing Offhook'
  | 'Pre-ring'
  | 'Unknown';

export interface Channel {
  id: string;
  protocol_id: string;
  name: string;
  state: ChannelState;
  caller: CallerId;
  connected: CallerId;
  accountcode: string;
  dialplan: DialplanCep;
  creationtime: string;
  language: string;
  channelvars?: Record<string, string>;
  caller_rdnis?: string;
  tenantid?: string;
}

export interface Bridge {
  id: string;
  technology: string;
  bridge_type: string;
  bridge_class: string;
  creator: string;
  name: string;
  channels: string[];
  video_mode?: string;
  video_source_id?: string;
  creationtime: string;
  bridgevars?: Record<string, string>;
}

export interface Application {
  name: string;
  channel_ids: string[];
  bridge_ids: string[];
  endpoint_ids: string[];
  device_names: string[];
  events_allowed: object[];
  events_disallowed: object[];
}

export interface AsteriskPing {
  ping: string;
  timestamp: string;
  asterisk_id: string;
}

/**
 * GET /asterisk/info?only=config (api-docs asterisk.json, ConfigInfo). `name` is
 * asterisk.conf's systemname, "" when unset: the prefix of every channel id.
 */
export interface AsteriskConfigInfo {
  config: {
    name: string;
    default_language: string;
  };
}

export interface Variable {
  value: string;
}

/** Body of every ARI error response (`{"message": ...}`). */
export interface AriErrorBody {
  message: string;
}

/** Hangup reasons accepted by `DELETE /channels/{channelId}?reason=`. */
export type HangupReason =
  | 'normal'
  | 'busy'
  | 'congestion'
  | 'no_answer'
  | 'timeout'
  | 'rejected'
  | 'unallocated'
  | 'normal_unspecified'
  | 'number_incomplete'
  | 'codec_mismatch'
  | 'interworking'
  | 'failure'
  | 'answered_elsewhere';

/** Audio formats this project asks Asterisk for on an externalMedia channel (slin16: websocket only). */
export type ExternalMediaFormat = 'ulaw' | 'slin' | 'slin16';

interface EventBase {
  asterisk_id?: string;
  application: string;
  timestamp: string;
}

export interface StasisStartEvent extends EventBase {
  type: 'StasisStart';
  args: string[];
  channel: Channel;
  replace_channel?: Channel;
}

export interface StasisEndEvent extends EventBase {
  type: 'StasisEnd';
  channel: Channel;
}

export interface ChannelStateChangeEvent extends EventBase {
  type: 'ChannelStateChange';
  channel: Channel;
}

export interface ChannelHangupRequestEvent extends EventBase {
  type: 'ChannelHangupRequest';
  channel: Channel;
  cause?: number;
  tech_cause?: number;
  soft?: boolean;
}

export interface ChannelDestroyedEvent extends EventBase {
  type: 'ChannelDestroyed';
  channel: Channel;
  cause: number;
  cause_txt: string;
  tech_cause?: number;
}

export interface ChannelEnteredBridgeEvent extends EventBase {
  type: 'ChannelEnteredBridge';
  bridge: Bridge;
  channel?: Channel;
}

export interface ChannelLeftBridgeEvent extends EventBase {
  type: 'ChannelLeftBridge';
  bridge: Bridge;
  channel: Channel;
}

/** A key pressed on the channel, sent when the DTMF digit ends (events.json ChannelDtmfReceived). */
export interface ChannelDtmfReceivedEvent extends EventBase {
  type: 'ChannelDtmfReceived';
  /** 0-9, A-E, # or * */
  digit: string;
  /** How long the digit was received, in ms. */
  duration_ms: number;
  channel: Channel;
}

export interface ChannelVarsetEvent extends EventBase {
  type: 'ChannelVarset';
  variable: string;
  value: string;
  channel?: Channel;
}

export interface DialEvent extends EventBase {
  type: 'Dial';
  caller?: Channel;
  peer: Channel;
  forward?: string;
  forwarded?: Channel;
  dialstring?: string;
  dialstatus: string;
}

export interface BridgeDestroyedEvent extends EventBase {
  type: 'BridgeDestroyed';
  bridge: Bridge;
}

export interface ApplicationReplacedEvent {
  type: 'ApplicationReplaced';
  asterisk_id?: string;
  application: string;
  timestamp: string;
}

/** Any event this project does not handle specifically; kept for logging. */
export interface OtherEvent {
  type: string;
  asterisk_id?: string;
  application?: string;
  timestamp?: string;
  [key: string]: unknown;
}

export type KnownAriEvent =
  | StasisStartEvent
  | StasisEndEvent
  | ChannelStateChangeEvent
  | ChannelHangupRequestEvent
  | ChannelDestroyedEvent
  | ChannelEnteredBridgeEvent
  | ChannelLeftBridgeEvent
  | ChannelVarsetEvent
  | ChannelDtmfReceivedEvent
  | DialEvent
  | BridgeDestroyedEvent
  | ApplicationReplacedEvent;

export type AriEvent = KnownAriEvent;

export const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set<KnownAriEvent['type']>([
  'StasisStart',
  'StasisEnd',
  'ChannelStateChange',
  'ChannelHangupRequest',
  'ChannelDestroyed',
  'ChannelEnteredBridge',
  'ChannelLeftBridge',
  'ChannelVarset',
  'ChannelDtmfReceived',
  'Dial',
  'BridgeDestroyed',
  'ApplicationReplaced',
]);
