// The control API's clip warm-up: the backend (which alone reads the database)
// tells the gateway which businesses' fixed phrases to synthesize ahead of
// their calls, so the first call of a business is greeted as fast as the
// hundredth.
//
//   PUT /clips   WarmClipsRequest -> 202 WarmClipsResponse
//
// Same bearer token as the session routes. The synthesis runs in the
// background; the answer only says how many phrases were queued.
import { z } from 'zod';
import { AgentSettings } from './sessions.js';

/** One request covers at most this many businesses; the backend sends more in several. */
export const MAX_WARM_BUSINESSES = 500;

export const WarmClipsRequest = z.object({
  businesses: z
    .array(z.object({ businessId: z.uuid(), agent: AgentSettings }))
    .max(MAX_WARM_BUSINESSES),
});
export type WarmClipsRequest = z.infer<typeof WarmClipsRequest>;

export const WarmClipsResponse = z.object({
  /** Phrases not in the cache yet, now queued for synthesis. */
  queued: z.number().int().min(0),
});
export type WarmClipsResponse = z.infer<typeof WarmClipsResponse>;

export const clipPaths = { warm: '/clips' } as const;
