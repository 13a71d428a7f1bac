// OpenTelemetry tracing for both programs: one trace per call, begun by the
// backend and continued by the gateway through the W3C `traceparent` the
// backend puts in CreateSessionRequest. Spans are exported over OTLP/HTTP only
// when an endpoint is configured; otherwise the tracer records nothing (no
// cost on the media path). The provider is injected, never registered
// globally, so two programs in one test process keep their own.
import { context, trace, type Context, type Span, type TextMapGetter, type TextMapSetter, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';


export interface TracingOptions {
  /** service.name of the spans: `prosaas-backend` or `prosaas-media-gateway`. */
  serviceName: string;
  /** OTLP/HTTP base URL (e.g. http://otel-collector:4318); null: spans are not exported. */
  otlpEndpoint: string | null;
  /** Extra processors (tests collect spans in memory). */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  readonly tracer: Tracer;
  /** Exports what is pending and stops; idempotent. */
  shutdown(): Promise<void>;
}

const propagator = new W3CTraceContextPropagator();

export function createTracing(options: TracingOptions): Tracing {
  const processors = [...(options.spanProcessors ?? [])];
  if (options.otlpEndpoint !== null) {
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/traces` })));
  }
  if (processors.length === 0) return { tracer: trace.getTracer('noop'), shutdown: () => Promise.resolve() };
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: processors,
  });
  let closed: Promise<void> | null = null;
  return {
    tracer: provider.getTracer(options.serviceName),
    shutdown: () => (closed ??= provider.shutdown()),
  };
}

/** The `traceparent` naming `span` (undefined when the span is not recorded). */
export function traceParentOf(span: Span): string | undefined {
  if (!span.isRecording()) return undefined;
  const carrier: Record<string, string> = {};
  const setter: TextMapSetter<Record<string, string>> = { set: (c, key, value) => (c[key] = value) };
  propagator.inject(trace.setSpan(context.active(), span), carrier, setter);
  return carrier.traceparent;
}

/** The context a `traceparent` continues (the root context when absent). */
export function contextOf(traceparent: string | undefined): Context {
  if (traceparent === undefined) return context.active();
  const getter: TextMapGetter<Record<string, string>> = { get: (c, key) => c[key], keys: (c) => Object.keys(c) };
  return propagator.extract(context.active(), { traceparent }, getter);
}

/** The context of a child of `span`. */
export function childContext(span: Span): Context {
  return trace.setSpan(context.active(), span);
}
