// A reported turn joins the trace the backend began: same trace id as the
// session request's traceparent, parented by the backend's call span, with the
// turn's provider steps as children.
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { CallTraces } from '../../../media/backend/call-traces.js';
import { createTracing, traceParentOf, type Tracing } from '../../../media/contract/tracing.js';
import { CreateSessionRequest } from '../../../media/contract/sessions.js';

const opened: Tracing[] = [];
afterEach(async () => {
  for (const tracing of opened.splice(0)) await tracing.shutdown();
});

function collecting(serviceName: string): { tracing: Tracing; exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter();
  const tracing = createTracing({ serviceName, otlpEndpoint: null, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  opened.push(tracing);
  return { tracing, exporter };
}

describe('call traces across backend and gateway', () => {
  it('continues the backend call span in the gateway turn spans', () => {
    const backend = collecting('prosaas-backend');
    const gateway = collecting('prosaas-media-gateway');
    const call = backend.tracing.tracer.startSpan('call');
    const traceparent = traceParentOf(call);
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const traces = new CallTraces(gateway.tracing.tracer);
    traces.begin('call-1', traceparent);
    traces.turn('call-1', {
      seq: 1,
      role: 'agent',
      text: 'hello',
      startedAt: '2026-01-01T00:00:00.000Z',
      endedAt: '2026-01-01T00:00:02.000Z',
      interrupted: false,
      latency: { sttFinalMs: 100, llmFirstTokenMs: 400, ttsFirstAudioMs: 600, voiceToVoiceMs: 650 },
    });
    traces.failure('call-1', { provider: 'tts', error: 'tts: socket closed' });
    call.end();

    const [callSpan] = backend.exporter.getFinishedSpans();
    const spans = gateway.exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(
      ['provider llm first token', 'provider stt final', 'provider tts failed', 'provider tts first audio', 'turn agent'].sort(),
    );
    for (const span of spans) expect(span.spanContext().traceId).toBe(callSpan!.spanContext().traceId);
    const turn = spans.find((s) => s.name === 'turn agent')!;
    expect(turn.parentSpanContext?.spanId).toBe(callSpan!.spanContext().spanId);
    expect(spans.find((s) => s.name === 'provider llm first token')!.parentSpanContext?.spanId).toBe(turn.spanContext().spanId);
  });

  it('records nothing for a call whose request carried no trace, and rejects a malformed traceparent', () => {
    const gateway = collecting('prosaas-media-gateway');
    const traces = new CallTraces(gateway.tracing.tracer);
    traces.begin('call-2', undefined);
    traces.failure('call-2', { provider: 'llm', error: 'x' });
    expect(gateway.exporter.getFinishedSpans()).toEqual([]);
    const issues = CreateSessionRequest.shape.traceparent.safeParse('00-nothex-01');
    expect(issues.success).toBe(false);
  });
});
