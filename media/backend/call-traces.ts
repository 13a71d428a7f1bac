// The gateway's part of a call's trace: each reported turn becomes a span in
// the trace the backend began (the session request's traceparent), with the
// provider steps of the turn as children (speech to text final, language model
// first token, first synthesized audio), timed from the turn's own latency
// breakdown. Calls are remembered in a bounded map: a call forgotten early only
// loses its later spans.
import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { childContext, contextOf } from '../contract/tracing.js';
import type { FailureReport, TurnReport } from '../contract/backend.js';

const MAX_CALLS = 10_000;

export class CallTraces {
  readonly #tracer: Tracer;
  readonly #parents = new Map<string, string>();

  constructor(tracer: Tracer) {
    this.#tracer = tracer;
  }

  /** The call's trace, from its session request (calls without one are not traced). */
  begin(callId: string, traceparent: string | undefined): void {
    if (traceparent === undefined) return;
    if (this.#parents.size >= MAX_CALLS) this.#parents.delete(this.#parents.keys().next().value!);
    this.#parents.set(callId, traceparent);
  }

  end(callId: string): void {
    this.#parents.delete(callId);
  }

  turn(callId: string, turn: TurnReport): void {
    const parent = this.#parents.get(callId);
    if (parent === undefined) return;
    const startMs = Date.parse(turn.startedAt);
    const endMs = turn.endedAt === null ? Date.now() : Date.parse(turn.endedAt);
    const span = this.#tracer.startSpan(`turn ${turn.role}`, { startTime: startMs, attributes: { 'turn.seq': turn.seq, 'turn.interrupted': turn.interrupted } }, contextOf(parent));
    const latency = turn.latency;
    if (latency) {
      // Latencies count from the end of the caller's speech, which is where an agent turn starts.
      const steps: [string, number | null][] = [
        ['provider stt final', latency.sttFinalMs],
        ['provider llm first token', latency.llmFirstTokenMs],
        ['provider tts first audio', latency.ttsFirstAudioMs],
      ];
      for (const [name, ms] of steps) {
        if (ms === null || ms < 0) continue;
        this.#tracer.startSpan(name, { startTime: startMs }, childContext(span)).end(startMs + ms);
      }
      if (latency.voiceToVoiceMs !== null) span.setAttribute('turn.voice_to_voice_ms', latency.voiceToVoiceMs);
    }
    span.end(Math.max(startMs, endMs));
  }

  failure(callId: string, failure: FailureReport): void {
    const parent = this.#parents.get(callId);
    if (parent === undefined) return;
    const span = this.#tracer.startSpan(`provider ${failure.provider} failed`, {}, contextOf(parent));
    span.setStatus({ code: SpanStatusCode.ERROR, message: failure.error });
    span.end();
  }
}
