// A manager's staff administration, within their own business only: add an
// account (staff or manager), disable or enable one, set a new password for
// one. A manager cannot disable themselves (the business would risk having no
// manager left to undo it). Every change goes to the audit log. Accounts of
// another business answer as missing ones.
import type { AdminService, StaffView } from '../admin/admin-service.js';
import { StaffFields, describeIssues } from '../admin/admin-schemas.js';
import { ApiError } from '../http/errors.js';
import type { AuditActor, AuditLog } from './audit-log.js';
import { passwordProblem } from './password-policy.js';

export interface TeamInput {
  email: string;
  displayName: string;
  role: string;
  password: string;
}

export interface ManagerContext {
  businessId: string;
  userId: string;
  actor: AuditActor;
  ip: string | null;
}

export class TeamService {
  constructor(
    private readonly admin: AdminService,
    private readonly audit: AuditLog,
  ) {}

  list(businessId: string): Promise<StaffView[]> {
    return this.admin.listStaff(businessId);
  }

  /** Creates the account; ApiError bad_request / conflict with a message for the form. */
  async create(manager: ManagerContext, input: TeamInput): Promise<StaffView> {
    const parsed = StaffFields.safeParse({ ...input, role: input.role || 'staff' });
    if (!parsed.success) throw new ApiError('bad_request', describeIssues(parsed.error));
    const problem = passwordProblem(parsed.data.password, { email: parsed.data.email });
    if (problem !== null) throw new ApiError('bad_request', `password: ${problem}`);
    const user = await this.admin.createStaff(manager.businessId, parsed.data);
    await this.record(manager, 'staff_created', user, `${user.email} (${user.role})`);
    return user;
  }

  async disable(manager: ManagerContext, userId: string): Promise<StaffView> {
    const user = await this.member(manager, userId);
    if (user.id === manager.userId) throw new ApiError('bad_request', 'you cannot disable your own account');
    const updated = await this.admin.disableStaff({ id: user.id });
    await this.record(manager, 'staff_disabled', updated, updated.email);
    return updated;
  }

  async enable(manager: ManagerContext, userId: string): Promise<StaffView> {
    const user = await this.member(manager, userId);
    const updated = await this.admin.enableStaff({ id: user.id });
    await this.record(manager, 'staff_enabled', updated, updated.email);
    return updated;
  }

  /** Sets a new password (which the manager hands over); the account's sessions end. */
  async resetPassword(manager: ManagerContext, userId: string, password: string): Promise<StaffView> {
    const user = await this.member(manager, userId);
    const problem = passwordProblem(password, { email: user.email });
    if (problem !== null) throw new ApiError('bad_request', `password: ${problem}`);
    const updated = await this.admin.resetPassword({ id: user.id }, password);
    await this.record(manager, 'staff_password_reset', updated, `${updated.email}; their sessions ended`);
    return updated;
  }

  private async member(manager: ManagerContext, userId: string): Promise<StaffView> {
    const user = await this.admin.getStaff({ id: userId }).catch((error: unknown) => {
      if (error instanceof ApiError && error.code === 'not_found') return null;
      throw error;
    });
    if (!user || user.businessId !== manager.businessId) throw new ApiError('not_found', 'no such staff account');
    return user;
  }

  private record(manager: ManagerContext, action: 'staff_created' | 'staff_disabled' | 'staff_enabled' | 'staff_password_reset', user: StaffView, detail: string): Promise<void> {
    return this.audit.record({ businessId: manager.businessId, actor: manager.actor, action, targetId: `staff:${user.id}`, detail, ip: manager.ip });
  }
}
