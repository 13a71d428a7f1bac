// Public types of the ARI fake (see FakeAsterisk in fake-asterisk.ts).

export interface FakeAsteriskOptions {
  /** Default 'asterisk'. */
  username?: string;
  /** Default 'asterisk'. */
  password?: string;
  /** Default 0 (ephemeral); restart() listens on the same port again. */
  port?: number;
  /**
   * asterisk.conf `systemname`: channel unique ids become `<systemname>-<epoch>.<counter>`,
   * as several Asterisk nodes need to keep them apart. Default '' (plain `<epoch>.<counter>`).
   */
  systemName?: string;
  /**
   * Delay the externalMedia channel's StasisStart until this many ms after the 200 response
   * (reproduces the race where addChannel before it gets 422). Default 0: the events follow
   * the response at once, as in the recorded ulaw trace.
   */
  externalMediaStasisDelayMs?: number;
  /**
   * Send RTP from each externalMedia channel automatically once it and a caller are bridged
   * together (Asterisk sends as soon as frames flow in the bridge). Default false.
   */
  autoCallerAudio?: boolean;
  /**
   * Deliver the events of `POST /channels/{id}/continue` before its 204. Asterisk answers once
   * the continue is queued to the channel's thread, which then leaves Stasis: the StasisEnd can
   * reach the app before or after the answer. Default false (after).
   */
  continueEventsBeforeReply?: boolean;
  /**
   * Each caller RTP packet leaves up to this many ms after its 20 ms slot (uniformly; under 20),
   * as a real Asterisk's arrived in the recorded traces (intervals 14-27 ms, median 20.1, p95
   * about 24: 6 reproduces that). Default 0: exactly on the slot.
   */
  rtpSendJitterMs?: number;
}

export interface RecordedRequest {
  seq: number;
  /** performance.now() at arrival. */
  atMs: number;
  method: string;
  /** With the /ari prefix, without the query string. */
  path: string;
  /** Raw query parameters (and form fields), api_key removed. */
  query: Record<string, string>;
  /** Parsed JSON body or null. */
  body: unknown;
  /** Status the fake answered (101 for an accepted websocket upgrade; 0 while unanswered). */
  status: number;
  kind: 'rest' | 'events-ws' | 'media-ws';
}

export interface FakeCallOptions {
  /** Caller number, default '+15551230000'; null = no caller id (name and number ''). */
  from?: string | null;
  /** Dialed number (dialplan exten), e.g. '+19863334949'. */
  to: string;
  /** Stasis args, default ['inbound', to]. */
  args?: string[];
  /** Default 'prosaas_ai'. */
  app?: string;
}

export interface FakeCall {
  channelId: string;
  /** 'in-stasis' after StasisStart was sent, 'declined' when no app was registered (SIP 603). */
  readonly outcome: 'in-stasis' | 'declined';
}

export interface FakeChannelView {
  id: string;
  name: string;
  state: string;
  kind: 'caller' | 'outbound' | 'external-media';
  inStasis: boolean;
  bridgeId: string | null;
  /** `caller`: the phone side hung up (the caller, or the callee of an originate). */
  hungUpBy: 'caller' | 'app' | 'dialplan' | null;
  hangupReason: string | null;
  /** True once the app sent the channel back to the dialplan (POST .../continue). */
  continuedToDialplan: boolean;
  /** Where `continue` sent the channel: context, extension (`exten`) and priority. */
  continuedTo: { context: string; exten: string; priority: number } | null;
  /** False once the channel is hung up / destroyed. */
  live: boolean;
  externalHost?: string;
  format?: string;
  localAddress?: string;
  localPort?: number;
  /** externalMedia: 'udp' (UnicastRTP) or 'websocket' (chan_websocket). */
  transport?: 'udp' | 'websocket';
  /** Websocket externalMedia: whether the app's media websocket is connected. */
  mediaConnected?: boolean;
  /** Originated channels: the endpoint dialed (e.g. PJSIP/100) and the originate's outcome so far. */
  endpoint?: string;
  dialStatus?: string;
  /** Variables set on the channel (POST .../variable, originate, dialplan steps). */
  variables: Record<string, string>;
}

export interface FakeBridgeView {
  id: string;
  name: string;
  type: string;
  channels: string[];
  /** Music on hold class the bridge plays, null when none. */
  moh: string | null;
}

/**
 * How the far end of an originated channel behaves: answer, refuse (busy: SIP 486; reject:
 * SIP 603), ring until the originate's timeout, or be unreachable (no contact: the originate
 * itself fails). `afterMs` is the ringing time before the answer or refusal.
 */
export type CalleeBehaviour =
  | { kind: 'answer'; afterMs?: number }
  | { kind: 'busy'; afterMs?: number }
  | { kind: 'reject'; afterMs?: number }
  | { kind: 'ring' }
  | { kind: 'unavailable' };

/**
 * What the fake's dialplan does with a channel `continue` sends to a context (the fake runs
 * no real dialplan): set variables (e.g. AMDSTATUS), then enter Stasis again with `args`,
 * hang up with a cause, or stay there (until hung up). `afterMs` delays it (e.g. AMD's analysis).
 */
export interface DialplanStep {
  variables?: Record<string, string>;
  then: { kind: 'stasis'; args: string[]; app?: string } | { kind: 'hangup'; cause?: number } | { kind: 'stay' };
  afterMs?: number;
}
