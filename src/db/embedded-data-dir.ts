// As root, PostgreSQL runs as the "postgres" user, which must reach and own its
// data directory. One configured inside a private folder (the default
// .data/postgres of a checkout under /root) is kept in a folder of the postgres
// user's under the relocation root instead, and the configured path becomes a
// symbolic link to it: the data is found from where it was asked for, later runs
// follow the link, and removing the link starts afresh without destroying data.
import { randomBytes } from 'node:crypto';
import { chown, lstat, mkdir, readdir, readlink, realpath, rmdir, symlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { EmbeddedPostgresAccessError, GENERAL_FIX } from './embedded-access-error.js';
import { describeClosedFolder, firstClosedFolder, type ClosedFolder, type SystemUser } from './embedded-reach.js';
import { ensureRootFolder } from './embedded-root-placement.js';

const SLUG_MAX_CHARS = 80;

function cannotEnter(closed: ClosedFolder, dataDir: string): string {
  return (
    'embedded PostgreSQL cannot start: as root it runs as the "postgres" user, which cannot enter ' +
    `${describeClosedFolder(closed)} on the way to its data directory ${dataDir}`
  );
}

function openFolderFix(closed: ClosedFolder): string {
  return `let others enter ${closed.folder} (chmod o+x ${closed.folder})`;
}

/** A readable, file-name-safe trace of where the data was configured. */
function slugOf(dataDir: string): string {
  const slug = dataDir.replace(/[^A-Za-z0-9._]+/g, '-').replace(/^-+/, '');
  return slug.slice(-SLUG_MAX_CHARS);
}

/**
 * The path to hand PostgreSQL for `dataDir`: `dataDir` itself when `user` can
 * reach it, the folder it links to, or a new folder under `relocationRoot`.
 */
export async function dataDirReachableBy(
  user: SystemUser,
  dataDir: string,
  relocationRoot: string,
  logger: Logger,
): Promise<string> {
  const absolute = resolve(dataDir);
  const existing = await lstat(absolute).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing?.isSymbolicLink()) return linkedDataDir(user, absolute);

  if (existing) {
    if (!existing.isDirectory()) throw new Error(`embedded PostgreSQL data directory ${absolute} is not a folder`);
    const closed = await firstClosedFolder(absolute, user);
    if (!closed) return absolute;
    if ((await readdir(absolute)).length > 0) {
      throw new EmbeddedPostgresAccessError(
        `${cannotEnter(closed, absolute)}, which already holds files (left as they are)`,
        closed.folder,
        `move ${absolute} to a folder the postgres user may enter and set EMBEDDED_PG_DIR to it, ` +
          `or ${openFolderFix(closed)}, ${GENERAL_FIX}`,
      );
    }
    await rmdir(absolute); // empty: the link below takes its place
    return relocate(user, absolute, relocationRoot, closed, logger);
  }

  await mkdir(dirname(absolute), { recursive: true });
  const closed = await firstClosedFolder(absolute, user);
  if (!closed) return absolute;
  return relocate(user, absolute, relocationRoot, closed, logger);
}

async function linkedDataDir(user: SystemUser, link: string): Promise<string> {
  let target: string;
  try {
    target = await realpath(link);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new EmbeddedPostgresAccessError(
      `embedded PostgreSQL cannot start: its data directory ${link} links to ${await readlink(link)}, which does not exist`,
      link,
      `restore that folder, or remove the link ${link} to start with an empty database`,
    );
  }
  const closed = await firstClosedFolder(target, user);
  if (closed) {
    throw new EmbeddedPostgresAccessError(
      `${cannotEnter(closed, target)} (linked from ${link})`,
      closed.folder,
      `${openFolderFix(closed)}, or point EMBEDDED_PG_DIR at a folder the postgres user may enter, ${GENERAL_FIX}`,
    );
  }
  return target;
}

async function relocate(
  user: SystemUser,
  dataDir: string,
  relocationRoot: string,
  closed: ClosedFolder,
  logger: Logger,
): Promise<string> {
  try {
    await ensureRootFolder(relocationRoot);
  } catch (error) {
    throw new EmbeddedPostgresAccessError(
      `${cannotEnter(closed, dataDir)}, and a folder for its data could not be made in ${relocationRoot}: ` +
        (error as Error).message,
      relocationRoot,
      `let root create ${relocationRoot} (a folder of root's, mode 0755), or set EMBEDDED_PG_DIR to a folder ` +
        `the postgres user may enter, or ${openFolderFix(closed)}, ${GENERAL_FIX}`,
      { cause: error },
    );
  }
  const target = join(relocationRoot, `${slugOf(dataDir)}-${randomBytes(4).toString('hex')}`);
  await mkdir(target, { mode: 0o700 });
  try {
    await chown(target, user.uid, user.gid);
    await symlink(target, dataDir);
  } catch (error) {
    await rmdir(target); // empty: made just above
    // Another process starting on the same data directory linked it first.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return linkedDataDir(user, dataDir);
    throw error;
  }
  logger.warn(
    { dataDir, closedFolder: closed.folder, keptIn: target },
    'the postgres user cannot reach the data directory; keeping the data in a folder it owns, linked from there',
  );
  return target;
}
