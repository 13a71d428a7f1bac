// Reads a Prisma migrations directory (`<dir>/<name>/migration.sql` plus
// `migration_lock.toml`) the way the Prisma CLI does, and computes Prisma's checksums.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** prisma/migrations of this project. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

export interface MigrationFile {
  /** Directory name, e.g. `20261121000000_init`; the `migration_name` Prisma records. */
  readonly name: string;
  readonly sql: string;
  /** Prisma's checksum of `sql`. */
  readonly checksum: string;
}

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly migrationName?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

const CHECKSUM_HEX_LENGTH = 64;

function sha256(script: string): Buffer {
  return createHash('sha256').update(script, 'utf8').digest();
}

/**
 * Prisma's migration checksum: SHA-256 over the UTF-8 bytes of migration.sql,
 * rendered as zero-padded lowercase hex. The CLI reads the file with
 * `readFile(path, { encoding: 'utf-8' })` and the schema engine hashes that
 * string's bytes (`compute_checksum` + `format_checksum` in prisma-engines
 * schema-connector/src/checksum.rs), so for a valid UTF-8 file this equals
 * `sha256sum migration.sql`.
 */
export function prismaMigrationChecksum(script: string): string {
  return sha256(script).toString('hex');
}

/**
 * Whether `script` matches a recorded checksum, accepting exactly what Prisma
 * accepts (`script_matches_checksum`): the script as is, with CRLF turned into LF,
 * or with LF turned into CRLF (git may rewrite line endings), and the
 * non-zero-padded hex an old schema engine wrote (prisma-engines issue 1887).
 */
export function checksumMatches(script: string, recorded: string): boolean {
  const variants = [script, script.replaceAll('\r\n', '\n'), script.replaceAll('\n', '\r\n')];
  return variants.some((variant) => {
    const digest = sha256(variant);
    if (recorded.length !== 0 && recorded.length !== CHECKSUM_HEX_LENGTH) {
      return [...digest].map((byte) => byte.toString(16)).join('') === recorded;
    }
    return digest.toString('hex') === recorded;
  });
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/**
 * Lists the migrations in `dir` in the order Prisma applies them: every
 * subdirectory is a migration, sorted with `localeCompare` like the Prisma CLI.
 * Throws MigrationError when the directory is missing, a migration has no
 * migration.sql, or migration_lock.toml names another provider.
 */
export async function readMigrationFiles(dir: string): Promise<MigrationFile[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isNotFound(error)) throw new MigrationError(`migrations directory not found: ${dir}`);
    throw error;
  }
  await checkLockFile(dir);
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b));
  const files: MigrationFile[] = [];
  for (const name of names) {
    let sql: string;
    try {
      sql = await readFile(join(dir, name, 'migration.sql'), { encoding: 'utf-8' });
    } catch (error) {
      if (isNotFound(error)) throw new MigrationError(`migration ${name} has no migration.sql`, name);
      throw error;
    }
    files.push({ name, sql, checksum: prismaMigrationChecksum(sql) });
  }
  return files;
}

async function checkLockFile(dir: string): Promise<void> {
  let lock: string;
  try {
    lock = await readFile(join(dir, 'migration_lock.toml'), { encoding: 'utf-8' });
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(lock)?.[1];
  if (provider !== undefined && provider !== 'postgresql') {
    throw new MigrationError(`migration_lock.toml in ${dir} is for provider "${provider}", not "postgresql"`);
  }
}
