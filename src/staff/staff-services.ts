// What the staff API needs once the database is ready, built in one place.
import type { PrismaClient } from '../db/index.js';
import { AdminService, type StaffView } from '../admin/admin-service.js';
import { CallRepository } from './call-repository.js';
import type { LiveCallFeed } from './live-feed.js';
import { AuditLog } from './audit-log.js';
import { DashboardQueries } from './dashboard-queries.js';
import { MessageInbox } from './message-inbox.js';
import { Retention } from './retention.js';
import { TeamService } from './team-service.js';
import { LoginThrottle } from './login-throttle.js';
import { PostgresLoginFailureStore } from './postgres-login-failure-store.js';
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
  readonly audit: AuditLog;
  readonly dashboard: DashboardQueries;
  readonly inbox: MessageInbox;
  /** A manager's administration of their business's staff. */
  readonly teamAdmin: TeamService;
  readonly retention: Retention;
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
  sessionIdleMs: number;
  /** Absolute. */
  recordingsDir: string;
  now?: () => Date;
  /** Default: counted in the shared database, so that every replica applies the same limits. */
  throttle?: LoginThrottle;
  outbound?: OutboundService;
}

export function createStaffServices(options: StaffServicesOptions): StaffServices {
  const now = options.now ?? (() => new Date());
  const sessions = new StaffSessionStore(options.prisma, { ttlMs: options.sessionTtlMs, idleMs: options.sessionIdleMs, now });
  const throttle = options.throttle ?? new LoginThrottle(new PostgresLoginFailureStore(options.prisma), () => now().getTime());
  const admin = new AdminService(options.prisma, now);
  const audit = new AuditLog(options.prisma, now);
  const recordings = new RecordingFiles(options.recordingsDir);
  return {
    auth: new StaffAuth({ prisma: options.prisma, sessions, throttle, audit, now }),
    sessions,
    audit,
    dashboard: new DashboardQueries(options.prisma),
    inbox: new MessageInbox(options.prisma, audit, now),
    teamAdmin: new TeamService(admin, audit),
    retention: new Retention(options.prisma, recordings, audit, now),
    calls: new CallRepository(options.prisma),
    recordings,
    live: options.live,
    team: (businessId) => admin.listStaff(businessId),
    outbound: options.outbound ?? null,
    doNotCall: new DoNotCallList(options.prisma),
  };
}
