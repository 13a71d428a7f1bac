// As root, PostgreSQL runs as the "postgres" user, which must reach its binaries.
// When it cannot (node_modules under /root or another private folder), it runs a
// verified copy placed once per version in a root-owned cache it can reach.
import type { Logger } from 'pino';
import { EmbeddedPostgresAccessError, GENERAL_FIX } from './embedded-access-error.js';
import { postgresBinariesIn, type PostgresBinaries } from './embedded-binaries.js';
import { probePostgres } from './embedded-probe.js';
import { describeClosedFolder, firstClosedFolder, type SystemUser } from './embedded-reach.js';
import { ensureRootFolder } from './embedded-root-placement.js';
import { stageTree, type StagedTree } from './embedded-staging.js';

const MOVE_CHECKOUT_FIX = 'or move the checkout under a folder others may enter (e.g. /opt or /srv)';

/** `binaries` when `user` can run them, else the copy in `cacheDir` (placed when missing). */
export async function binariesReachableBy(
  user: SystemUser,
  binaries: PostgresBinaries,
  cacheDir: string,
  logger: Logger,
): Promise<PostgresBinaries> {
  const direct = await probePostgres(binaries.postgres, user);
  if (direct.ok) return binaries;
  const closed = await firstClosedFolder(binaries.postgres, user);
  if (!closed) {
    // Not a question of folders: a copy would fail the same way.
    throw new Error(`embedded PostgreSQL cannot run ${binaries.postgres} as the "postgres" user: ${direct.reason}`);
  }
  const blocked =
    `embedded PostgreSQL cannot start: as root it runs as the "postgres" user, which cannot enter ` +
    `${describeClosedFolder(closed)} on the way to ${binaries.postgres}`;

  let staged: StagedTree;
  try {
    await ensureRootFolder(cacheDir);
    staged = await stageTree({ source: binaries.installDir, cacheDir, name: `postgres-${binaries.version}`, logger });
  } catch (error) {
    throw new EmbeddedPostgresAccessError(
      `${blocked}, and a copy of the binaries could not be placed in ${cacheDir}: ${(error as Error).message}`,
      cacheDir,
      `let root create ${cacheDir} (a folder of root's, mode 0755), ${MOVE_CHECKOUT_FIX}, ${GENERAL_FIX}`,
      { cause: error },
    );
  }

  const placed = postgresBinariesIn(staged.dir, binaries.version);
  const check = await probePostgres(placed.postgres, user);
  if (!check.ok) {
    const closedCache = await firstClosedFolder(placed.postgres, user);
    throw new EmbeddedPostgresAccessError(
      `${blocked}, nor the copy placed for it in ${staged.dir}: ` +
        (closedCache ? `it cannot enter ${describeClosedFolder(closedCache)}` : check.reason),
      closedCache?.folder ?? staged.dir,
      closedCache
        ? `let others enter ${closedCache.folder} (chmod o+x ${closedCache.folder}), ${MOVE_CHECKOUT_FIX}, ${GENERAL_FIX}`
        : `remove ${staged.dir} to have it placed again, ${MOVE_CHECKOUT_FIX}, ${GENERAL_FIX}`,
    );
  }
  logger.info(
    { closedFolder: closed.folder, binaries: placed.installDir, placedNow: staged.created },
    'the postgres user cannot reach the PostgreSQL binaries in node_modules; running its copy',
  );
  return placed;
}
