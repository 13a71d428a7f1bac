// Staff sessions in the database (staff_sessions). The browser holds the raw
// token in its cookie; the row's id is the token's SHA-256, so neither a
// database dump nor a log of ids can be replayed as a cookie.
//
// A session lives until the first of: its absolute expiry (ttlMs after
// sign-in), idleMs without a request (last_seen_at), sign-out, its user being
// disabled or changing password. Live event streams do not count as requests:
// an unattended open page does not keep a session alive.
import type { PrismaClient, StaffRole } from '../db/index.js';
import { newToken, tokenDigest } from './tokens.js';

export interface StaffIdentity {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly role: StaffRole;
}

export interface BusinessIdentity {
  readonly id: string;
  readonly name: string;
  readonly timezone: string;
}

/** The signed-in user behind a request. */
export interface StaffSessionContext {
  /** Row id (token digest); never the token. */
  readonly sessionId: string;
  readonly csrfToken: string;
  readonly expiresAt: Date;
  readonly user: StaffIdentity;
  readonly business: BusinessIdentity;
}

export interface NewSession {
  /** Row id (token digest). */
  readonly id: string;
  /** Goes into the cookie, nowhere else. */
  readonly token: string;
  readonly csrfToken: string;
  readonly expiresAt: Date;
}

export interface SessionStoreOptions {
  ttlMs: number;
  idleMs: number;
  now: () => Date;
}

/** One of a user's own sessions, as the account page lists them. */
export interface SessionSummary {
  readonly id: string;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  readonly expiresAt: Date;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/** last_seen_at is written at most this often per session (a quarter of the idle timeout at most). */
const LAST_SEEN_RESOLUTION_MS = 60_000;

export class StaffSessionStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: SessionStoreOptions,
  ) {}

  async create(userId: string, client: { ip: string | null; userAgent: string | null }): Promise<NewSession> {
    const now = this.options.now();
    const token = newToken();
    const csrfToken = newToken();
    const expiresAt = new Date(now.getTime() + this.options.ttlMs);
    const id = tokenDigest(token);
    await this.prisma.staffSession.create({
      data: {
        id,
        userId,
        csrfToken,
        createdAt: now,
        lastSeenAt: now,
        expiresAt,
        ip: client.ip,
        userAgent: client.userAgent?.slice(0, 512) ?? null,
      },
    });
    return { id, token, csrfToken, expiresAt };
  }

  /** The live session of `token`: not expired, its user not disabled. Null otherwise. */
  async find(token: string): Promise<StaffSessionContext | null> {
    const now = this.options.now();
    const row = await this.prisma.staffSession.findUnique({
      where: { id: tokenDigest(token) },
      include: { user: { include: { business: true } } },
    });
    if (!row || !this.live(row, now) || row.user.disabledAt !== null) return null;
    if (now.getTime() - row.lastSeenAt.getTime() >= Math.min(LAST_SEEN_RESOLUTION_MS, this.options.idleMs / 4)) {
      await this.prisma.staffSession.updateMany({ where: { id: row.id }, data: { lastSeenAt: now } });
    }
    const { user } = row;
    return {
      sessionId: row.id,
      csrfToken: row.csrfToken,
      expiresAt: row.expiresAt,
      user: { id: user.id, email: user.email, displayName: user.displayName, role: user.role },
      business: { id: user.business.id, name: user.business.name, timezone: user.business.timezone },
    };
  }

  /** Whether the session still exists and is live (for long-lived streams). */
  async isLive(sessionId: string): Promise<boolean> {
    const row = await this.prisma.staffSession.findUnique({ where: { id: sessionId }, include: { user: true } });
    return row !== null && this.live(row, this.options.now()) && row.user.disabledAt === null;
  }

  /** The user's live sessions, the most recently used first. */
  async listForUser(userId: string): Promise<SessionSummary[]> {
    const now = this.options.now();
    const rows = await this.prisma.staffSession.findMany({
      where: { userId, expiresAt: { gt: now }, lastSeenAt: { gt: new Date(now.getTime() - this.options.idleMs) } },
      orderBy: [{ lastSeenAt: 'desc' }, { createdAt: 'desc' }],
    });
    return rows.map((row) => ({
      id: row.id,
      createdAt: row.createdAt,
      lastSeenAt: row.lastSeenAt,
      expiresAt: row.expiresAt,
      ip: row.ip,
      userAgent: row.userAgent,
    }));
  }

  /** Ends one of the user's sessions; false when the user has no such session. */
  async deleteForUser(userId: string, sessionId: string): Promise<boolean> {
    const { count } = await this.prisma.staffSession.deleteMany({ where: { id: sessionId, userId } });
    return count > 0;
  }

  /** Ends every session of the user but `keepSessionId`; returns how many ended. */
  async deleteOthers(userId: string, keepSessionId: string): Promise<number> {
    const { count } = await this.prisma.staffSession.deleteMany({ where: { userId, id: { not: keepSessionId } } });
    return count;
  }

  async delete(sessionId: string): Promise<void> {
    await this.prisma.staffSession.deleteMany({ where: { id: sessionId } });
  }

  /** Removes sessions past their expiry or idle timeout; returns how many. */
  async deleteExpired(): Promise<number> {
    const now = this.options.now();
    const { count } = await this.prisma.staffSession.deleteMany({
      where: { OR: [{ expiresAt: { lte: now } }, { lastSeenAt: { lte: new Date(now.getTime() - this.options.idleMs) } }] },
    });
    return count;
  }

  private live(row: { expiresAt: Date; lastSeenAt: Date }, now: Date): boolean {
    return row.expiresAt > now && now.getTime() - row.lastSeenAt.getTime() < this.options.idleMs;
  }
}
