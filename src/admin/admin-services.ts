// What the admin API needs once the database and the calls exist.
import { AuditLog } from '../staff/audit-log.js';
import type { AdminServices } from './admin-routes.js';
import { AdminService } from './admin-service.js';
import { ExtensionService } from './extension-service.js';
import { buildOverview, type OverviewDeps } from './overview.js';
import { DoNotCallList } from '../outbound/do-not-call.js';
import type { OutboundService } from '../outbound/outbound-service.js';

export function createAdminServices(deps: OverviewDeps & { outbound: OutboundService }): AdminServices {
  const admin = new AdminService(deps.prisma);
  return {
    admin,
    audit: new AuditLog(deps.prisma),
    overview: () => buildOverview(deps),
    outbound: deps.outbound,
    doNotCall: new DoNotCallList(deps.prisma),
    extensions: new ExtensionService(deps.prisma),
  };
}
