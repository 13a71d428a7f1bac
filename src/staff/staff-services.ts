// What the staff API needs once the database is ready, built in one place.
import type { PrismaClient } from '../db/index.js';
import { AdminService, type StaffView } from '../admin/admin-service.js';
import { CallRepository } from './call-repository.js';
import type { LiveCallFeed } from './live-feed.js';
import { LoginRateLimiter } from './login-rate-limiter.js';
import { RecordingFiles } from './recording-files.js';
import { StaffAuth } from './staff-auth.js';
import { StaffSessionStore } from './session-store.js';
import { DoNotCallList } from '../outbound/do-not-call.js';
import type { OutboundService } from '../outbound/outbound-service.js';

export interface StaffServices {
  readonly auth: StaffAuth;
  readonly sessions: StaffSessionStore;
  readonly calls: CallRepository;
  readonly recordings: RecordingFiles;
  readonly live: LiveCallFeed;
  /** Staff accounts of a business (managers only). */
  team(businessId: string): Promise<StaffView[]>;
  /** Outbound calls (managers); null where no calls can be placed (no call manager). */
  readonly outbound: OutboundService | null;
  readonly doNotCall: DoNotCallList;
}

export interface StaffServicesOptions {
  prisma: PrismaClient;
  live: LiveCallFeed;
  sessionTtlMs: number;
  /** Absolute. */
  recordingsDir: string;
  now?: () => Date;
  limiter?: LoginRateLimiter;
  outbound?: OutboundService;
}

export function createStaffServices(options: StaffServicesOptions): StaffServices {
  const now = options.now ?? (() => new Date());
  const sessions = new StaffSessionStore(options.prisma, { ttlMs: options.sessionTtlMs, now });
  const limiter = options.limiter ?? new LoginRateLimiter(() => now().getTime());
  const admin = new AdminService(options.prisma, now);
  return {
    auth: new StaffAuth({ prisma: options.prisma, sessions, limiter, now }),
    sessions,
    calls: new CallRepository(options.prisma),
    recordings: new RecordingFiles(options.recordingsDir),
    live: options.live,
    team: (businessId) => admin.listStaff(businessId),
    outbound: options.outbound ?? null,
    doNotCall: new DoNotCallList(options.prisma),
  };
}
