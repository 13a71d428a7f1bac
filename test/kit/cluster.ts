// Several machines on one: a simulated Asterisk per node (ARI fakes in this
// process, so the RTP each caller hears is measured where the caller is), media
// gateways and backend replicas each in its own Node process as deployed, all on
// 127.0.0.1 and sharing one database. A backend or a gateway can be killed with
// SIGKILL, as a machine dies. With the AI agent every gateway talks to the one
// pair of Deepgram and OpenAI fakes (fake-providers.ts), as the gateways of a
// deployment share the providers' services. Used by the failover simulation
// (test/system/failover.test.ts), the gateway-loss tests and the bench's
// failover section.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, type Db } from '../../src/db/index.js';
import { FakeAsterisk } from '../fakes/ari/index.js';
import { CleanupStack } from './cleanup-stack.js';
import { startFakeProviders, type FakeProviderOptions, type FakeProviders } from './fake-providers.js';
import { freePort } from './ports.js';
import { backendEnvironment, gatewayEnvironment } from './program-env.js';
import type { ProgramProcess } from './program-process.js';
import { startProgramProcess } from './programs.js';
import type { SystemDatabase } from './scratch-database.js';
import { waitUntil, type WaitOptions } from './wait.js';

export interface ClusterOptions {
  /** Migrated; closed by stop(). */
  readonly database: SystemDatabase;
  /** Asterisk node names, e.g. ['a', 'b']. */
  readonly nodes: readonly string[];
  readonly gateways: number;
  readonly backends: number;
  /**
   * Who speaks on calls. Default 'echo' (the caller's audio comes back: RTP both ways).
   * 'ai': the AI agent on the Deepgram and OpenAI fakes (started here, `providers`).
   */
  readonly agent?: 'echo' | 'silent' | 'ai';
  /** With the AI agent: the fakes' knobs. */
  readonly providerOptions?: FakeProviderOptions;
  /**
   * Each Asterisk plays the recorded caller speech, looped, into every externalMedia
   * channel bridged with a caller. Default: on, except with the AI agent, whose
   * caller speaks only when a test says so (`startCallerAudio`): a caller who
   * never stops talking would barge into every answer.
   */
  readonly autoCallerAudio?: boolean;
  readonly backendEnv?: Readonly<Record<string, string>>;
  readonly gatewayEnv?: Readonly<Record<string, string>>;
  /** LOG_LEVEL of the programs. Default 'warn'. */
  readonly logLevel?: string;
  readonly keepOutput?: boolean;
  readonly tempRoot?: string;
}

export interface ClusterBackend {
  readonly replicaId: string;
  readonly url: string;
  readonly process: ProgramProcess;
  /** SIGKILL, as a machine dies; resolves once the process is gone. */
  kill(): Promise<void>;
}

export interface ClusterGateway {
  readonly url: string;
  readonly process: ProgramProcess;
  /** SIGKILL, as a machine dies; resolves once the process is gone. */
  kill(): Promise<void>;
}

/** A node as one backend's /ready describes it (src/cluster/node-readiness.ts). */
export interface NodeReportView {
  readonly name: string;
  readonly owner: 'this replica' | 'another replica' | 'none';
  readonly ari: string | null;
  readonly calls: number;
  readonly problem: string | null;
}

export interface Cluster {
  readonly asterisks: ReadonlyMap<string, FakeAsterisk>;
  readonly gateways: readonly ClusterGateway[];
  readonly backends: readonly ClusterBackend[];
  readonly db: Db;
  readonly gatewayToken: string;
  /** The Deepgram and OpenAI fakes, with the AI agent. */
  readonly providers: FakeProviders | null;
  asterisk(node: string): FakeAsterisk;
  /** The gateway at `url` (as a CallLog row names it). */
  gateway(url: string | null): ClusterGateway;
  /** Which live backend holds each node's ARI connection (connected and registered), by each one's /ready. */
  owners(): Promise<Map<string, ClusterBackend>>;
  /** Until every node is held, connected, by a live backend, and `accept` agrees with the owners. */
  waitOwned(accept?: (owners: Map<string, ClusterBackend>) => boolean, options?: WaitOptions): Promise<Map<string, ClusterBackend>>;
  stop(): Promise<void>;
}

const ARI_PASSWORD_BYTES = 12;
/** ARI and lease timings short enough for a failover to happen within a test or a bench run. */
const CLUSTER_TIMINGS: Readonly<Record<string, string>> = {
  ARI_PING_INTERVAL_MS: '500',
  ARI_PONG_TIMEOUT_MS: '1500',
  ARI_RECONNECT_MIN_MS: '50',
  ARI_RECONNECT_MAX_MS: '500',
  LEASE_POLL_MS: '500',
};
const STOP_GRACE_MS = 5_000;

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const cleanup = new CleanupStack();
  try {
    return await assemble(options, cleanup);
  } catch (error) {
    await cleanup.releaseAll();
    throw error;
  }
}

