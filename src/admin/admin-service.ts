// The platform operator's operations on businesses, phone numbers and staff
// accounts, against the database. The admin API and the admin CLI both call
// these; inputs are already validated (admin-schemas.ts). Failures a caller
// can act on are ApiErrors (not_found, conflict) with a message naming what.
import type { EngineSelection, VadMode } from '../../media/contract/engines.js';
import { readEngineSelection, readVadMode } from '../calls/business-engine.js';
import type { Business, Prisma, PrismaClient, StaffUser } from '../db/index.js';
import { ApiError } from '../http/errors.js';
import { hashPassword } from '../staff/password-hash.js';
import { patchProblem, type BusinessInput, type BusinessPatch, type StaffInput } from './admin-schemas.js';

export interface BusinessView {
  id: string;
  name: string;
  timezone: string;
  greeting: string;
  systemPrompt: string;
  voice: string;
  language: string;
  transferTarget: string | null;
  transferMode: 'cold' | 'warm';
  aiShare: number;
  voicemailMessage: string | null;
  outboundCallerId: string | null;
  outboundWindowStart: string;
  outboundWindowEnd: string;
  outboundDays: string[];
  outboundMaxConcurrent: number;
  outboundMaxPerMinute: number;
  /** The conversation engine with its settings (defaults filled in), and the barge-in VAD. */
  engine: EngineSelection;
  vadMode: VadMode;
  /** Days recordings / transcripts are kept; null: forever. */
  recordingRetentionDays: number | null;
  transcriptRetentionDays: number | null;
  phoneNumbers: string[];
  staffCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface StaffView {
  id: string;
  businessId: string;
  email: string;
  displayName: string;
  role: 'staff' | 'manager';
  createdAt: string;
  lastLoginAt: string | null;
  disabledAt: string | null;
}

/** A staff account named by id (admin API) or by email (CLI). */
export type StaffRef = { id: string } | { email: string };

type BusinessRow = Business & { phoneNumbers: { e164: string }[]; _count: { staffUsers: number } };

const BUSINESS_INCLUDE = {
  phoneNumbers: { select: { e164: true }, orderBy: { e164: 'asc' } },
  _count: { select: { staffUsers: true } },
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function prismaCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function businessView(row: BusinessRow): BusinessView {
  return {
    id: row.id,
    name: row.name,
    timezone: row.timezone,
    greeting: row.greeting,
    systemPrompt: row.systemPrompt,
    voice: row.voice,
    language: row.language,
    transferTarget: row.transferTarget,
    transferMode: row.transferMode,
    aiShare: row.aiShare,
    voicemailMessage: row.voicemailMessage,
    outboundCallerId: row.outboundCallerId,
    outboundWindowStart: row.outboundWindowStart,
    outboundWindowEnd: row.outboundWindowEnd,
    outboundDays: row.outboundDays.split(',').filter((day) => day !== ''),
    outboundMaxConcurrent: row.outboundMaxConcurrent,
    outboundMaxPerMinute: row.outboundMaxPerMinute,
    engine: readEngineSelection(row.engine, row.engineSettings).selection,
    vadMode: readVadMode(row.vadMode).mode,
    recordingRetentionDays: row.recordingRetentionDays,
    transcriptRetentionDays: row.transcriptRetentionDays,
    phoneNumbers: row.phoneNumbers.map((number) => number.e164),
    staffCount: row._count.staffUsers,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The engine selection as its columns: the name, and the settings as JSON (the name left out). */
function engineColumns<T extends { engine?: EngineSelection | undefined }>(input: T): Omit<T, 'engine'> & { engine?: string; engineSettings?: Prisma.InputJsonObject } {
  const { engine, ...rest } = input;
  if (engine === undefined) return rest;
  const { name, ...settings } = engine;
  return { ...rest, engine: name, engineSettings: settings };
}

export function staffView(row: StaffUser): StaffView {
  return {
    id: row.id,
    businessId: row.businessId,
    email: row.email,
    displayName: row.displayName,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
    lastLoginAt: row.lastLoginAt?.toISOString() ?? null,
    disabledAt: row.disabledAt?.toISOString() ?? null,
  };
}

export class AdminService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async listBusinesses(): Promise<BusinessView[]> {
    const rows = await this.prisma.business.findMany({ include: BUSINESS_INCLUDE, orderBy: [{ name: 'asc' }, { id: 'asc' }] });
    return rows.map(businessView);
  }

  async getBusiness(id: string): Promise<BusinessView> {
    const row = UUID.test(id) ? await this.prisma.business.findUnique({ where: { id }, include: BUSINESS_INCLUDE }) : null;
    if (!row) throw new ApiError('not_found', 'no such business');
    return businessView(row);
  }

  async createBusiness(input: BusinessInput): Promise<BusinessView> {
    const row = await this.prisma.business.create({ data: engineColumns(input), include: BUSINESS_INCLUDE });
    return businessView(row);
  }

  async updateBusiness(id: string, patch: BusinessPatch): Promise<BusinessView> {
    const current = await this.getBusiness(id);
    const problem = patchProblem(current, patch);
    if (problem) throw new ApiError('bad_request', `invalid request: ${problem}`);
    const row = await this.prisma.business.update({ where: { id }, data: engineColumns(patch), include: BUSINESS_INCLUDE });
    return businessView(row);
  }

  /** Deletes the business with its numbers and staff; its call logs stay, detached (business_id NULL). */
  async deleteBusiness(id: string): Promise<void> {
    await this.getBusiness(id);
    await this.prisma.business.deleteMany({ where: { id } });
  }

  async addNumber(businessId: string, e164: string): Promise<BusinessView> {
    await this.getBusiness(businessId);
    try {
      await this.prisma.phoneNumber.create({ data: { businessId, e164 } });
    } catch (error) {
      if (prismaCode(error) === 'P2002') {
        throw new ApiError('conflict', `${e164} is already assigned to a business; remove it there first`);
      }
      if (prismaCode(error) === 'P2003') throw new ApiError('not_found', 'no such business');
      throw error;
    }
    return this.getBusiness(businessId);
  }

  /** Removes `e164`; with `businessId`, only when that business owns it. Resolves with the business that owned it. */
  async removeNumber(e164: string, businessId?: string): Promise<string> {
    if (businessId !== undefined) await this.getBusiness(businessId);
    const notFound = () => new ApiError('not_found', businessId ? `${e164} is not a number of this business` : `${e164} is not assigned`);
    const row = await this.prisma.phoneNumber.findFirst({ where: { e164, ...(businessId ? { businessId } : {}) }, select: { businessId: true } });
    if (!row) throw notFound();
    const { count } = await this.prisma.phoneNumber.deleteMany({ where: { e164, businessId: row.businessId } });
    if (count === 0) throw notFound();
    return row.businessId;
  }

  async listStaff(businessId: string): Promise<StaffView[]> {
    await this.getBusiness(businessId);
    const rows = await this.prisma.staffUser.findMany({ where: { businessId }, orderBy: [{ email: 'asc' }] });
    return rows.map(staffView);
  }

  async createStaff(businessId: string, input: StaffInput): Promise<StaffView> {
    await this.getBusiness(businessId);
    const passwordHash = await hashPassword(input.password);
    try {
      const row = await this.prisma.staffUser.create({
        data: { businessId, email: input.email, displayName: input.displayName, role: input.role, passwordHash },
      });
      return staffView(row);
    } catch (error) {
      if (prismaCode(error) === 'P2002') throw new ApiError('conflict', 'a staff account with this email already exists');
      throw error;
    }
  }

  async getStaff(ref: StaffRef): Promise<StaffView> {
    return staffView(await this.findStaff(ref));
  }

  /** The account can no longer sign in; its sessions end now. */
  async disableStaff(ref: StaffRef): Promise<StaffView> {
    const user = await this.findStaff(ref);
    const [, row] = await this.prisma.$transaction([
      this.prisma.staffSession.deleteMany({ where: { userId: user.id } }),
      this.prisma.staffUser.update({ where: { id: user.id }, data: { disabledAt: user.disabledAt ?? this.now() } }),
    ]);
    return staffView(row);
  }

  async enableStaff(ref: StaffRef): Promise<StaffView> {
    const user = await this.findStaff(ref);
    const row = await this.prisma.staffUser.update({ where: { id: user.id }, data: { disabledAt: null } });
    return staffView(row);
  }

  /** Sets a new password; every session of the account ends. */
  async resetPassword(ref: StaffRef, password: string): Promise<StaffView> {
    const user = await this.findStaff(ref);
    const passwordHash = await hashPassword(password);
    const [, row] = await this.prisma.$transaction([
      this.prisma.staffSession.deleteMany({ where: { userId: user.id } }),
      this.prisma.staffUser.update({ where: { id: user.id }, data: { passwordHash } }),
    ]);
    return staffView(row);
  }

  private async findStaff(ref: StaffRef): Promise<StaffUser> {
    let row: StaffUser | null = null;
    if ('id' in ref) {
      if (UUID.test(ref.id)) row = await this.prisma.staffUser.findUnique({ where: { id: ref.id } });
    } else {
      row = await this.prisma.staffUser.findUnique({ where: { email: ref.email.trim().toLowerCase() } });
    }
    if (!row) throw new ApiError('not_found', 'no such staff account');
    return row;
  }
}
