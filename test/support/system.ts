// The whole system for integration tests: the real backend and the real media
// gateway, in-process, against the ARI fake and a real PostgreSQL database.
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { startBackend, type Backend } from '../../src/backend.js';
import { loadConfig } from '../../src/config.js';
import type { PrismaClient } from '../../src/db/index.js';
import { loadMediaConfig } from '../../media/config.js';
import { startMediaGateway, type MediaGateway } from '../../media/media-gateway.js';
import { FakeAsterisk, type FakeAsteriskOptions } from '../fakes/ari/index.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { captureLogs, type LogCapture } from './log-capture.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { waitUntil } from './wait.js';

export const GATEWAY_TOKEN = 'test-gateway-token-0123456789';
export const ARI_PASSWORD = 'ari-secret-Pa55word';

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

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function backendEnv(fields: {
  ariUrl: string;
  databaseUrl: string;
  gatewayUrl: string;
  extra?: Record<string, string>;
}): NodeJS.ProcessEnv {
  return {
    ASTERISK_ARI_URL: fields.ariUrl,
    ASTERISK_ARI_USERNAME: 'asterisk',
    ASTERISK_ARI_PASSWORD: ARI_PASSWORD,
    DATABASE_URL: fields.databaseUrl,
    MEDIA_GATEWAY_URL: fields.gatewayUrl,
    MEDIA_GATEWAY_TOKEN: GATEWAY_TOKEN,
    HOST: '127.0.0.1',
    PORT: '0',
    ARI_PING_INTERVAL_MS: '300',
    ARI_PONG_TIMEOUT_MS: '700',
    ARI_RECONNECT_MIN_MS: '50',
    ARI_RECONNECT_MAX_MS: '400',
    ARI_REPLACED_CHECK_MS: '300',
    ARI_REQUEST_TIMEOUT_MS: '2000',
    EXTERNAL_MEDIA_STASIS_TIMEOUT_MS: '1500',
    SHUTDOWN_DRAIN_MS: '0',
    LOG_LEVEL: 'debug',
    ...fields.extra,
  };
}

/** A gateway whose recordings go to a fresh temp folder (removed by `close()`). */
export async function startGateway(
  logger: Logger,
  maxSessions = 2000,
  env: Record<string, string> = {},
): Promise<MediaGateway & { recordingsDir: string }> {
  const recordingsDir = await mkdtemp(join(tmpdir(), 'recordings-'));
  const clipCacheDir = await mkdtemp(join(tmpdir(), 'clips-'));
  const config = loadMediaConfig({
    MEDIA_HTTP_HOST: '127.0.0.1',
    MEDIA_HTTP_PORT: '0',
    MEDIA_GATEWAY_TOKEN: GATEWAY_TOKEN,
    MEDIA_AGENT: 'silent',
    RTP_BIND_HOST: '127.0.0.1',
    RTP_PORT: '0',
    RTP_ADVERTISE_HOST: '127.0.0.1',
    MEDIA_MAX_SESSIONS: String(maxSessions),
    RECORDINGS_DIR: recordingsDir,
    CLIP_CACHE_DIR: clipCacheDir,
    LOG_LEVEL: 'debug',
    ...env,
  });
  const gateway = await startMediaGateway({ config, logger: logger.child({ service: 'media-gateway' }) });
  return {
    ...gateway,
    recordingsDir,
    close: async () => {
      await gateway.close();
      await rm(recordingsDir, { recursive: true, force: true });
      await rm(clipCacheDir, { recursive: true, force: true });
    },
  };
}

export async function startSystem(options: SystemOptions = {}): Promise<TestSystem> {
  const logs = captureLogs();
  const database = await createTestDatabase();
  const { createDb } = await import('../../src/db/index.js');
  const direct = createDb(database.url);
  const proxy = options.databaseProxy ? await startTcpProxy(parseHostPort(database.url)) : null;
  const backendDbUrl = proxy ? withPort(database.url, proxy.port) : database.url;

  const ariPassword = ARI_PASSWORD;
  let fake: FakeAsterisk | null = null;
  const fakePort = options.fake?.port ?? (await freePort());
  const startFake = async (): Promise<FakeAsterisk> => {
    fake ??= await FakeAsterisk.start({ password: ariPassword, ...options.fake, port: fakePort });
    return fake;
  };
  if (!options.deferFake) await startFake();

  const backendPort = await freePort();
  const gateway = await startGateway(logs.logger, options.mediaMaxSessions, {
    BACKEND_URL: `http://127.0.0.1:${backendPort}`,
    ...options.gatewayEnv,
  });
  const config = loadConfig(
    backendEnv({
      ariUrl: `http://127.0.0.1:${fakePort}`,
      databaseUrl: backendDbUrl,
      gatewayUrl: `http://127.0.0.1:${gateway.http.port}`,
      extra: { PORT: String(backendPort), ...options.backendEnv },
    }),
  );
  const backend = await startBackend(config, logs.logger.child({ service: 'backend' }));

  const ready = async () => {
    const response = await fetch(`${backend.url}/ready`);
    return { status: response.status, body: (await response.json()) as { status: string; reasons: string[] } };
  };
  let stopped: Promise<void> | null = null;
  return {
    get fake(): FakeAsterisk {
      if (!fake) throw new Error('the ARI fake is not started yet');
      return fake;
    },
    gateway,
    backend,
    database,
    prisma: direct.prisma,
    proxy,
    logs,
    startFake,
    ready,
    waitReady: (what = 'the backend to become ready') =>
      waitUntil(async () => (await ready()).status === 200, { timeoutMs: 10_000, what }),
    stop: () => {
      stopped ??= (async () => {
        proxy?.resume();
        await backend.stop();
        await gateway.close();
        await fake?.close();
        await proxy?.close();
        await direct.close();
        await database.drop();
      })();
      return stopped;
    },
  };
}

function parseHostPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 5432) };
}

function withPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(port);
  return parsed.toString();
}

/** Creates a business owning `numbers`; returns its id. */
export async function createBusiness(prisma: PrismaClient, name: string, numbers: string[]): Promise<string> {
  const business = await prisma.business.create({
    data: {
      name,
      greeting: `Thanks for calling ${name}.`,
      systemPrompt: `You answer the phone for ${name}.`,
      voice: 'aura-2-thalia-en',
      timezone: 'America/New_York',
      transferTarget: 'PJSIP/100',
      phoneNumbers: { create: numbers.map((e164) => ({ e164 })) },
    },
  });
  return business.id;
}
