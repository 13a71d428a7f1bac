// The media gateway's control API: the one seam between the backend (`src/`,
// the client) and the media gateway (`media/`, the server). Both programs
// import the schemas and types from here; nothing else is shared.
//
//   POST   /sessions                 CreateSessionRequest  -> 201 CreateSessionResponse
//                                     (same callId again    -> 200 with the existing session)
//   PUT    /sessions/:id/remote      SetRemoteRequest      -> 200 SessionInfo
//                                     (websocket: once the media websocket is connected)
//   PUT    /sessions/:id/agent       AgentSettings         -> 200 SessionInfo
//                                     (a new agent takes over the call with these settings)
//   POST   /sessions/:id/answered                          -> 204 (the caller was answered)
//   GET    /sessions/:id/stats                             -> 200 SessionStats
//   POST   /sessions/:id/dtmf        DtmfRequest           -> 204 (a key the caller pressed)
//   DELETE /sessions/:id                                   -> 200 CloseSessionResponse
//   GET    /sessions                                       -> 200 ListSessionsResponse
//   GET    /stats                                          -> 200 GatewayStats
//   GET    /load                                           -> 200 GatewayLoad (the backend's pool polls it)
//   GET    /metrics                                        -> 200 Prometheus text
//   GET    /health                                         -> 200 { status: 'ok' }
//
// Every route but /health requires `authorization: Bearer <MEDIA_GATEWAY_TOKEN>`.
// Errors answer with ApiErrorBody and one of the codes in MEDIA_ERROR_CODES.
import { z } from 'zod';
import { EngineSelection, VadModeSchema } from './engines.js';
import { TraceParent } from './trace-parent.js';

export const MEDIA_AUTH_HEADER = 'authorization';
export const bearer = (token: string): string => `Bearer ${token}`;

/**
 * How audio travels between Asterisk and the gateway: `rtp` (externalMedia UnicastRTP,
 * UDP to the gateway's one RTP port) or `websocket` (chan_websocket: the gateway connects
 * to Asterisk's /media/<connection id>; one TCP connection per call, no UDP port).
 */
export const MEDIA_TRANSPORTS = ['rtp', 'websocket'] as const;
export const MediaTransport = z.enum(MEDIA_TRANSPORTS);
export type MediaTransport = z.infer<typeof MediaTransport>;

/**
 * Audio formats: `ulaw` (8 kHz), `slin` (8 kHz L16) and `slin16` (16 kHz L16). `slin16`
 * only over the websocket transport: Asterisk 22 sends it on RTP (PT 118) but silently
 * drops 16 kHz RTP sent back to it.
 */
export const MEDIA_FORMATS = ['ulaw', 'slin', 'slin16'] as const;
export const MediaFormat = z.enum(MEDIA_FORMATS);
export type MediaFormat = z.infer<typeof MediaFormat>;

