// What the staff API answers about calls. Server-side details (channel and
// bridge ids, the recording's file path) never leave the backend.

export interface CallSummary {
  id: string;
  direction: 'inbound' | 'outbound';
  status: string;
  from: string | null;
  to: string;
  createdAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  hangupCause: string | null;
  /** Gradual rollout: sent straight to the business's person, not the agent. */
  routedToHuman: boolean;
  /** Warm transfer: connected, no_answer, busy, declined, failed or caller_left; null without one. */
  transferOutcome: string | null;
  /** Outbound: answering machine detection (human, machine, notsure, hangup); null for inbound calls. */
  amdResult: string | null;
  hasRecording: boolean;
  turnCount: number;
  messageCount: number;
  /** The conversation engine that answered ('cascade', 'openai-realtime', 'self-hosted'); null for calls before engines were recorded or never routed. */
  engine: string | null;
}

export interface CallDetail extends CallSummary {
  hangupCauseCode: number | null;
  /** Why the call could not be set up (status failed). */
  error: string | null;
  transferTarget: string | null;
  amdCause: string | null;
  /** Outbound: the instructions the agent was given for the call. */
  outboundPurpose: string | null;
  /** The conversation provider whose failure interrupted the call. */
  failure: { provider: string; error: string } | null;
  /** Path of the recording route, null when there is no recording. */
  recordingUrl: string | null;
  /** When the recording was deleted (retention or on request); null if it was not. */
  recordingDeletedAt: string | null;
  /** When what was said was deleted; the turns are then empty. */
  transcriptDeletedAt: string | null;
}

export interface TurnLatency {
  sttFinalMs: number | null;
  llmFirstTokenMs: number | null;
  ttsFirstAudioMs: number | null;
  voiceToVoiceMs: number | null;
}

export interface TurnView {
  seq: number;
  role: 'caller' | 'agent';
  text: string;
  startedAt: string;
  endedAt: string | null;
  interrupted: boolean;
  /** Null when no latency was measured for the turn. */
  latency: TurnLatency | null;
  /** The business's tools the agent called in this turn; absent when none. */
  tools?: ToolCallView[];
}

/** A business tool the agent called (HTTP or MCP), as stored on the turn. */
export interface ToolCallView {
  name: string;
  source: 'http' | 'mcp';
  /** The arguments, as JSON text. */
  arguments: string;
  ok: boolean;
  /** What the tool answered, or what failed. */
  result: string;
  durationMs: number;
}

/** The stored tool calls of a turn (call_turns.tool_calls); malformed entries are left out. */
export function toolCallViews(stored: unknown): ToolCallView[] {
  if (!Array.isArray(stored)) return [];
  return stored.flatMap((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return [];
    const item = entry as Record<string, unknown>;
    if (typeof item.name !== 'string' || typeof item.arguments !== 'string' || typeof item.result !== 'string') return [];
    return [
      {
        name: item.name,
        source: item.source === 'mcp' ? ('mcp' as const) : ('http' as const),
        arguments: item.arguments,
        ok: item.ok === true,
        result: item.result,
        durationMs: typeof item.durationMs === 'number' ? item.durationMs : 0,
      },
    ];
  });
}

export interface MessageView {
  id: string;
  callerName: string;
  callbackNumber: string;
  reason: string;
  createdAt: string;
}

export interface CallPage {
  calls: CallSummary[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface CallWithConversation {
  call: CallDetail;
  turns: TurnView[];
  messages: MessageView[];
}

export function iso(value: Date | string): string;
export function iso(value: Date | string | null): string | null;
export function iso(value: Date | string | null): string | null {
  if (value === null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function recordingUrl(callId: string): string {
  return `/api/calls/${callId}/recording`;
}
