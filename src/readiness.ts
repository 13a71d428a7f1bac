// Readiness = every dependency a call needs is usable right now. Each check
// answers null when healthy, or the reason it is not.

export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<string | null> | string | null;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; reason?: string }>;
  reasons: string[];
}

export async function evaluateReadiness(checks: readonly ReadinessCheck[]): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        return { name: c.name, reason: await c.check() };
      } catch (error) {
        return { name: c.name, reason: error instanceof Error ? error.message : 'check failed' };
      }
    }),
  );
  const report: ReadinessReport = { ready: true, checks: {}, reasons: [] };
  for (const { name, reason } of results) {
    if (reason === null) {
      report.checks[name] = { ok: true };
    } else {
      report.ready = false;
      report.checks[name] = { ok: false, reason };
      report.reasons.push(`${name}: ${reason}`);
    }
  }
  return report;
}
