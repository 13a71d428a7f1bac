// Signing in: email + password -> a new session. An unknown email, a wrong
// password and a disabled account give the same answer after the same work
// (a dummy scrypt for an unknown email), so the answer never tells whether an
// email has an account. Failures count toward the login rate limit.
import type { PrismaClient } from '../db/index.js';
import { createDummyHash, verifyPassword } from './password-hash.js';
import type { LoginLimiter } from './login-rate-limiter.js';
import type { NewSession, StaffSessionContext, StaffSessionStore } from './session-store.js';

export interface LoginClient {
  ip: string;
  userAgent: string | null;
}

export type LoginOutcome =
  | { kind: 'ok'; session: NewSession; context: StaffSessionContext }
  | { kind: 'invalid' }
  | { kind: 'rate_limited'; retryAfterMs: number };

export interface StaffAuthDeps {
  prisma: PrismaClient;
  sessions: StaffSessionStore;
  limiter: LoginLimiter;
  now: () => Date;
}

export class StaffAuth {
  private readonly dummyHash = createDummyHash();

  constructor(private readonly deps: StaffAuthDeps) {
    // Made now, so that not even the first unknown email pays for creating it.
    this.dummyHash().catch(() => {});
  }

  async login(emailInput: string, password: string, client: LoginClient): Promise<LoginOutcome> {
    const { prisma, sessions, limiter, now } = this.deps;
    const email = emailInput.trim().toLowerCase();
    const retryAfterMs = await limiter.retryAfterMs(email, client.ip);
    if (retryAfterMs > 0) return { kind: 'rate_limited', retryAfterMs };

    const user = await prisma.staffUser.findUnique({ where: { email }, include: { business: true } });
    const matches = await verifyPassword(password, user?.passwordHash ?? (await this.dummyHash()));
    if (!user || !matches || user.disabledAt !== null) {
      await limiter.recordFailure(email, client.ip);
      return { kind: 'invalid' };
    }
    await limiter.recordSuccess(email);

    const at = now();
    await prisma.staffUser.update({ where: { id: user.id }, data: { lastLoginAt: at } });
    await sessions.deleteExpired();
    const session = await sessions.create(user.id, { ip: client.ip, userAgent: client.userAgent });
    return {
      kind: 'ok',
      session,
      context: {
        sessionId: session.id,
        csrfToken: session.csrfToken,
        expiresAt: session.expiresAt,
        user: { id: user.id, email: user.email, displayName: user.displayName, role: user.role },
        business: { id: user.business.id, name: user.business.name, timezone: user.business.timezone },
      },
    };
  }
}