/** A key of the phone keypad as DTMF carries it (ARI ChannelDtmfReceived `digit`). */
export const DtmfDigit = z.string().regex(/^[0-9A-D*#]$/, { error: 'must be one of 0-9, A-D, * or #' });

/** What a key does at once, without the language model (per business). */
export const KEYPAD_ACTIONS = ['transfer', 'end_call'] as const;
export const KeypadActions = z.record(DtmfDigit, z.enum(KEYPAD_ACTIONS));
export type KeypadActions = z.infer<typeof KeypadActions>;

/** What the agent needs to know about the business it speaks for. */
export const AgentSettings = z.object({
  businessName: z.string().min(1),
  greeting: z.string(),
  systemPrompt: z.string(),
  voice: z.string().min(1),
  language: z.string().min(2),
  timezone: z.string().min(1),
  transferTarget: z.string().nullable(),
  /** Keys that act at once when pressed first, e.g. {"0": "transfer"}; absent means none. */
  keypadActions: KeypadActions.optional(),
  /** The conversation engine and its settings; absent: the cascade (older backends). */
  engine: EngineSelection.optional(),
  /** The voice activity detector of barge-in (and of utterance cuts); absent: energy. */
  vadMode: VadModeSchema.optional(),
});
export type AgentSettings = z.infer<typeof AgentSettings>;

/** Longest conversation a moved call carries over (the LLM keeps fewer messages anyway). */
export const MAX_RESUME_TURNS = 200;

/**
 * The conversation so far of a call whose gateway was lost: the new gateway's
 * agent continues it instead of greeting the caller again.
 */
export const ResumeContext = z.object({
  turns: z.array(z.object({ role: z.enum(['caller', 'agent']), text: z.string() })).max(MAX_RESUME_TURNS),
  /** The seq of the next turn report (earlier seqs are stored already). */
  nextSeq: z.number().int().min(0),
});
export type ResumeContext = z.infer<typeof ResumeContext>;

/**
 * Names the language model may call a tool by (OpenAI's rule: letters, digits,
 * "_" and "-", at most 64), starting with a letter.
 */
export const TOOL_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const HTTP_TOOL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** Bounds of a tool's timeout, in ms: long enough for a slow lookup, short enough for a caller on hold. */
export const TOOL_TIMEOUT_MS = { min: 500, max: 30_000, default: 5_000 } as const;

/**
 * An HTTP tool a business's manager defined. The gateway calls `url` with the
 * arguments the model chose (JSON body, or the query string for GET and
 * DELETE), signed with `secret` as the backend signs webhooks
 * (standard-webhooks.ts), and gives the answer back to the model.
 */
export const HttpToolDefinition = z.object({
  name: z.string().regex(TOOL_NAME_PATTERN),
  description: z.string().min(1).max(1024),
  /** JSON Schema of the arguments object (validated when saved). */
  parameters: z.record(z.string(), z.unknown()),
  url: z.url({ protocol: /^https?$/ }),
  method: z.enum(HTTP_TOOL_METHODS),
  /** whsec_... */
  secret: z.string().min(1),
  timeoutMs: z.number().int().min(TOOL_TIMEOUT_MS.min).max(TOOL_TIMEOUT_MS.max),
});
export type HttpToolDefinition = z.infer<typeof HttpToolDefinition>;

/** An MCP server (Streamable HTTP) whose tools the business's agent may call. */
export const McpServerDefinition = z.object({
  id: z.uuid(),
  /** Short name; prefixes its tools' names when they clash with others. */
  name: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/),
  url: z.url({ protocol: /^https?$/ }),
  /** Sent as `authorization: Bearer <token>`; null: none. */
  token: z.string().min(1).nullable(),
  timeoutMs: z.number().int().min(TOOL_TIMEOUT_MS.min).max(TOOL_TIMEOUT_MS.max),
});
export type McpServerDefinition = z.infer<typeof McpServerDefinition>;

/** The business's own tools, offered to the model next to the built-in ones. */
export const SessionTools = z.object({
  http: z.array(HttpToolDefinition).max(64),
  mcp: z.array(McpServerDefinition).max(16),
});
export type SessionTools = z.infer<typeof SessionTools>;

/**
 * A session that only speaks `text` to whoever is on the leg, then reports
 * `announcement_done` to the backend (media/contract/backend.ts): a warm transfer's
 * words to the person taking the call, a voicemail message on an answering machine.
 */
export const Announcement = z.object({ text: z.string().trim().min(1).max(2_000) });
export type Announcement = z.infer<typeof Announcement>;

export const CreateSessionRequest = z
  .object({
    /** CallLog id, or the id of one leg of a call (a warm transfer's target); the idempotency key of the session. */
    callId: z.uuid(),
    businessId: z.uuid(),
    /** Asterisk channel id of the caller (for logs and correlation). */
    channelId: z.string().min(1),
    format: MediaFormat,
    transport: MediaTransport.default('rtp'),
    caller: z.object({ from: z.string().nullable(), to: z.string().min(1) }),
    agent: AgentSettings,
    /** Absent: the business has none (and older backends). */
    tools: SessionTools.optional(),
    /** The call's trace (W3C Trace Context): the gateway's spans continue it. */
    traceparent: TraceParent.optional(),
    /** Present when the call moves here from a gateway that was lost mid-call. */
    resume: ResumeContext.optional(),
    /**
     * The caller is still ringing: the media path is set up before the answer,
     * and the session's media and agent start when the caller is answered
     * (POST /sessions/:id/answered, or the first inbound packet, whichever
     * comes first). Absent or false: they start once the remote is known.
     */
    awaitAnswer: z.boolean().optional(),
    /** Set: the session announces this and takes no part in a conversation. */
    announcement: Announcement.nullable().default(null),
    /** Whether to record the leg (announcement legs are not recorded). Default true. */
    record: z.boolean().default(true),
  })
  .refine((request) => request.format !== 'slin16' || request.transport === 'websocket', {
    message: 'slin16 needs the websocket transport: Asterisk drops 16 kHz RTP sent back to it',
    path: ['format'],
  });
export type CreateSessionRequest = z.infer<typeof CreateSessionRequest>;
export type CreateSessionInput = z.input<typeof CreateSessionRequest>;

export const RtpEndpoint = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
});
export type RtpEndpoint = z.infer<typeof RtpEndpoint>;

