// What the admin API needs once the database and the calls exist.
import { AuditLog } from '../staff/audit-log.js';
import type { AdminServices } from './admin-routes.js';
import { AdminService } from './admin-service.js';
import { buildOverview, type OverviewDeps } from './overview.js';

export function createAdminServices(deps: OverviewDeps): AdminServices {
  const admin = new AdminService(deps.prisma);
  return { admin, audit: new AuditLog(deps.prisma), overview: () => buildOverview(deps) };
}
