// The span of a call. One trace per call, whichever replica holds it: the
// trace's `traceparent` is stored on the call's row when the row is created,
// and a replica adopting the call continues that trace (its "call adopted"
// span is a child of the original call span) instead of beginning another.
// The gateway continues the same trace from the traceparent it is sent.
import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import { contextOf, traceParentOf } from '../../media/contract/tracing.js';

export interface CallSpan {
  readonly span: Span;
  /** What the row keeps: the stored one for an adopted call; null when tracing is off. */
  readonly traceParent: string | null;
}

/**
 * `stored`: the traceparent on the adopted call's row (null when the row has
 * none, e.g. tracing was off where the call began: the call then starts a
 * trace here, which later adopters continue). A malformed value continues
 * nothing; it never fails the call.
 */
export function startCallSpan(tracer: Tracer, call: { adopted: boolean; stored: string | null; attributes: Attributes }): CallSpan {
  if (!call.adopted) {
    const span = tracer.startSpan('call', { attributes: call.attributes });
    return { span, traceParent: traceParentOf(span) ?? null };
  }
  const span = tracer.startSpan('call adopted', { attributes: call.attributes }, contextOf(call.stored ?? undefined));
  const continued = call.stored !== null && span.spanContext().traceId === call.stored.split('-')[1];
  return { span, traceParent: continued ? call.stored : (traceParentOf(span) ?? call.stored) };
}
