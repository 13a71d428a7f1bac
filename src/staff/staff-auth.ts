// Signing in: email + password -> a new session. An unknown email, a wrong
// password and a disabled account give the same answer after the same work
// (a dummy scrypt for an unknown email), so the answer never tells whether an
// email has an account. Every attempt goes through the sign-in throttle
// (login-throttle.ts), whose counts every backend replica shares; a successful
// one also hands the browser a trusted-device token (device-cookie.ts).
// Sign-ins and failures go to the audit log.
import { setTimeout as sleep } from 'node:timers/promises';
import type { PrismaClient } from '../db/index.js';
import type { AuditLog } from './audit-log.js';
import { issueDeviceToken, verifyDeviceToken } from './device-cookie.js';
import type { LoginThrottle, SignInAttempt } from './login-throttle.js';
import { createDummyHash, hashPassword, verifyPassword } from './password-hash.js';
import { passwordProblem } from './password-policy.js';
import type { NewSession, StaffSessionContext, StaffSessionStore } from './session-store.js';

export interface LoginClient {
  ip: string;
  userAgent: string | null;
  /** The `dev` cookie the browser sent, if any. */
  deviceToken?: string | undefined;
  /** Aborted when the client goes away while its attempt waits for its slot. */
  signal?: AbortSignal;
}

export type LoginOutcome =
  | { kind: 'ok'; session: NewSession; context: StaffSessionContext; deviceToken: string }
  | { kind: 'invalid' }
  | { kind: 'rate_limited'; retryAfterMs: number };

export type PasswordChangeOutcome = { kind: 'ok'; endedSessions: number } | { kind: 'wrong_password' } | { kind: 'rejected'; problem: string };

export interface StaffAuthDeps {
  prisma: PrismaClient;
  sessions: StaffSessionStore;
  throttle: LoginThrottle;
  audit: AuditLog;
  now: () => Date;
}

export class StaffAuth {
  private readonly dummyHash = createDummyHash();
  private readonly deps: StaffAuthDeps;

  constructor(deps: StaffAuthDeps) {
    this.deps = deps;
    // Made now, so that not even the first unknown email pays for creating it.
    this.dummyHash().catch(() => {});
  }

  async login(emailInput: string, password: string, client: LoginClient): Promise<LoginOutcome> {
    const { prisma, sessions, throttle, audit, now } = this.deps;
    const email = emailInput.trim().toLowerCase();
    const user = await prisma.staffUser.findUnique({ where: { email }, include: { business: true } });
    const attempt: SignInAttempt = {
      email,
      ip: client.ip,
      deviceId: user ? verifyDeviceToken(client.deviceToken, user) : null,
    };
    const decision = await throttle.admit(attempt);
    if (decision.kind === 'refuse') {
      if (user) {
        await audit.record({
          businessId: user.businessId,
          actor: { kind: 'staff', id: user.id, label: user.email },
          action: 'sign_in_throttled',
          ip: client.ip,
        });
      }
      return { kind: 'rate_limited', retryAfterMs: decision.retryAfterMs };
    }
    if (decision.waitMs > 0) await sleep(decision.waitMs, undefined, { signal: client.signal });

    const matches = await verifyPassword(password, user?.passwordHash ?? (await this.dummyHash()));
    if (!user || !matches || user.disabledAt !== null) {
      await throttle.recordFailure(attempt);
      await audit.record({
        businessId: user?.businessId ?? null,
        // An unknown email is not stored: it may be a password typed into the wrong field.
        actor: user ? { kind: 'staff', id: user.id, label: user.email } : { kind: 'staff', label: '(unknown account)' },
        action: 'sign_in_failed',
        detail: user?.disabledAt ? 'the account is disabled' : user ? 'wrong password' : 'no account with that email',
        ip: client.ip,
      });
      return { kind: 'invalid' };
    }
    await throttle.recordSuccess(attempt);

    const at = now();
    await prisma.staffUser.update({ where: { id: user.id }, data: { lastLoginAt: at } });
    await sessions.deleteExpired();
    const session = await sessions.create(user.id, { ip: client.ip, userAgent: client.userAgent });
    await audit.record({
      businessId: user.businessId,
      actor: { kind: 'staff', id: user.id, label: user.email },
      action: 'sign_in',
      detail: decision.trustedDevice ? 'from a browser used before' : null,
      ip: client.ip,
    });
    return {
      kind: 'ok',
      session,
      deviceToken: issueDeviceToken(user),
      context: {
        sessionId: session.id,
        csrfToken: session.csrfToken,
        expiresAt: session.expiresAt,
        user: { id: user.id, email: user.email, displayName: user.displayName, role: user.role },
        business: { id: user.business.id, name: user.business.name, timezone: user.business.timezone },
      },
    };
  }

  /**
   * A user changes their own password: the current one must match, the new one
   * must pass the policy. Every other session of the user ends; this one stays.
   */
  async changePassword(context: StaffSessionContext, current: string, next: string, ip: string | null): Promise<PasswordChangeOutcome> {
    const { prisma, sessions, audit } = this.deps;
    const user = await prisma.staffUser.findUnique({ where: { id: context.user.id } });
    if (!user || !(await verifyPassword(current, user.passwordHash))) return { kind: 'wrong_password' };
    const problem = passwordProblem(next, { email: user.email });
    if (problem !== null) return { kind: 'rejected', problem: `The new password ${problem}.` };
    if (await verifyPassword(next, user.passwordHash)) return { kind: 'rejected', problem: 'The new password must differ from the current one.' };
    await prisma.staffUser.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(next) } });
    const endedSessions = await sessions.deleteOthers(user.id, context.sessionId);
    await audit.record({
      businessId: user.businessId,
      actor: { kind: 'staff', id: user.id, label: user.email },
      action: 'password_changed',
      detail: endedSessions > 0 ? `${endedSessions} other session(s) ended` : null,
      ip,
    });
    return { kind: 'ok', endedSessions };
  }
}
