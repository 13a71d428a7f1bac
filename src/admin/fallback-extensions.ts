// Extensions 100 and 101, the phones the dialplan's fallback rings, as rows of
// Asterisk's realtime tables like every other staff extension, seeded by the
// backend at start from STAFF_100_PASSWORD and STAFF_101_PASSWORD (the same
// variables the Asterisk image renders into its static fallback,
// pjsip_staff_fallback.conf, which sorcery reads only after the tables). One
// source of the passwords keeps both copies alike: an outage of PostgreSQL
// changes where Asterisk finds the phone, never which password it accepts.
//
// They belong to the deployment, not to a business: they have no staff
// extension row, the admin API refuses to create, rotate or disable them
// (extension-service.ts), and their password changes with the environment.
// A seed that finds the rows as the environment has them writes nothing, so a
// restart keeps the phones registered; a changed password drops the old
// registration, as a rotation through the API does.
import type { Logger } from 'pino';
import { Prisma, type PrismaClient } from '../db/index.js';
import { extensionRows, md5Credential } from './pjsip-realtime.js';
import { writeRealtimeRows } from './realtime-rows.js';

/** The deployment's own extensions, in the order the fallback rings them. */
export const FALLBACK_EXTENSIONS = ['100', '101'] as const;

export function isFallbackExtension(extension: string): boolean {
  return (FALLBACK_EXTENSIONS as readonly string[]).includes(extension);
}

/** Display names the rows carry (ps_endpoints.callerid), as pjsip_staff_fallback.conf has them. */
const DISPLAY_NAME = 'Staff';

/**
 * Writes the realtime rows of each extension given (extension -> password)
 * unless they are already as the environment has them. Returns the extensions
 * written. Throws on a database error: the caller decides what a failed seed means.
 */
export async function seedFallbackExtensions(prisma: PrismaClient, passwords: Readonly<Record<string, string>>, log: Logger): Promise<string[]> {
  const written: string[] = [];
  for (const [extension, password] of Object.entries(passwords)) {
    if (!isFallbackExtension(extension)) throw new Error(`extension ${extension} is not one of the fallback extensions`);
    const changed = await prisma.$transaction(async (tx) => {
      if (await isSeeded(tx, extension, password)) return false;
      await writeRealtimeRows(tx, extension, DISPLAY_NAME, password);
      return true;
    });
    if (changed) written.push(extension);
  }
  if (written.length > 0) log.info({ extensions: written }, 'fallback extensions written to the realtime tables');
  return written;
}

/** The rows exist and hold exactly what a seed would write. */
async function isSeeded(tx: Prisma.TransactionClient, extension: string, password: string): Promise<boolean> {
  const wanted = extensionRows(extension, DISPLAY_NAME, password);
  const rows = await tx.$queryRaw<{ md5_cred: string | null; auth: string | null; aors: string | null; callerid: string | null; aor: string | null }[]>`
    SELECT a.md5_cred, e.auth, e.aors, e.callerid, o.id AS aor
      FROM asterisk.ps_endpoints e
      JOIN asterisk.ps_auths a ON a.id = e.auth
      LEFT JOIN asterisk.ps_aors o ON o.id = e.aors
     WHERE e.id = ${extension}`;
  const row = rows[0];
  return (
    row !== undefined &&
    row.md5_cred === md5Credential(extension, password) &&
    row.auth === wanted.endpoint.auth &&
    row.aors === wanted.endpoint.aors &&
    row.callerid === wanted.endpoint.callerid &&
    row.aor === wanted.aor.id
  );
}
