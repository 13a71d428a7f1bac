// What the admin API needs once the database and the calls exist.
import type { AdminServices } from './admin-routes.js';
import { AdminService } from './admin-service.js';
import { buildOverview, type OverviewDeps } from './overview.js';

export function createAdminServices(deps: OverviewDeps): AdminServices {
  const admin = new AdminService(deps.prisma);
  return { admin, overview: () => buildOverview(deps) };
}
