// A verified copy of a folder tree (PostgreSQL's bin/, lib/, share/) in a cache
// folder, made once per content. Files are hard-linked when the source file is
// ours and only we may write to it (it then costs no space and cannot be changed by
// the user who runs it), copied otherwise or across file systems. The copy is
// assembled under a partial name and renamed into place, so a folder under its
// final name is complete; its manifest lets later runs check it before use.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  chmod,
  copyFile,
  constants,
  link,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';

export interface StageTreeOptions {
  readonly source: string;
  /** Existing folder that holds the copies. */
  readonly cacheDir: string;
  /** Start of the copy's folder name; a fingerprint of the source's content follows. */
  readonly name: string;
  readonly logger: Logger;
}

export interface StagedTree {
  readonly dir: string;
  /** False when an intact copy was already there. */
  readonly created: boolean;
}

type Entry =
  | { readonly kind: 'dir'; readonly path: string }
  | { readonly kind: 'file'; readonly path: string; readonly size: number; readonly mode: number }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string };

interface Manifest {
  readonly fingerprint: string;
  readonly entries: readonly Entry[];
}

const MANIFEST = '.staged-manifest.json';
const PARALLEL_FILES = 16;
/** Partial or damaged copies older than this are left by killed runs, not in progress. */
const LEFTOVER_AGE_MS = 60 * 60 * 1000;
const LINK_FALLBACK_CODES = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP']);

async function listTree(root: string, relative = ''): Promise<Entry[]> {
  const entries: Entry[] = [];
  const names = (await readdir(join(root, relative))).sort();
  for (const name of names) {
    const path = relative === '' ? name : `${relative}/${name}`;
    const info = await lstat(join(root, path));
    if (info.isDirectory()) {
      entries.push({ kind: 'dir', path }, ...(await listTree(root, path)));
    } else if (info.isFile()) {
      entries.push({ kind: 'file', path, size: info.size, mode: info.mode & 0o777 });
    } else if (info.isSymbolicLink()) {
      entries.push({ kind: 'symlink', path, target: await readlink(join(root, path)) });
    }
    // Sockets, FIFOs and devices are no part of an installation: not copied.
  }
  return entries;
}

function fingerprintOf(entries: readonly Entry[]): string {
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 16);
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function inBatches<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += PARALLEL_FILES) {
    await Promise.all(items.slice(start, start + PARALLEL_FILES).map(fn));
  }
}

type CopyState = 'missing' | 'intact' | 'damaged';

/** Whether `dir` exists and holds exactly what its manifest lists, for this fingerprint. */
async function copyState(dir: string, fingerprint: string): Promise<CopyState> {
  if (!(await lstat(dir).then(() => true, () => false))) return 'missing';
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch {
    return 'damaged';
  }
  if (manifest.fingerprint !== fingerprint || !Array.isArray(manifest.entries)) return 'damaged';
  let intact = true;
  await inBatches<Entry>(manifest.entries, async (entry) => {
    const path = join(dir, entry.path);
    const info = await lstat(path).catch(() => undefined);
    const matches =
      info !== undefined &&
      (entry.kind === 'dir'
        ? info.isDirectory()
        : entry.kind === 'file'
          ? info.isFile() && info.size === entry.size
          : info.isSymbolicLink() && (await readlink(path)) === entry.target);
    if (!matches) intact = false;
  });
  return intact ? 'intact' : 'damaged';
}

/** Hard link when safe and possible; a copy otherwise. Verified either way. */
async function placeFile(source: string, destination: string, mode: number): Promise<void> {
  const info = await stat(source);
  const linkable = info.uid === process.getuid?.() && (info.mode & 0o022) === 0;
  if (linkable) {
    try {
      await link(source, destination);
      const placed = await stat(destination);
      if (placed.ino !== info.ino || placed.dev !== info.dev) {
        throw new Error(`${destination} is not a link to ${source}`);
      }
      return;
    } catch (error) {
      if (!LINK_FALLBACK_CODES.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    }
  }
  await copyFile(source, destination, constants.COPYFILE_EXCL);
  await chmod(destination, mode & 0o755);
  const [expected, actual] = await Promise.all([sha256(source), sha256(destination)]);
  if (expected !== actual) throw new Error(`copy of ${source} differs from it`);
}

async function build(source: string, partial: string, entries: readonly Entry[]): Promise<void> {
  await mkdir(partial);
  await chmod(partial, 0o755);
  for (const entry of entries) {
    if (entry.kind !== 'dir') continue;
    await mkdir(join(partial, entry.path));
    await chmod(join(partial, entry.path), 0o755);
  }
  await inBatches(entries, async (entry) => {
    const destination = join(partial, entry.path);
    if (entry.kind === 'file') await placeFile(join(source, entry.path), destination, entry.mode);
    else if (entry.kind === 'symlink') await symlink(entry.target, destination);
  });
  const manifest: Manifest = { fingerprint: fingerprintOf(entries), entries };
  await writeFile(join(partial, MANIFEST), JSON.stringify(manifest), { mode: 0o644 });
}

async function removeLeftovers(cacheDir: string, logger: Logger): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(cacheDir)) {
    if (!/^\..+\.(partial|damaged)-[0-9a-f]+$/.test(name)) continue;
    const info = await stat(join(cacheDir, name)).catch(() => undefined);
    if (info && now - info.mtimeMs > LEFTOVER_AGE_MS) {
      logger.info({ folder: join(cacheDir, name) }, 'removing an unfinished copy left by a killed run');
      await rm(join(cacheDir, name), { recursive: true, force: true });
    }
  }
}

/** Places (or finds intact) a copy of `source` in `cacheDir`. */
export async function stageTree(options: StageTreeOptions): Promise<StagedTree> {
  const { source, cacheDir, logger } = options;
  const entries = await listTree(source);
  const fingerprint = fingerprintOf(entries);
  const dir = join(cacheDir, `${options.name}-${fingerprint}`);
  const state = await copyState(dir, fingerprint);
  if (state === 'intact') return { dir, created: false };

  const suffix = randomBytes(6).toString('hex');
  // Only a copy seen damaged is moved away: one that was missing may be placed by
  // a concurrent caller meanwhile, and is then theirs to use, not ours to remove.
  if (state === 'damaged') {
    const damaged = join(cacheDir, `.${basename(dir)}.damaged-${suffix}`);
    const moved = await rename(dir, damaged).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false; // a concurrent caller moved it
        throw error;
      },
    );
    if (moved) {
      logger.warn({ folder: dir }, 'a cached copy is incomplete or altered; placing it again');
      await rm(damaged, { recursive: true, force: true });
    }
  }
  await removeLeftovers(cacheDir, logger);

  const partial = join(cacheDir, `.${basename(dir)}.partial-${suffix}`);
  try {
    await build(source, partial, entries);
    try {
      await rename(partial, dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Another process placed it first: use theirs when it is intact.
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await copyState(dir, fingerprint)) === 'intact') {
        return { dir, created: false };
      }
      throw error;
    }
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return { dir, created: true };
}
