// The backend's internal API for the media gateway: the gateway reports what
// happened on a call and asks for what only the control plane can do (ARI).
// Served by the backend, called by the gateway; both import this module.
//
//   POST /internal/calls/:callId/turns     TurnReport      -> 204
//   POST /internal/calls/:callId/actions   CallAction      -> 200 ActionResult
//        (:callId is a session's callId: a call's, or one of its legs')
//   POST /internal/calls/:callId/failures  FailureReport   -> 204
//
// Every route requires `authorization: Bearer <MEDIA_GATEWAY_TOKEN>` (the same
// shared secret as the gateway's control API). Errors: 401, 400 and 404 (no
// such call, or the call already ended) with { error: { code, message } }.
import { z } from 'zod';

/** Latency breakdown of an agent turn, in ms from the end of the caller's speech. */
export const TurnLatency = z.object({
  sttFinalMs: z.number().int().nullable(),
  llmFirstTokenMs: z.number().int().nullable(),
  ttsFirstAudioMs: z.number().int().nullable(),
  /** First RTP packet of the answer sent: the caller's voice-to-voice latency. */
  voiceToVoiceMs: z.number().int().nullable(),
});
export type TurnLatency = z.infer<typeof TurnLatency>;

/** Most characters of a tool's arguments or result kept on the turn record. */
export const TOOL_RECORD_MAX_CHARS = 8_000;

/** A business tool (HTTP or MCP) the agent called during a turn: what it sent and got back. */
export const ToolCallRecord = z.object({
  /** The model's id of the call. */
  id: z.string().min(1).max(200),
  /** The name the model called it by. */
  name: z.string().min(1).max(64),
  source: z.enum(['http', 'mcp']),
  /** The arguments, as JSON text. */
  arguments: z.string().max(TOOL_RECORD_MAX_CHARS),
  ok: z.boolean(),
  /** The answer given to the model, or what failed. */
  result: z.string().max(TOOL_RECORD_MAX_CHARS),
  durationMs: z.number().int().min(0),
});
export type ToolCallRecord = z.infer<typeof ToolCallRecord>;

export const TurnReport = z.object({
  /** Order of the turn within the call, from 0; the same seq again replaces the turn. */
  seq: z.number().int().min(0),
  role: z.enum(['caller', 'agent']),
  text: z.string().max(20_000),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime().nullable(),
  /** The caller cut the agent off; `text` holds only what was actually played. */
  interrupted: z.boolean(),
  latency: TurnLatency.nullable(),
  /** Business tools the agent called in this turn (agent turns only). */
  tools: z.array(ToolCallRecord).max(32).optional(),
  /** Keys the caller pressed in this (caller) turn, in order; absent or null when none. */
  dtmf: z.string().regex(/^[0-9A-D*#]{1,64}$/).nullable().optional(),
});
export type TurnReport = z.infer<typeof TurnReport>;

export const CallAction = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hangup'),
    reason: z.enum(['agent_goodbye', 'caller_silence', 'max_duration', 'provider_failure']),
  }),
  z.object({ type: z.literal('transfer'), reason: z.string().max(500).nullable() }),
  z.object({
    type: z.literal('take_message'),
    callerName: z.string().min(1).max(200),
    callbackNumber: z.string().min(3).max(40),
    reason: z.string().min(1).max(2000),
  }),
  /** An announcement session (sessions.ts Announcement) played its text to the end, or could not. */
  z.object({ type: z.literal('announcement_done'), played: z.boolean() }),
]);
export type CallAction = z.infer<typeof CallAction>;

export const ActionResult = z.object({
  ok: z.boolean(),
  /** Why the action could not be done (e.g. no transfer target), for the agent to say so. */
  message: z.string().nullable(),
});
export type ActionResult = z.infer<typeof ActionResult>;

export const FailureReport = z.object({
  provider: z.enum(['stt', 'llm', 'tts']),
  /** What failed, without secrets: e.g. "deepgram stt: socket closed (1011)". */
  error: z.string().min(1).max(2000),
});
export type FailureReport = z.infer<typeof FailureReport>;

export const backendPaths = {
  turns: (callId: string) => `/internal/calls/${encodeURIComponent(callId)}/turns`,
  actions: (callId: string) => `/internal/calls/${encodeURIComponent(callId)}/actions`,
  failures: (callId: string) => `/internal/calls/${encodeURIComponent(callId)}/failures`,
} as const;
