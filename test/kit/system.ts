// The whole system on this machine, as tests, the demo and the bench need it:
// the real backend and media gateway (in this process, or each in its own
// process as deployed), a database the caller provides, and on 127.0.0.1 the
// ARI fake as Asterisk and, for the AI agent, the Deepgram and OpenAI fakes
// (or the real services). Everything is registered for cleanup when it is
// acquired: a start that fails half-way releases what it started, and stop()
// releases all of it, newest first.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { Backend } from '../../src/backend.js';
import { createDb, type Db } from '../../src/db/index.js';
import type { MediaGateway } from '../../media/media-gateway.js';
import { FakeAsterisk, type FakeAsteriskOptions } from '../fakes/ari/index.js';
import { CleanupStack } from './cleanup-stack.js';
import { startFakeProviders, type FakeProviderOptions, type FakeProviders } from './fake-providers.js';
import { freePort } from './ports.js';
import { backendEnvironment, gatewayEnvironment } from './program-env.js';
import type { ProgramProcess } from './program-process.js';
import { startBackendHere, startGatewayHere, startProgramProcess } from './programs.js';
import type { SystemDatabase } from './scratch-database.js';
import { waitUntil, type WaitOptions } from './wait.js';

/** Where the two programs run. */
export type Placement = 'in-process' | 'child-process';

export type AgentKind = 'silent' | 'echo' | 'ai';

/** The AI agent's providers: the fakes (default), or the variables of real services. */
export type Providers =
  | { readonly kind: 'fakes'; readonly options?: FakeProviderOptions }
  | { readonly kind: 'real'; readonly gatewayEnv: Readonly<Record<string, string>> };

export interface Credentials {
  readonly ariPassword: string;
  readonly gatewayToken: string;
}

export interface SystemOptions<P extends Placement> {
  /** Default 'in-process'. */
  readonly placement?: P;
  /** The backend's database, migrated; closed by stop(). */
  readonly database: SystemDatabase;
  /** Where the backend reaches the database when not at `database.url` (e.g. through a proxy). */
  readonly backendDatabaseUrl?: string;
  /** Who speaks on calls. Default 'silent'. */
  readonly agent?: AgentKind;
  /** With the AI agent. Default: the fakes. */
  readonly providers?: Providers;
  readonly asterisk?: FakeAsteriskOptions;
  /** Start the programs before Asterisk is up (it starts with `startAsterisk()`). */
  readonly deferAsterisk?: boolean;
  /** Default: random for this system. */
  readonly credentials?: Credentials;
  /** Extra or overriding variables of each program. */
  readonly backendEnv?: Readonly<Record<string, string>>;
  readonly gatewayEnv?: Readonly<Record<string, string>>;
  /**
   * Child processes: Node flags of the gateway's process (e.g. `--single-threaded-gc`, `--cpu-prof`),
   * the ones NODE_OPTIONS does not take. Ignored in-process.
   */
  readonly gatewayNodeArgs?: readonly string[];
  /** LOG_LEVEL of both programs. Default 'warn'. */
  readonly logLevel?: string;
  /** In-process: where each program logs. Default: nowhere. */
  readonly loggers?: { readonly backend: Logger; readonly gateway: Logger };
  /** Child processes: keep all of their output for `output()` (default: the last stderr lines only). */
  readonly keepOutput?: boolean;
  /** The gateway's recordings; kept by stop(). Default: a temporary folder that stop() removes. */
  readonly recordingsDir?: string;
  /** Parent of the system's temporary folder. Default: the OS's. */
  readonly tempRoot?: string;
  /** Aborting it during start-up stops what was started and rejects. */
  readonly signal?: AbortSignal;
}

export interface ReadyAnswer {
  readonly status: number;
  readonly body: { status: string; reasons: string[] };
}

export interface System<P extends Placement> {
  readonly placement: P;
  /** The simulated Asterisk (throws while a deferred one is not started). */
  readonly asterisk: FakeAsterisk;
  startAsterisk(): Promise<FakeAsterisk>;
  /** The provider fakes, when the agent uses them. */
  readonly providers: FakeProviders | null;
  readonly backend: P extends 'child-process' ? ProgramProcess : Backend;
  readonly gateway: P extends 'child-process' ? ProgramProcess : MediaGateway;
  readonly backendUrl: string;
  readonly gatewayUrl: string;
  readonly credentials: Credentials;
  readonly recordingsDir: string;
  /** A client of the system's database (direct, not through `backendDatabaseUrl`). */
  readonly db: Db;
  readonly database: SystemDatabase;
  /** The backend's /ready answer. */
  ready(): Promise<ReadyAnswer>;
  /** Until the backend is ready (database and Asterisk connected). */
  waitReady(options?: WaitOptions): Promise<void>;
  /** Stops everything; idempotent. Throws listing what failed to stop, after stopping the rest. */
  stop(): Promise<void>;
}

const SILENT = pino({ level: 'silent' });
const READY_TIMEOUT_MS = 20_000;

export async function startSystem<P extends Placement = 'in-process'>(options: SystemOptions<P>): Promise<System<P>> {
  const cleanup = new CleanupStack();
  try {
    return await assemble(options, cleanup);
  } catch (error) {
    await cleanup.releaseAll();
    throw error;
  }
}

