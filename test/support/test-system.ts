// The kit's system (test/kit/system.ts) as integration tests use it: in this
// process, on a fresh clone of the test database, with both programs logging
// at debug level into memory (captureLogs), credentials the tests know, and
// ARI timings short enough that reconnections and timeouts happen within a
// test. `startAiSystem` adds the AI agent on the provider fakes and a business.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Backend } from '../../src/backend.js';
import type { PrismaClient } from '../../src/db/index.js';
import type { MediaGateway } from '../../media/media-gateway.js';
import type { FakeAsterisk, FakeAsteriskOptions } from '../fakes/ari/index.js';
import type { FakeDeepgram } from '../fakes/deepgram/index.js';
import type { FakeOpenAI } from '../fakes/openai/index.js';
import { createBusiness, placeBridgedCall as placeCall } from '../kit/calls.js';
import type { FakeProviderOptions, FakeProviders } from '../kit/fake-providers.js';
import { backendEnvironment, gatewayEnvironment } from '../kit/program-env.js';
import { startGatewayHere } from '../kit/programs.js';
import { callerUtterancesUlaw } from '../kit/reference-media.js';
import { startSystem as startKitSystem, type System } from '../kit/system.js';
import { waitFor, type WaitOptions } from '../kit/wait.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { captureLogs, type LogCapture } from './log-capture.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export const GATEWAY_TOKEN = 'test-gateway-token-0123456789';
export const ARI_PASSWORD = 'ari-secret-Pa55word';
const DEFAULT_MAX_SESSIONS = 2000;

/** Fast reconnection and short timeouts, so that failures and recoveries happen within a test. */
const TEST_BACKEND_TIMINGS: Readonly<Record<string, string>> = {
  ARI_PING_INTERVAL_MS: '300',
  ARI_PONG_TIMEOUT_MS: '700',
  ARI_RECONNECT_MIN_MS: '50',
  ARI_RECONNECT_MAX_MS: '400',
  ARI_REPLACED_CHECK_MS: '300',
  ARI_REQUEST_TIMEOUT_MS: '2000',
  EXTERNAL_MEDIA_STASIS_TIMEOUT_MS: '1500',
  LOG_LEVEL: 'debug',
};

export interface SystemOptions {
  fake?: FakeAsteriskOptions;
  /** Start the backend before Asterisk is up (the fake starts later with `startFake()`). */
  deferFake?: boolean;
  /** Extra or overriding backend environment variables. */
  backendEnv?: Record<string, string>;
  mediaMaxSessions?: number;
  /** Extra or overriding media gateway environment variables (e.g. MEDIA_AGENT). */
  gatewayEnv?: Record<string, string>;
  /** Put a TCP proxy between the backend and PostgreSQL (to simulate the database going away). */
  databaseProxy?: boolean;
}

export interface TestSystem {
  readonly fake: FakeAsterisk;
  readonly gateway: MediaGateway & { recordingsDir: string };
  readonly backend: Backend;
  readonly database: TestDatabase;
  /** A client of the test database that does not go through the proxy. */
  readonly prisma: PrismaClient;
  readonly proxy: TcpProxy | null;
  readonly logs: LogCapture;
  startFake(): Promise<FakeAsterisk>;
  ready(): Promise<{ status: number; body: { status: string; reasons: string[] } }>;
  waitReady(what?: string): Promise<void>;
  stop(): Promise<void>;
}

/** The backend's variables for a test: the system's connections plus the test timings. */
export function backendEnv(fields: { ariUrl: string; databaseUrl: string; gatewayUrl: string; extra?: Record<string, string> }): Record<string, string> {
  return {
    ...backendEnvironment({ ...fields, ariPassword: ARI_PASSWORD, gatewayToken: GATEWAY_TOKEN, port: 0 }),
    ...TEST_BACKEND_TIMINGS,
    ...fields.extra,
  };
}

/** A gateway on its own (no backend), in this process, recording into a temporary folder that `close()` removes. */
export async function startGateway(logger: Logger, maxSessions = DEFAULT_MAX_SESSIONS): Promise<MediaGateway & { recordingsDir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'gateway-'));
  const recordingsDir = join(root, 'recordings');
  const env = {
    ...gatewayEnvironment({ token: GATEWAY_TOKEN, httpPort: 0, backendUrl: null, recordingsDir, clipCacheDir: join(root, 'clips'), agent: 'silent' }),
    MEDIA_MAX_SESSIONS: String(maxSessions),
    LOG_LEVEL: 'debug',
  };
  let gateway: MediaGateway;
  try {
    gateway = await startGatewayHere(env, logger.child({ service: 'media-gateway' }));
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  return { ...gateway, recordingsDir, close: () => gateway.close().finally(() => rm(root, { recursive: true, force: true })) };
}

export async function startSystem(options: SystemOptions = {}): Promise<TestSystem> {
  return (await startTestSystem(options, null)).system;
}

