// The staff sign-in limits (LOGIN_LIMITS: failures per email and per client
// address in a sliding window) counted in PostgreSQL, so that every backend
// replica enforces one quota: a guesser spread over replicas by the load
// balancer gets no more tries than against one. Same rules and answers as the
// in-memory LoginRateLimiter; old failures are deleted as new ones come in.
import type { PrismaClient } from '../db/index.js';
import { LOGIN_LIMITS, type LoginLimiter, type WindowRule } from '../staff/login-rate-limiter.js';

export interface SharedLoginLimiterOptions {
  prisma: PrismaClient;
  nowMs?: () => number;
  limits?: { perEmail: WindowRule; perIp: WindowRule };
}

export class SharedLoginLimiter implements LoginLimiter {
  private readonly prisma: PrismaClient;
  private readonly nowMs: () => number;
  private readonly limits: { perEmail: WindowRule; perIp: WindowRule };

  constructor(options: SharedLoginLimiterOptions) {
    this.prisma = options.prisma;
    this.nowMs = options.nowMs ?? Date.now;
    this.limits = options.limits ?? LOGIN_LIMITS;
  }

  async retryAfterMs(email: string, ip: string): Promise<number> {
    const [byEmail, byIp] = await Promise.all([
      this.retryAfterFor(`email:${email}`, this.limits.perEmail),
      this.retryAfterFor(`ip:${ip}`, this.limits.perIp),
    ]);
    return Math.max(byEmail, byIp);
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    const now = this.nowMs();
    const longestWindowMs = Math.max(this.limits.perEmail.windowMs, this.limits.perIp.windowMs);
    await this.prisma.$transaction([
      this.prisma.loginFailure.createMany({
        data: [
          { key: `email:${email}`, failedAt: new Date(now) },
          { key: `ip:${ip}`, failedAt: new Date(now) },
        ],
      }),
      this.prisma.loginFailure.deleteMany({ where: { failedAt: { lt: new Date(now - longestWindowMs) } } }),
    ]);
  }

  /** A successful sign-in clears the account's failures (not the address's). */
  async recordSuccess(email: string): Promise<void> {
    await this.prisma.loginFailure.deleteMany({ where: { key: `email:${email}` } });
  }

  private async retryAfterFor(key: string, rule: WindowRule): Promise<number> {
    const now = this.nowMs();
    const recent = await this.prisma.loginFailure.findMany({
      where: { key, failedAt: { gt: new Date(now - rule.windowMs) } },
      orderBy: { failedAt: 'desc' },
      take: rule.maxFailures,
      select: { failedAt: true },
    });
    if (recent.length < rule.maxFailures) return 0;
    const oldestCounted = recent[rule.maxFailures - 1]!.failedAt.getTime();
    return Math.max(1, oldestCounted + rule.windowMs - now);
  }
}
