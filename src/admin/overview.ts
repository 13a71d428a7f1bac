// The operator's view of the platform: calls in progress across businesses,
// the backend's readiness (ARI connection and registration, database) and the
// media gateway's (its providers).
import type { PrismaClient } from '../db/index.js';
import { evaluateReadiness, type ReadinessCheck, type ReadinessReport } from '../readiness.js';
import type { LiveCallFeed, LiveCallView } from '../staff/live-feed.js';
import { fetchGatewayReadiness, type GatewayReadiness } from './gateway-readiness.js';

export interface Overview {
  activeCalls: {
    /** Calls the call manager holds, including unrouted ones being turned away. */
    count: number;
    calls: (LiveCallView & { businessName: string | null })[];
  };
  backend: ReadinessReport;
  mediaGateway: GatewayReadiness;
}

export interface OverviewDeps {
  prisma: PrismaClient;
  live: LiveCallFeed;
  activeCalls: () => number;
  readiness: readonly ReadinessCheck[];
  gateway: { url: string; timeoutMs: number };
}

export async function buildOverview(deps: OverviewDeps): Promise<Overview> {
  const calls = deps.live.list(null);
  const [backend, mediaGateway, businesses] = await Promise.all([
    evaluateReadiness(deps.readiness),
    fetchGatewayReadiness(deps.gateway.url, deps.gateway.timeoutMs),
    calls.length === 0
      ? Promise.resolve([])
      : deps.prisma.business.findMany({
          where: { id: { in: [...new Set(calls.map((call) => call.businessId))] } },
          select: { id: true, name: true },
        }),
  ]);
  const names = new Map(businesses.map((business) => [business.id, business.name]));
  return {
    activeCalls: {
      count: deps.activeCalls(),
      calls: calls.map((call) => ({ ...call, businessName: names.get(call.businessId) ?? null })),
    },
    backend,
    mediaGateway,
  };
}
