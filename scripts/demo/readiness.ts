// The demo places its call only once both programs say they are ready: the
// backend connected to the simulated Asterisk and its database, the gateway's
// providers accepting their keys. A provider refusing its key fails the demo
// with the gateway's own explanation.
import type { System } from '../../test/kit/system.js';
import { waitFor } from '../../test/kit/wait.js';

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

export async function waitUntilReady(system: System<'in-process'>, signal: AbortSignal): Promise<void> {
  await system.waitReady({
    what: 'the backend to be ready (connected to the simulated Asterisk and to PostgreSQL)',
    timeoutMs: READY_TIMEOUT_MS,
    intervalMs: 50,
    signal,
  });
  const checks = await waitFor(
    async () => {
      const response = await fetch(`${system.gatewayUrl}/ready`);
      const ready = (await response.json()) as GatewayReady | null;
      if (!ready?.checks) return null;
      const results = Object.entries(ready.checks);
      // Every provider probed at least once: ready or not, the answer is known.
      return results.every(([, result]) => result.checkedAt !== null) ? results : null;
    },
    { what: "the media gateway's provider checks", timeoutMs: READY_TIMEOUT_MS, intervalMs: 50, signal },
  );
  const failing = checks.filter(([, result]) => !result.ok).map(([name, result]) => `${name}: ${result.reason ?? 'unavailable'}`);
  if (failing.length > 0) throw new ProvidersUnavailableError(failing);
}
