// The W3C Trace Context header carried in CreateSessionRequest (contract/tracing.ts).
import { z } from 'zod';

/** `traceparent`, version 00 (https://www.w3.org/TR/trace-context/#traceparent-header). */
export const TraceParent = z.string().regex(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, 'must be a W3C traceparent');
