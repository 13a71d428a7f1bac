// The media gateway's own readiness (GET {MEDIA_GATEWAY_URL}/ready): whether
// the speech and language providers its agent needs accept their keys.
import { z } from 'zod';

export interface GatewayReadiness {
  /** The gateway answered at all. */
  reachable: boolean;
  ready: boolean;
  /** HTTP status of the answer; null when unreachable. */
  status: number | null;
  reasons: string[];
  checks: Record<string, { ok: boolean; reason?: string }>;
}

const ReadyAnswer = z.object({
  reasons: z.array(z.string()).default([]),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), reason: z.string().optional() })).default({}),
});

export async function fetchGatewayReadiness(baseUrl: string, timeoutMs: number): Promise<GatewayReadiness> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/ready`, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'unreachable';
    return { reachable: false, ready: false, status: null, reasons: [`media gateway: ${reason}`], checks: {} };
  }
  const parsed = ReadyAnswer.safeParse(await response.json().catch(() => null));
  if (!parsed.success) {
    return {
      reachable: true,
      ready: false,
      status: response.status,
      reasons: [`media gateway: unexpected /ready answer (HTTP ${response.status})`],
      checks: {},
    };
  }
  return { reachable: true, ready: response.status === 200, status: response.status, ...parsed.data };
}
