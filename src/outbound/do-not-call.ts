// A business's do-not-call list: numbers its outbound calls must never reach
// (the outbound service refuses them before anything is dialed).
import type { DoNotCall, PrismaClient } from '../db/index.js';
import { ApiError } from '../http/errors.js';

export interface DoNotCallView {
  e164: string;
  reason: string | null;
  createdAt: string;
}

function view(row: DoNotCall): DoNotCallView {
  return { e164: row.e164, reason: row.reason, createdAt: row.createdAt.toISOString() };
}

export class DoNotCallList {
  private readonly prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.prisma = prisma;
  }

  async list(businessId: string): Promise<DoNotCallView[]> {
    const rows = await this.prisma.doNotCall.findMany({ where: { businessId }, orderBy: { e164: 'asc' } });
    return rows.map(view);
  }

  /** Adds the number (again: its reason is updated). */
  async add(businessId: string, e164: string, reason: string | null): Promise<DoNotCallView> {
    const business = await this.prisma.business.findUnique({ where: { id: businessId }, select: { id: true } });
    if (!business) throw new ApiError('not_found', 'no such business');
    const row = await this.prisma.doNotCall.upsert({
      where: { businessId_e164: { businessId, e164 } },
      create: { businessId, e164, reason },
      update: { reason },
    });
    return view(row);
  }

  async remove(businessId: string, e164: string): Promise<void> {
    const { count } = await this.prisma.doNotCall.deleteMany({ where: { businessId, e164 } });
    if (count === 0) throw new ApiError('not_found', `${e164} is not on the business's do-not-call list`);
  }
}
