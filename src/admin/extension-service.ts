// Staff SIP extensions: a row in staff_extensions (ours: business, staff member,
// state) and, while the extension is enabled, its rows in Asterisk's PJSIP
// realtime tables (pjsip-realtime.ts), written in the same transaction so Asterisk
// never sees half an extension. Asterisk reads them on each request
// (res_sorcery_realtime without a cache): a new extension can register at once,
// a rotated password is required at the phone's next request, a disabled
// extension is unknown to Asterisk. Rotating or disabling also drops the phone's
// current registration (its ps_contacts rows).
//
// The SIP password is generated here and returned once; only its digest is stored.
import type { PrismaClient, StaffExtension } from '../db/index.js';
import { Prisma } from '../db/index.js';
import { ApiError } from '../http/errors.js';
import { isFallbackExtension } from './fallback-extensions.js';
import { EXTENSION_PATTERN, generateSipPassword, md5Credential } from './pjsip-realtime.js';
import { deleteRealtimeRows, dropRegistrations, writeRealtimeRows } from './realtime-rows.js';

export interface ExtensionView {
  id: string;
  businessId: string;
  staffUserId: string | null;
  extension: string;
  displayName: string;
  createdAt: string;
  passwordChangedAt: string;
  disabledAt: string | null;
}

/** An extension with its new SIP password: shown once, never stored. */
export interface ExtensionWithPassword {
  extension: ExtensionView;
  sipPassword: string;
}

export interface ExtensionInput {
  extension: string;
  displayName: string;
  staffUserId?: string | null;
  /** A password to use instead of a generated one (seeding from STAFF_<n>_PASSWORD). */
  password?: string;
}

type Tx = Prisma.TransactionClient;

export function extensionView(row: StaffExtension): ExtensionView {
  return {
    id: row.id,
    businessId: row.businessId,
    staffUserId: row.staffUserId,
    extension: row.extension,
    displayName: row.displayName,
    createdAt: row.createdAt.toISOString(),
    passwordChangedAt: row.passwordChangedAt.toISOString(),
    disabledAt: row.disabledAt?.toISOString() ?? null,
  };
}

export class ExtensionService {
  private readonly prisma: PrismaClient;
  private readonly now: () => Date;

  constructor(prisma: PrismaClient, now: () => Date = () => new Date()) {
    this.prisma = prisma;
    this.now = now;
  }

  async list(businessId: string): Promise<ExtensionView[]> {
    const rows = await this.prisma.staffExtension.findMany({ where: { businessId }, orderBy: { extension: 'asc' } });
    return rows.map(extensionView);
  }

  async get(extension: string): Promise<ExtensionView> {
    return extensionView(await this.#find(this.prisma, extension));
  }

  async create(businessId: string, input: ExtensionInput): Promise<ExtensionWithPassword> {
    if (!EXTENSION_PATTERN.test(input.extension)) throw new ApiError('bad_request', 'extension must be 3 or 4 digits, not starting with 0');
    refuseFallback(input.extension);
    const password = input.password ?? generateSipPassword();
    return this.prisma.$transaction(async (tx) => {
      const business = await tx.business.findUnique({ where: { id: businessId }, select: { id: true } });
      if (!business) throw new ApiError('not_found', 'no such business');
      if (input.staffUserId) {
        const user = await tx.staffUser.findUnique({ where: { id: input.staffUserId }, select: { businessId: true } });
        if (!user || user.businessId !== businessId) throw new ApiError('bad_request', 'staffUserId is not a staff account of this business');
      }
      if (await tx.staffExtension.findUnique({ where: { extension: input.extension } })) {
        throw new ApiError('conflict', `extension ${input.extension} already exists`);
      }
      const row = await tx.staffExtension.create({
        data: { businessId, extension: input.extension, displayName: input.displayName, staffUserId: input.staffUserId ?? null, passwordChangedAt: this.now() },
      });
      await writeRealtimeRows(tx, row.extension, row.displayName, password);
      return { extension: extensionView(row), sipPassword: password };
    });
  }

  /** A new SIP password (the phone must be set up again); the current registration is dropped. */
  async rotatePassword(extension: string, password: string = generateSipPassword()): Promise<ExtensionWithPassword> {
    return this.prisma.$transaction(async (tx) => {
      const row = await this.#find(tx, extension);
      if (row.disabledAt) throw new ApiError('conflict', `extension ${extension} is disabled: enable it to give it a password`);
      await tx.$executeRaw`UPDATE asterisk.ps_auths SET md5_cred = ${md5Credential(extension, password)} WHERE id = ${extension}`;
      await dropRegistrations(tx, extension);
      const updated = await tx.staffExtension.update({ where: { id: row.id }, data: { passwordChangedAt: this.now() } });
      return { extension: extensionView(updated), sipPassword: password };
    });
  }

  /** Asterisk forgets the extension (no registration, no calls to or from it); its row is kept. */
  async disable(extension: string): Promise<ExtensionView> {
    return this.prisma.$transaction(async (tx) => {
      const row = await this.#find(tx, extension);
      await deleteRealtimeRows(tx, extension);
      const updated = row.disabledAt ? row : await tx.staffExtension.update({ where: { id: row.id }, data: { disabledAt: this.now() } });
      return extensionView(updated);
    });
  }

  /** Back in Asterisk, with a new password. */
  async enable(extension: string): Promise<ExtensionWithPassword> {
    const password = generateSipPassword();
    return this.prisma.$transaction(async (tx) => {
      const row = await this.#find(tx, extension);
      if (!row.disabledAt) throw new ApiError('conflict', `extension ${extension} is enabled; rotate its password instead`);
      await writeRealtimeRows(tx, row.extension, row.displayName, password);
      const updated = await tx.staffExtension.update({ where: { id: row.id }, data: { disabledAt: null, passwordChangedAt: this.now() } });
      return { extension: extensionView(updated), sipPassword: password };
    });
  }

  async #find(client: Tx | PrismaClient, extension: string): Promise<StaffExtension> {
    refuseFallback(extension);
    const row = await client.staffExtension.findUnique({ where: { extension } });
    if (!row) throw new ApiError('not_found', `no extension ${extension}`);
    return row;
  }
}

/** 100 and 101 are the deployment's (fallback-extensions.ts): their passwords come from the environment. */
function refuseFallback(extension: string): void {
  if (isFallbackExtension(extension)) {
    throw new ApiError('conflict', `extension ${extension} is a fallback phone of the deployment: its password is STAFF_${extension}_PASSWORD, seeded at the backend's start`);
  }
}