export const CreateSessionResponse = z.object({
  sessionId: z.string().min(1),
  /** RTP: where Asterisk must send the caller's RTP, the externalMedia `external_host`; null for websocket. */
  rtp: RtpEndpoint.nullable(),
});
export type CreateSessionResponse = z.infer<typeof CreateSessionResponse>;

/** A key the caller pressed, as the backend saw it in ARI's ChannelDtmfReceived. */
export const DtmfRequest = z.object({
  digit: DtmfDigit,
  /** How long the key was held (ARI `duration_ms`). */
  durationMs: z.number().int().min(0).max(600_000),
});
export type DtmfRequest = z.infer<typeof DtmfRequest>;

/** Asterisk's media websocket for the call: `ws://<asterisk>:8088/media/<MEDIA_WEBSOCKET_CONNECTION_ID>`. */
export const WebSocketRemote = z.object({
  websocket: z.object({ url: z.url({ protocol: /^wss?$/, error: 'must be a ws:// or wss:// URL' }) }),
});
export type WebSocketRemote = z.infer<typeof WebSocketRemote>;

/** RTP: Asterisk's RTP address (`UNICASTRTP_LOCAL_ADDRESS` / `UNICASTRTP_LOCAL_PORT`); websocket: where to connect. */
export const SetRemoteRequest = z.union([RtpEndpoint, WebSocketRemote]);
export type SetRemoteRequest = z.infer<typeof SetRemoteRequest>;

export function isWebSocketRemote(remote: SetRemoteRequest): remote is WebSocketRemote {
  return 'websocket' in remote;
}

export const SessionStats = z.object({
  packetsIn: z.number().int(),
  packetsOut: z.number().int(),
  bytesIn: z.number().int(),
  bytesOut: z.number().int(),
  /** Datagrams that were not valid RTP for this session's format. */
  malformed: z.number().int(),
  /** Datagrams from a source other than the session's Asterisk address. */
  foreignSource: z.number().int(),
  /** SSRC of the inbound stream, null before the first packet. */
  ssrc: z.number().int().nullable(),
  /** Inbound packets never received in time (sequence gaps at playout). */
  lost: z.number().int(),
  /** Inbound packets that arrived after their playout time (dropped). */
  late: z.number().int(),
  /** Inbound packets that arrived out of order but in time. */
  reordered: z.number().int(),
  /** Inbound packets received twice (dropped). */
  duplicates: z.number().int(),
  /** Inbound SSRC changes (the jitter buffer restarts). */
  ssrcChanges: z.number().int(),
  /** Caller frames filled by concealment (loss or late). */
  concealedFrames: z.number().int(),
  /** RFC 3550 interarrival jitter of the inbound stream, in ms. */
  jitterMs: z.number(),
  /** Ticks where agent audio was playing but no frame was ready. */
  playoutUnderruns: z.number().int(),
  /** How late outbound packets left against their schedule, in ms. */
  pacingErrorMs: z.object({ p50: z.number(), p99: z.number(), max: z.number() }),
});
export type SessionStats = z.infer<typeof SessionStats>;

