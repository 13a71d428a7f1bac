// Turn records as the backend stores them (pure): times inside the gateway are
// performance.now() ms; records carry wall-clock ISO times and, for answers,
// the latency breakdown measured from the end of the caller's speech.
import type { TurnLatency, TurnReport } from '../contract/backend.js';

/** Milestones of an agent turn (performance.now() ms; null when not reached). */
export interface AnswerMilestones {
  /** End of the caller's speech this answers (null for a clip of its own). */
  speechEndMs: number | null;
  sttFinalMs: number | null;
  firstTokenMs: number | null;
  firstAudioMs: number | null;
  firstSentMs: number | null;
}

export class TurnRecords {
  #startedMs = 0;
  #wallAtStartMs = 0;

  /** The clock pair of the call's start: `atMs` (performance.now()) was `wallMs` (Date.now()). */
  start(atMs: number, wallMs: number): void {
    this.#startedMs = atMs;
    this.#wallAtStartMs = wallMs;
  }

  /** A caller turn; `dtmf` holds the keys pressed in it, if any. */
  caller(seq: number, text: string, startedMs: number, endedMs: number, dtmf: string | null = null): TurnReport {
    const record = this.#record(seq, 'caller', text, startedMs, endedMs, false, null);
    return dtmf === null ? record : { ...record, dtmf };
  }

  /** An agent turn: latencies only for answers to a caller turn (clips have none). */
  agent(seq: number, text: string, startedMs: number, endedMs: number, interrupted: boolean, answer: AnswerMilestones | null): TurnReport {
    return this.#record(seq, 'agent', text, startedMs, endedMs, interrupted, answer ? latencyOf(answer) : null);
  }

  #record(
    seq: number,
    role: 'caller' | 'agent',
    text: string,
    startedMs: number,
    endedMs: number,
    interrupted: boolean,
    latency: TurnLatency | null,
  ): TurnReport {
    return { seq, role, text: text.trim(), startedAt: this.#wall(startedMs), endedAt: this.#wall(endedMs), interrupted, latency };
  }

  #wall(ms: number): string {
    return new Date(this.#wallAtStartMs + (ms - this.#startedMs)).toISOString();
  }
}

function latencyOf(answer: AnswerMilestones): TurnLatency {
  const from = answer.speechEndMs;
  const since = (at: number | null): number | null => (from === null || at === null ? null : Math.round(at - from));
  return {
    sttFinalMs: since(answer.sttFinalMs),
    llmFirstTokenMs: since(answer.firstTokenMs),
    ttsFirstAudioMs: since(answer.firstAudioMs),
    voiceToVoiceMs: since(answer.firstSentMs),
  };
}
