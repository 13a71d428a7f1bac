// The clip warm-up route of the control API (see contract/clips.ts).
import type { FastifyInstance } from 'fastify';
import { WarmClipsRequest, clipPaths, type WarmClipsResponse } from '../contract/clips.js';
import type { AgentSettings } from '../contract/sessions.js';
import { parseOrBadRequest } from './validation.js';

/** Queues the phrases of `agents` for synthesis; returns how many were queued. */
export type WarmClips = (agents: readonly AgentSettings[]) => number;

/** Without `warm` (an agent that says nothing of its own) the route accepts and queues nothing. */
export function registerClipRoutes(app: FastifyInstance, warm: WarmClips | undefined): void {
  app.put(clipPaths.warm, async (request, reply): Promise<WarmClipsResponse> => {
    const body = parseOrBadRequest(WarmClipsRequest, request.body, 'clip warm-up request');
    const queued = warm?.(body.businesses.map((business) => business.agent)) ?? 0;
    reply.status(202);
    return { queued };
  });
}