export const SessionInfo = z.object({
  sessionId: z.string(),
  callId: z.uuid(),
  format: MediaFormat,
  transport: MediaTransport,
  /** The gateway's RTP address (also reported for websocket sessions, which do not use it). */
  local: RtpEndpoint,
  /** RTP: Asterisk's address; websocket: the media websocket's URL without its connection id. */
  remote: z.union([RtpEndpoint, WebSocketRemote]).nullable(),
  createdAt: z.string(),
  stats: SessionStats,
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const CloseSessionResponse = z.object({
  sessionId: z.string(),
  stats: SessionStats,
  /** Path of the call's recording, null when nothing was recorded. */
  recordingPath: z.string().nullable(),
});
export type CloseSessionResponse = z.infer<typeof CloseSessionResponse>;

export const ListSessionsResponse = z.object({
  sessions: z.array(SessionInfo),
  /** Gateway-wide count of datagrams from sources no session has claimed. */
  foreignSource: z.number().int(),
});
export type ListSessionsResponse = z.infer<typeof ListSessionsResponse>;

/**
 * GET /stats: gateway totals. `pacing.counts[i]` counts outbound packets sent
 * between i and i+1 times `resolutionMs` late; the last bucket is everything
 * beyond. Clients subtract two snapshots to get the distribution of a window.
 */
export const GatewayStats = z.object({
  sessions: z.number().int(),
  foreignSource: z.number().int(),
  packetsIn: z.number().int(),
  packetsOut: z.number().int(),
  malformed: z.number().int(),
  lost: z.number().int(),
  late: z.number().int(),
  playoutUnderruns: z.number().int(),
  /** Scheduler ticks that ran more than one frame late (event loop stalls). */
  lateTicks: z.number().int(),
  pacing: z.object({ resolutionMs: z.number(), counts: z.array(z.number().int()) }),
});
export type GatewayStats = z.infer<typeof GatewayStats>;

/**
 * GET /load: what the backend's gateway pool needs to place a new call. A
 * draining gateway (SIGTERM) keeps its calls and takes no new ones.
 */
export const GatewayLoad = z.object({
  sessions: z.number().int().min(0),
  maxSessions: z.number().int().min(1),
  /** Sessions it still takes: 0 when full or draining. */
  capacityLeft: z.number().int().min(0),
  /** CPU used by the process since the previous sample, in % of one core. */
  cpuPct: z.number().min(0),
  /** Event-loop delay p99 since the previous sample, ms (the media clock waits behind it). */
  eventLoopLagP99Ms: z.number().min(0),
  draining: z.boolean(),
});
export type GatewayLoad = z.infer<typeof GatewayLoad>;

export const MEDIA_ERROR_CODES = [
  'unauthorized',
  'bad_request',
  'not_found',
  'no_capacity',
  /** The call's media websocket could not be connected (PUT /sessions/:id/remote). */
  'media_unreachable',
  /** The business's conversation engine is not configured on this gateway. */
  'engine_unavailable',
  'internal',
] as const;
export type MediaErrorCode = (typeof MEDIA_ERROR_CODES)[number];

export const ApiErrorBody = z.object({
  error: z.object({ code: z.enum(MEDIA_ERROR_CODES), message: z.string() }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

export const sessionPaths = {
  create: '/sessions',
  list: '/sessions',
  gatewayStats: '/stats',
  load: '/load',
  remote: (sessionId: string) => `/sessions/${encodeURIComponent(sessionId)}/remote`,
  agent: (sessionId: string) => `/sessions/${encodeURIComponent(sessionId)}/agent`,
  stats: (sessionId: string) => `/sessions/${encodeURIComponent(sessionId)}/stats`,
  dtmf: (sessionId: string) => `/sessions/${encodeURIComponent(sessionId)}/dtmf`,
  answered: (sessionId: string) => `/sessions/${encodeURIComponent(sessionId)}/answered`,
  one: (sessionId: string) => `/sessions/${encodeURIComponent(sessionId)}`,
} as const;
