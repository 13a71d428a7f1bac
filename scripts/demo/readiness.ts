// The demo places its call only once both programs say they are ready: the
// backend connected to the simulated Asterisk and its database, the gateway's
// providers accepting their keys. A provider refusing its key fails the demo
// with the gateway's own explanation.
import type { DemoSystem } from './demo-system.js';
import { waitFor } from './wait.js';

const READY_TIMEOUT_MS = 20_000;

interface ProbeResult {
  ok: boolean;
  reason: string | null;
  checkedAt: string | null;
}

interface GatewayReady {
  status: string;
  checks: Record<string, ProbeResult>;
}

export class ProvidersUnavailableError extends Error {
  constructor(reasons: string[]) {
    super(`the media gateway cannot use its providers: ${reasons.join('; ')}`);
    this.name = 'ProvidersUnavailableError';
  }
}

async function getStatus(url: string): Promise<{ status: number; body: unknown }> {
  try {
    const response = await fetch(url);
    return { status: response.status, body: await response.json() };
  } catch {
    return { status: 0, body: null };
  }
}

export async function waitUntilReady(system: DemoSystem, signal: AbortSignal): Promise<void> {
  await waitFor(async () => ((await getStatus(`${system.backend.url}/ready`)).status === 200 ? true : null), {
    what: 'the backend to be ready (connected to the simulated Asterisk and to PostgreSQL)',
    timeoutMs: READY_TIMEOUT_MS,
    signal,
  });
  const gatewayUrl = `http://127.0.0.1:${system.gateway.http.port}/ready`;
  const checks = await waitFor(
    async () => {
      const { body } = await getStatus(gatewayUrl);
      const ready = body as GatewayReady | null;
      if (!ready?.checks) return null;
      const results = Object.entries(ready.checks);
      // Every provider probed at least once: ready or not, the answer is known.
      return results.every(([, result]) => result.checkedAt !== null) ? results : null;
    },
    { what: "the media gateway's provider checks", timeoutMs: READY_TIMEOUT_MS, signal },
  );
  const failing = checks.filter(([, result]) => !result.ok).map(([name, result]) => `${name}: ${result.reason ?? 'unavailable'}`);
  if (failing.length > 0) throw new ProvidersUnavailableError(failing);
}
