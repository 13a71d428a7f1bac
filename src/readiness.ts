// Readiness = every dependency a call needs is usable right now. Each check
// answers null when healthy, or the reason it is not.

export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<string | null> | string | null;
  /** What the check looked at, shown beside the verdict (e.g. every Asterisk node and its owner). */
  detail?(): unknown;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; reason?: string; detail?: unknown }>;
  reasons: string[];
}

export async function evaluateReadiness(checks: readonly ReadinessCheck[]): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        return { name: c.name, reason: await c.check(), detail: c.detail?.() };
      } catch (error) {
        return { name: c.name, reason: error instanceof Error ? error.message : 'check failed', detail: undefined };
      }
    }),
  );
  const report: ReadinessReport = { ready: true, checks: {}, reasons: [] };
  for (const { name, reason, detail } of results) {
    const shown = detail === undefined ? {} : { detail };
    if (reason === null) {
      report.checks[name] = { ok: true, ...shown };
    } else {
      report.ready = false;
      report.checks[name] = { ok: false, reason, ...shown };
      report.reasons.push(`${name}: ${reason}`);
    }
  }
  return report;
}
