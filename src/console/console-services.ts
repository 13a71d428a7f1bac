// What the console's pages need once the database is ready, and how the
// backend configures them.
import type { PrismaClient } from '../db/index.js';
import type { AdminServices } from '../admin/admin-routes.js';
import type { Overview } from '../admin/overview.js';
import type { StaffServices } from '../staff/staff-services.js';
import type { IntegrationServices } from '../integrations/integration-services.js';
import { CallListExtras } from './call-list-extras.js';

export interface ConsoleServices {
  readonly staff: StaffServices;
  /** What the call list shows beyond the staff API's summaries. */
  readonly extras: CallListExtras;
  /** A business's webhooks, HTTP tools and MCP servers (managers). */
  readonly integrations: IntegrationServices;
  /** The operator's view of the platform. */
  overview(): Promise<Overview>;
  /** Every business (the operator's dashboard and audit log). */
  businesses(): Promise<{ id: string; name: string; timezone: string }[]>;
}

export function createConsoleServices(deps: { prisma: PrismaClient; staff: StaffServices; admin: AdminServices; integrations: IntegrationServices }): ConsoleServices {
  return {
    staff: deps.staff,
    integrations: deps.integrations,
    extras: new CallListExtras(deps.prisma),
    overview: () => deps.admin.overview(),
    businesses: () => deps.prisma.business.findMany({ select: { id: true, name: true, timezone: true }, orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
  };
}

export interface ConsoleRouteDeps {
  /** Null while the backend is still starting (database not ready): 503 pages. */
  services: () => ConsoleServices | null;
  /** Secure cookies (HTTPS). */
  cookieSecure: boolean;
  /** The operator view's credential; undefined disables the operator view. */
  operatorToken: string | undefined;
  now?: () => Date;
}

/** The dependencies as the page routes use them. */
export interface ConsolePageDeps extends ConsoleRouteDeps {
  now: () => Date;
}
