// Whether the providers accept our keys right now: probed at start and then
// periodically, so GET /ready explains a provider outage (which one and why)
// without every readiness request hitting the providers.
import type { Logger } from 'pino';

export interface ProviderProbe {
  readonly name: string;
  probe(signal: AbortSignal): Promise<void>;
}

export interface ProbeResult {
  ok: boolean;
  reason: string | null;
  checkedAt: string | null;
}

const PROBE_INTERVAL_MS = 30_000;
const PROBE_TIMEOUT_MS = 5_000;

export class ProviderReadiness {
  readonly #probes: readonly ProviderProbe[];
  readonly #logger: Logger;
  readonly #results = new Map<string, ProbeResult>();
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;

  constructor(probes: readonly ProviderProbe[], logger: Logger) {
    this.#probes = probes;
    this.#logger = logger;
    for (const probe of probes) this.#results.set(probe.name, { ok: false, reason: 'not checked yet', checkedAt: null });
  }

  /** Probes now, then every 30 s until stop(). */
  start(): Promise<void> {
    this.#timer ??= setInterval(() => void this.check(), PROBE_INTERVAL_MS);
    this.#timer.unref();
    return this.check();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  results(): Record<string, ProbeResult> {
    return Object.fromEntries(this.#results);
  }

  check(): Promise<void> {
    this.#running ??= Promise.all(this.#probes.map((probe) => this.#check(probe))).then(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #check(probe: ProviderProbe): Promise<void> {
    const previous = this.#results.get(probe.name);
    let result: ProbeResult;
    try {
      await probe.probe(AbortSignal.timeout(PROBE_TIMEOUT_MS));
      result = { ok: true, reason: null, checkedAt: new Date().toISOString() };
    } catch (error) {
      result = { ok: false, reason: error instanceof Error ? error.message : 'probe failed', checkedAt: new Date().toISOString() };
    }
    if (previous?.ok !== result.ok || previous.reason !== result.reason) {
      if (result.ok) this.#logger.info({ provider: probe.name }, 'provider available');
      else this.#logger.error({ provider: probe.name, reason: result.reason }, 'provider unavailable');
    }
    this.#results.set(probe.name, result);
  }
}
