// The call span: a new call begins a trace and its row keeps the traceparent;
// an adopted call continues the stored one, or begins one when the row has none
// or a value that names no trace.
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { createTracing, type Tracing } from '../../../media/contract/tracing.js';
import { startCallSpan } from '../../../src/calls/call-span.js';

const opened: Tracing[] = [];
afterEach(async () => {
  for (const tracing of opened.splice(0)) await tracing.shutdown();
});

function collecting(): Tracing {
  const tracing = createTracing({ serviceName: 'prosaas-backend', otlpEndpoint: null, spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] });
  opened.push(tracing);
  return tracing;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

describe('startCallSpan', () => {
  it('begins a trace for a new call and gives its traceparent to the row', () => {
    const { span, traceParent } = startCallSpan(collecting().tracer, { adopted: false, stored: null, attributes: { 'call.id': 'c1' } });
    expect(traceParent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    span.end();
  });

  it('continues the stored trace for an adopted call and keeps the stored traceparent', () => {
    const tracer = collecting().tracer;
    const first = startCallSpan(tracer, { adopted: false, stored: null, attributes: {} });
    const adopted = startCallSpan(tracer, { adopted: true, stored: first.traceParent, attributes: {} });
    expect(adopted.span.spanContext().traceId).toBe(first.span.spanContext().traceId);
    expect(adopted.span.spanContext().spanId).not.toBe(first.span.spanContext().spanId);
    expect(adopted.traceParent).toBe(first.traceParent);
    first.span.end();
    adopted.span.end();
  });

  it.each([
    ['no traceparent on the row', null],
    ['a malformed one', '00-not-a-trace-01'],
  ])('begins a trace when an adopted call has %s, and stores it', (_what, stored) => {
    const { span, traceParent } = startCallSpan(collecting().tracer, { adopted: true, stored, attributes: {} });
    expect(traceParent).toMatch(TRACEPARENT);
    expect(TRACEPARENT.exec(traceParent!)?.[1]).toBe(span.spanContext().traceId);
    span.end();
  });

  it('stores nothing when tracing is off', () => {
    const { span, traceParent } = startCallSpan(createTracing({ serviceName: 'x', otlpEndpoint: null }).tracer, { adopted: false, stored: null, attributes: {} });
    expect(traceParent).toBeNull();
    span.end();
  });
});