async function assemble<P extends Placement>(options: SystemOptions<P>, cleanup: CleanupStack): Promise<System<P>> {
  const placement = (options.placement ?? 'in-process') as P;
  const signal = options.signal;
  const credentials = options.credentials ?? {
    ariPassword: randomBytes(12).toString('hex'),
    gatewayToken: randomBytes(16).toString('hex'),
  };
  const logLevel = options.logLevel ?? 'warn';
  cleanup.add('the database', () => options.database.close());
  const root = await mkdtemp(join(options.tempRoot ?? tmpdir(), 'system-'));
  cleanup.add('the temporary folder', () => rm(root, { recursive: true, force: true }));
  const recordingsDir = options.recordingsDir ?? join(root, 'recordings');
  const clipCacheDir = join(root, 'clips');
  await mkdir(recordingsDir, { recursive: true });
  await mkdir(clipCacheDir);
  const db = createDb(options.database.url);
  cleanup.add('the database client', () => db.close());

  let asterisk: FakeAsterisk | null = null;
  const asteriskPort = options.asterisk?.port ?? (await freePort());
  const startAsterisk = async (): Promise<FakeAsterisk> => {
    if (!asterisk) {
      const started = await FakeAsterisk.start({ ...options.asterisk, password: credentials.ariPassword, port: asteriskPort });
      asterisk = started;
      cleanup.add('the simulated Asterisk', () => started.close());
    }
    return asterisk;
  };
  if (!options.deferAsterisk) await startAsterisk();
  signal?.throwIfAborted();

  const agent = options.agent ?? 'silent';
  const providerChoice = options.providers ?? { kind: 'fakes' };
  let providers: FakeProviders | null = null;
  if (agent === 'ai' && providerChoice.kind === 'fakes') {
    const started = await startFakeProviders(providerChoice.options);
    providers = started;
    cleanup.add('the Deepgram and OpenAI fakes', () => started.close());
  }
  const providerEnv = providers?.gatewayEnv ?? (agent === 'ai' && providerChoice.kind === 'real' ? providerChoice.gatewayEnv : {});

  const backendPort = await freePort();
  const backendUrl = `http://127.0.0.1:${backendPort}`;
  const inProcess = placement === 'in-process';
  const gatewayPort = inProcess ? 0 : await freePort();
  const gatewayEnv = {
    ...gatewayEnvironment({ token: credentials.gatewayToken, httpPort: gatewayPort, backendUrl, recordingsDir, clipCacheDir, agent }),
    LOG_LEVEL: logLevel,
    ...providerEnv,
    ...options.gatewayEnv,
  };
  const processOptions = (port: number) => ({ port, tempRoot: root, keepOutput: options.keepOutput, signal });
  let gateway: MediaGateway | ProgramProcess;
  let gatewayUrl: string;
  if (inProcess) {
    const started = await startGatewayHere(gatewayEnv, options.loggers?.gateway ?? SILENT);
    gateway = started;
    gatewayUrl = `http://127.0.0.1:${started.http.port}`;
    cleanup.add('the media gateway', () => started.close());
  } else {
    const started = await startProgramProcess('media gateway', gatewayEnv, { ...processOptions(gatewayPort), nodeArgs: options.gatewayNodeArgs });
    gateway = started;
    gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    cleanup.add('the media gateway', () => started.stop(STOP_GRACE_MS));
  }
  signal?.throwIfAborted();

  const backendEnv = {
    ...backendEnvironment({
      ariUrl: `http://127.0.0.1:${asteriskPort}`,
      ariPassword: credentials.ariPassword,
      databaseUrl: options.backendDatabaseUrl ?? options.database.url,
      gatewayUrl,
      gatewayToken: credentials.gatewayToken,
      port: backendPort,
    }),
    // The backend serves the gateway's recordings (the staff console, webhooks' signed links) from the same folder.
    RECORDINGS_DIR: recordingsDir,
    LOG_LEVEL: logLevel,
    ...options.backendEnv,
  };
  let backend: Backend | ProgramProcess;
  if (inProcess) {
    const started = await startBackendHere(backendEnv, options.loggers?.backend ?? SILENT, signal);
    backend = started;
    cleanup.add('the backend', () => started.stop());
  } else {
    const started = await startProgramProcess('backend', backendEnv, processOptions(backendPort));
    backend = started;
    cleanup.add('the backend', () => started.stop(STOP_GRACE_MS));
  }
  signal?.throwIfAborted();

  const ready = async (): Promise<ReadyAnswer> => {
    const response = await fetch(`${backendUrl}/ready`);
    return { status: response.status, body: (await response.json()) as ReadyAnswer['body'] };
  };
  let stopping: Promise<void> | null = null;
  return {
    placement,
    get asterisk(): FakeAsterisk {
      if (!asterisk) throw new Error('the simulated Asterisk is not started yet');
      return asterisk;
    },
    startAsterisk,
    providers,
    backend: backend as System<P>['backend'],
    gateway: gateway as System<P>['gateway'],
    backendUrl,
    gatewayUrl,
    credentials,
    recordingsDir,
    db,
    database: options.database,
    ready,
    waitReady: (wait = {}) =>
      waitUntil(async () => (await ready()).status === 200, { timeoutMs: READY_TIMEOUT_MS, what: 'the backend to become ready', ...wait }),
    stop: () => {
      stopping ??= cleanup.release();
      return stopping;
    },
  };
}

/** A program in its own process gets this long to stop on SIGTERM (closing many sessions takes a moment). */
const STOP_GRACE_MS = 5_000;
