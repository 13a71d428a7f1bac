// What the gateway's main thread and its media thread say to each other.
//
// The media thread owns the RTP socket, the demultiplexer, the 20 ms clock and
// every session's jitter buffer, playout queue and recording. The main thread
// owns the sessions' lifecycle (the control API), the agents that need it (the
// AI agent and its providers) and logging. Control crosses as the messages
// below (structured clone, a few per call); audio crosses through two
// SharedArrayBuffer rings per call whose agent runs on the main thread:
//
//   events ring (media -> main): caller frames per tick, caller packets on
//     arrival, agent frames as they leave, the answer; one doorbell message
//     tells the main thread to read every ring (at most one pending at a time).
//   agent ring (main -> media): agent audio (PCM16 or mu-law) and ends of talk
//     spurts; `space` messages answer a producer waiting for room, `clear`
//     (barge-in) drops what is queued on the next tick at the latest.
//
// Times that cross are epoch milliseconds (performance.timeOrigin + now()):
// each thread has its own performance.now() origin.
import type { CreateSessionRequest, GatewayStats, RtpEndpoint, SessionStats } from '../contract/sessions.js';
import type { FrameRingShared } from './frame-ring.js';

// ---- events ring (media -> main) ------------------------------------------------

/** Record: kind (u8), has-ulaw (u8), pad, tick or clear epoch (u32 at 4), atMs (f64 at 8), PCM16 frame or count (at 16), mu-law frame (after it). */
export const EVENT_PCM_OFFSET = 16;
export const EVENT_ULAW_OFFSET = EVENT_PCM_OFFSET + 320;
export const EVENT_RECORD_BYTES = EVENT_ULAW_OFFSET + 160;
/** Records the events ring holds: over two seconds of a call's events while the main thread is stalled. */
export const EVENT_RING_RECORDS = 256;
/**
 * Records only control events may take (frames sent, the answer): caller
 * audio is data and is dropped (counted) once the ring is this close to full,
 * so a stalled main thread loses caller audio before any bookkeeping. Control
 * events that find even these taken are kept on the media thread and written
 * as soon as the main thread frees a record (ring-agent.ts).
 */
export const EVENT_RING_CONTROL_RESERVE = 8;
/** agentSent and agentSentUnseen: the agent ring's clear epoch the frame was queued under (u32, in the tick's place). */
export const EVENT_EPOCH_OFFSET = 4;
/** agentSentUnseen: how many frames left without their own record (u32, in the PCM's place). */
export const EVENT_COUNT_OFFSET = EVENT_PCM_OFFSET;

export const EventKind = {
  /** One tick's caller frame (PCM16; mu-law as received when has-ulaw). */
  callerFrame: 1,
  /** A caller packet on arrival, as mu-law. */
  callerPacket: 2,
  /** A packet of agent audio left (PCM16, atMs, clear epoch). */
  agentSent: 3,
  /** The media started (atMs). */
  answered: 4,
  /** Packets of agent audio left while the ring was full (count, the last one's atMs, clear epoch): their bookkeeping without their audio. */
  agentSentUnseen: 5,
} as const;

// ---- agent ring (main -> media) ---------------------------------------------------

/** Record: kind (u8), pad, payload at 8 (PCM16 320 bytes, or mu-law 160 bytes). */
export const AGENT_PAYLOAD_OFFSET = 8;
export const AGENT_RECORD_BYTES = AGENT_PAYLOAD_OFFSET + 320;
/**
 * Frames of agent audio waiting to enter the playout queue (which holds one
 * second more); one extra record is kept for an end of speech, so it never
 * waits for room.
 */
export const AGENT_RING_RECORDS = 26;

export const AgentRecordKind = { pcm: 1, ulaw: 2, endOfSpeech: 3 } as const;

/** Spare header words of the agent ring. */
export const AGENT_RING_CLEAR_EPOCH = 2;
/** The ring's `written` count when the last clear was asked: records before it are dropped. */
export const AGENT_RING_CLEAR_BEFORE = 3;
/** 1 while the main thread waits for room (the media thread answers with `space`). */
export const AGENT_RING_SPACE_WANTED = 4;

// ---- shared control block ---------------------------------------------------------

/** Int32 words of the control block. */
export const CONTROL_DOORBELL = 0;
export const CONTROL_WORDS = 1;

/** Float64 words of the gateway figures block, written by the media thread. */
export const Figures = {
  foreignSource: 0,
  lateTicks: 1,
  handlerFailures: 2,
  loopLagP99Ms: 3,
  loopLagMaxMs: 4,
  /** Caller frames and packets the events rings refused (main thread stalled past their depth); control events are never refused. */
  eventsDropped: 5,
} as const;
export const FIGURES_WORDS = 6;

// ---- messages ---------------------------------------------------------------------

export interface OpenSessionMessage {
  readonly type: 'open';
  readonly sessionId: string;
  readonly request: CreateSessionRequest;
  readonly createdAtMs: number;
  /** Per-session stats block (session-stats-block.ts). */
  readonly stats: SharedArrayBuffer;
  /** Present when the agent runs on the main thread; the media thread runs echo and silent itself. */
  readonly rings: { readonly events: FrameRingShared; readonly agent: FrameRingShared } | null;
}

export type ToMediaMessage =
  | OpenSessionMessage
  | { readonly type: 'remote'; readonly sessionId: string; readonly remote: RtpEndpoint; readonly previous: RtpEndpoint | null }
  | { readonly type: 'answered'; readonly sessionId: string }
  | { readonly type: 'close'; readonly sessionId: string }
  /** Agent audio was written into an empty ring: a talk spurt may start now. */
  | { readonly type: 'audio'; readonly sessionId: string }
  | { readonly type: 'clear'; readonly sessionId: string }
  | { readonly type: 'totals'; readonly id: number }
  /** Test hook: block the media thread's event loop this long. */
  | { readonly type: 'block'; readonly ms: number }
  | { readonly type: 'stop' };

export type ToMainMessage =
  /** `threadId`: the media thread's OS thread id (os-thread.ts); null where the platform has none to give. */
  | { readonly type: 'ready'; readonly port: number; readonly supportsIpv6: boolean; readonly threadId: number | null }
  | { readonly type: 'failed'; readonly code: string | undefined; readonly message: string }
  | { readonly type: 'closed'; readonly sessionId: string; readonly stats: SessionStats; readonly recordingPath: string | null }
  | { readonly type: 'events' }
  | { readonly type: 'space'; readonly sessionId: string }
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'totals'; readonly id: number; readonly totals: HostTotals }
  /** The last totals, after every session closed. */
  | { readonly type: 'stopped'; readonly totals: HostTotals };

/** GatewayStats but the session count (the main thread's). */
export type HostTotals = Omit<GatewayStats, 'sessions'>;

/** What the media thread is started with (workerData). */
export interface MediaThreadData {
  readonly bindHost: string;
  readonly port: number;
  readonly clockPhases: number;
  /** The agent of sessions opened without rings. */
  readonly agent: 'echo' | 'silent';
  readonly recordings: { readonly dir: string; readonly enabled: boolean };
  readonly jitter: { readonly minFrames: number; readonly targetFrames: number; readonly maxFrames: number };
  readonly logLevel: string;
  readonly control: SharedArrayBuffer;
  readonly figures: SharedArrayBuffer;
}