async function assemble(options: ClusterOptions, cleanup: CleanupStack): Promise<Cluster> {
  const ariPassword = randomBytes(ARI_PASSWORD_BYTES).toString('hex');
  const gatewayToken = randomBytes(16).toString('hex');
  const logLevel = options.logLevel ?? 'warn';
  const agent = options.agent ?? 'echo';
  cleanup.add('the database', () => options.database.close());
  const root = await mkdtemp(join(options.tempRoot ?? tmpdir(), 'cluster-'));
  cleanup.add('the temporary folder', () => rm(root, { recursive: true, force: true }));
  const db = createDb(options.database.url);
  cleanup.add('the database client', () => db.close());

  const asterisks = new Map<string, FakeAsterisk>();
  for (const node of options.nodes) {
    // Each node its own systemname, as a deployment of several Asterisk nodes must have:
    // without it, two nodes started in the same second give their channels the same ids.
    const fake = await FakeAsterisk.start({
      password: ariPassword,
      autoCallerAudio: options.autoCallerAudio ?? agent !== 'ai',
      systemName: `asterisk-${node}`,
    });
    asterisks.set(node, fake);
    cleanup.add(`the simulated Asterisk ${node}`, () => fake.close());
  }

  let providers: FakeProviders | null = null;
  if (agent === 'ai') {
    const started = await startFakeProviders(options.providerOptions);
    providers = started;
    cleanup.add('the Deepgram and OpenAI fakes', () => started.close());
  }

  const backendPorts = await Promise.all(Array.from({ length: options.backends }, () => freePort()));
  const backendUrls = backendPorts.map((port) => `http://127.0.0.1:${port}`);
  const processOptions = (port: number) => ({ port, tempRoot: root, keepOutput: options.keepOutput });

  const gateways: ClusterGateway[] = [];
  for (let index = 0; index < options.gateways; index += 1) {
    const port = await freePort();
    const recordingsDir = join(root, `gateway-${index + 1}`, 'recordings');
    const clipCacheDir = join(root, `gateway-${index + 1}`, 'clips');
    await mkdir(recordingsDir, { recursive: true });
    await mkdir(clipCacheDir, { recursive: true });
    const env = {
      ...gatewayEnvironment({ token: gatewayToken, httpPort: port, backendUrl: backendUrls[0] ?? null, recordingsDir, clipCacheDir, agent }),
      LOG_LEVEL: logLevel,
      ...providers?.gatewayEnv,
      ...options.gatewayEnv,
    };
    const started = await startProgramProcess('media gateway', env, processOptions(port));
    cleanup.add(`media gateway ${index + 1}`, () => started.stop(STOP_GRACE_MS));
    gateways.push({ url: `http://127.0.0.1:${port}`, process: started, kill: () => killNow(started) });
  }

  const nodeList = [...asterisks].map(([node, fake]) => `${node}=${fake.url}`).join(',');
  const backends: ClusterBackend[] = [];
  for (let index = 0; index < options.backends; index += 1) {
    const replicaId = `backend-${index + 1}`;
    const port = backendPorts[index]!;
    const env = {
      ...backendEnvironment({
        ariUrl: [...asterisks.values()][0]!.url,
        ariPassword,
        databaseUrl: options.database.url,
        gatewayUrl: gateways.map((gateway) => gateway.url).join(','),
        gatewayToken,
        port,
      }),
      ASTERISK_NODES: nodeList,
      BACKEND_REPLICA_ID: replicaId,
      BACKEND_ADVERTISE_URL: backendUrls[index]!,
      LOG_LEVEL: logLevel,
      ...CLUSTER_TIMINGS,
      ...options.backendEnv,
    };
    const started = await startProgramProcess('backend', env, processOptions(port));
    cleanup.add(`backend ${replicaId}`, () => started.stop(STOP_GRACE_MS));
    backends.push({
      replicaId,
      url: backendUrls[index]!,
      process: started,
      kill: () => killNow(started),
    });
  }

  const owners = async (): Promise<Map<string, ClusterBackend>> => {
    const held = new Map<string, ClusterBackend>();
    for (const backend of backends) {
      if (!backend.process.running()) continue;
      for (const report of await nodeReports(backend.url)) {
        if (report.owner === 'this replica' && report.problem === null) held.set(report.name, backend);
      }
    }
    return held;
  };
  let stopping: Promise<void> | null = null;
  return {
    asterisks,
    gateways,
    backends,
    db,
    gatewayToken,
    providers,
    asterisk: (node) => {
      const fake = asterisks.get(node);
      if (!fake) throw new Error(`no node ${node}`);
      return fake;
    },
    gateway: (url) => {
      const gateway = gateways.find((candidate) => candidate.url === url);
      if (!gateway) throw new Error(`no gateway at ${url}`);
      return gateway;
    },
    owners,
    waitOwned: async (accept = () => true, wait = {}) => {
      let current = new Map<string, ClusterBackend>();
      await waitUntil(
        async () => {
          current = await owners();
          return current.size === asterisks.size && accept(current);
        },
        { timeoutMs: 30_000, intervalMs: 50, what: 'every node to be held by a live backend', ...wait },
      );
      return current;
    },
    stop: () => {
      stopping ??= cleanup.release();
      return stopping;
    },
  };
}

/** SIGKILL: no drain, no goodbye to anyone (sockets reset, UDP simply stops). */
async function killNow(program: ProgramProcess): Promise<void> {
  if (program.running()) program.child.kill('SIGKILL');
  await program.exited;
}

/** The nodes as a backend's /ready reports them (empty when it does not answer). */
export async function nodeReports(backendUrl: string): Promise<NodeReportView[]> {
  try {
    const response = await fetch(`${backendUrl}/ready`, { signal: AbortSignal.timeout(2_000) });
    const body = (await response.json()) as { checks?: { ari?: { detail?: { nodes?: NodeReportView[] } } } };
    return body.checks?.ari?.detail?.nodes ?? [];
  } catch {
    return [];
  }
}