async function startTestSystem(
  options: SystemOptions,
  ai: FakeProviderOptions | null,
): Promise<{ system: TestSystem; providers: FakeProviders | null }> {
  const logs = captureLogs();
  const database = await createTestDatabase();
  let proxy: TcpProxy | null = null;
  let system: System<'in-process'>;
  try {
    proxy = options.databaseProxy ? await startTcpProxy(hostAndPort(database.url)) : null;
    system = await startKitSystem({
      database: { url: database.url, description: `test database ${database.name}`, close: () => database.drop() },
      backendDatabaseUrl: proxy ? withPort(database.url, proxy.port) : undefined,
      asterisk: options.fake,
      deferAsterisk: options.deferFake,
      credentials: { ariPassword: ARI_PASSWORD, gatewayToken: GATEWAY_TOKEN },
      agent: ai ? 'ai' : 'silent',
      providers: { kind: 'fakes', options: ai ?? undefined },
      logLevel: 'debug',
      loggers: { backend: logs.logger.child({ service: 'backend' }), gateway: logs.logger.child({ service: 'media-gateway' }) },
      // The proxy stands for the backend's path to the database failing; the lease connection
      // keeps its own path (LEASE_DATABASE_URL), or the node would be released meanwhile.
      backendEnv: { ...TEST_BACKEND_TIMINGS, ...(proxy ? { LEASE_DATABASE_URL: database.url } : {}), ...options.backendEnv },
      gatewayEnv: { MEDIA_MAX_SESSIONS: String(options.mediaMaxSessions ?? DEFAULT_MAX_SESSIONS), ...options.gatewayEnv },
    });
  } catch (error) {
    await proxy?.close();
    await database.drop();
    throw error;
  }
  const started = system;
  let stopping: Promise<void> | null = null;
  const testSystem: TestSystem = {
    get fake(): FakeAsterisk {
      return started.asterisk;
    },
    gateway: { ...started.gateway, recordingsDir: started.recordingsDir },
    backend: started.backend,
    database,
    prisma: started.db.prisma,
    proxy,
    logs,
    startFake: () => started.startAsterisk(),
    ready: () => started.ready(),
    waitReady: (what = 'the backend to become ready') => started.waitReady({ timeoutMs: 10_000, what }),
    stop: () => {
      stopping ??= (async () => {
        proxy?.resume();
        try {
          await started.stop();
        } finally {
          await proxy?.close();
        }
      })();
      return stopping;
    },
  };
  return { system: testSystem, providers: started.providers };
}

function hostAndPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 5432) };
}

function withPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(port);
  return parsed.toString();
}

export { createBusiness };

// ---- the AI agent --------------------------------------------------------

export const DIALED = '+19863334949';
export const GREETING = 'Thanks for calling Acme Dental. How can I help?';

/** The recorded caller speech holds two utterances (test/kit/reference-media.ts). */
const UTTERANCES = callerUtterancesUlaw();
export const FIRST_UTTERANCE = UTTERANCES.first;
export const SECOND_UTTERANCE = UTTERANCES.second;

/** Short synthetic speech (25 ms per character) keeps calls brief; the agent's audio is still real-time RTP. */
const TEST_PROVIDER_FAKES: FakeProviderOptions = {
  deepgram: { listen: { resultLatencyMs: 0 }, speak: { firstAudioLatencyMs: 0, msPerCharacter: 25 } },
};

export interface AiSystem {
  readonly system: TestSystem;
  readonly deepgram: FakeDeepgram;
  readonly openai: FakeOpenAI;
  readonly businessId: string;
  stop(): Promise<void>;
}

export async function startAiSystem(
  options: { gatewayEnv?: Record<string, string>; transferTarget?: string | null; system?: SystemOptions } = {},
): Promise<AiSystem> {
  const { system, providers } = await startTestSystem(
    { ...options.system, gatewayEnv: { ...options.system?.gatewayEnv, ...options.gatewayEnv } },
    TEST_PROVIDER_FAKES,
  );
  try {
    if (!providers) throw new Error('the AI system started without its provider fakes');
    await system.waitReady();
    const businessId = await createBusiness(system.prisma, 'Acme Dental', [DIALED], {
      greeting: GREETING,
      transferTarget: options.transferTarget,
    });
    return {
      system,
      deepgram: providers.deepgram,
      openai: providers.openai,
      businessId,
      stop: () => system.stop(),
    };
  } catch (error) {
    await system.stop();
    throw error;
  }
}

/** Places a call and waits until Asterisk's side is bridged to the gateway. */
export async function placeBridgedCall(ai: AiSystem): Promise<{ channelId: string; mediaId: string }> {
  return placeCall(ai.system.fake, { from: '+15551230000', to: DIALED });
}

export function turnsOf(ai: AiSystem, channelId: string) {
  return ai.system.prisma.callTurn.findMany({ where: { call: { channelId } }, orderBy: { seq: 'asc' } });
}

/** Waits until the call has a stored turn matching `match`. */
export function turnWhere(
  ai: AiSystem,
  channelId: string,
  match: (turn: Awaited<ReturnType<typeof turnsOf>>[number]) => boolean,
  what: string,
) {
  return waitFor(async () => (await turnsOf(ai, channelId)).find(match) ?? null, { what, timeoutMs: 15_000 } satisfies WaitOptions);
}
