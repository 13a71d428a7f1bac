// The whole system in this process: PostgreSQL (embedded in a temporary folder,
// or DATABASE_URL), the real backend and media gateway, and the ARI fake as a
// simulated Asterisk on real sockets. Each part is registered for cleanup as
// soon as it is started.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend, type Backend } from '../../src/backend.js';
import { loadConfig } from '../../src/config.js';
import { redactUrl } from '../../src/db/index.js';
import { loadMediaConfig } from '../../media/config.js';
import { startMediaGateway, type MediaGateway } from '../../media/media-gateway.js';
import { FakeAsterisk } from '../../test/fakes/ari/index.js';
import type { CleanupStack } from './cleanup-stack.js';
import { freePort } from './free-port.js';
import type { ProgramLogs } from './program-logs.js';

export interface DemoSystem {
  readonly asterisk: FakeAsterisk;
  readonly backend: Backend;
  readonly gateway: MediaGateway;
  /** Absolute; kept after the demo (the call's recording is there). */
  readonly recordingsDir: string;
  /** For the output: which PostgreSQL holds the call. */
  readonly databaseDescription: string;
}

export interface DemoSystemOptions {
  readonly databaseUrl: string | undefined;
  /** Provider keys and URLs for the gateway's AI agent. */
  readonly providerEnv: Readonly<Record<string, string>>;
  readonly logs: ProgramLogs;
  readonly cleanup: CleanupStack;
  readonly signal: AbortSignal;
}

export async function startDemoSystem(options: DemoSystemOptions): Promise<DemoSystem> {
  const { cleanup, signal } = options;
  const root = await mkdtemp(join(tmpdir(), 'prosaas-demo-'));
  // As root the embedded server runs as the postgres user, which must be able to enter the folder.
  await chmod(root, 0o755);
  const recordingsDir = join(root, 'recordings');
  const clipCacheDir = join(root, 'clips');
  const postgresDir = join(root, 'postgres');
  await mkdir(recordingsDir);
  await mkdir(clipCacheDir);
  cleanup.add('the clip cache', () => rm(clipCacheDir, { recursive: true, force: true }));
  cleanup.add('the embedded PostgreSQL data', () => rm(postgresDir, { recursive: true, force: true }));

  const ariPassword = randomBytes(12).toString('hex');
  const gatewayToken = randomBytes(16).toString('hex');
  const asterisk = await FakeAsterisk.start({ password: ariPassword });
  cleanup.add('the simulated Asterisk', () => asterisk.close());
  signal.throwIfAborted();

  const backendPort = await freePort();
  const gatewayConfig = loadMediaConfig({
    MEDIA_HTTP_HOST: '127.0.0.1',
    MEDIA_HTTP_PORT: '0',
    MEDIA_GATEWAY_TOKEN: gatewayToken,
    MEDIA_AGENT: 'ai',
    RTP_BIND_HOST: '127.0.0.1',
    RTP_PORT: '0',
    RTP_ADVERTISE_HOST: '127.0.0.1',
    RECORDINGS_DIR: recordingsDir,
    CLIP_CACHE_DIR: clipCacheDir,
    BACKEND_URL: `http://127.0.0.1:${backendPort}`,
    LOG_LEVEL: 'warn',
    ...options.providerEnv,
  });
  const gateway = await startMediaGateway({ config: gatewayConfig, logger: options.logs.gateway });
  cleanup.add('the media gateway', () => gateway.close());
  signal.throwIfAborted();

  const embeddedPort = options.databaseUrl ? 0 : await freePort();
  const backendConfig = loadConfig({
    ASTERISK_ARI_URL: asterisk.url,
    ASTERISK_ARI_USERNAME: asterisk.username,
    ASTERISK_ARI_PASSWORD: ariPassword,
    DATABASE_URL: options.databaseUrl,
    EMBEDDED_PG_DIR: postgresDir,
    EMBEDDED_PG_PORT: String(embeddedPort),
    MEDIA_GATEWAY_URL: `http://127.0.0.1:${gateway.http.port}`,
    MEDIA_GATEWAY_TOKEN: gatewayToken,
    HOST: '127.0.0.1',
    PORT: String(backendPort),
    // Nothing to wait for at the end of a demo: a call still up is ended at once.
    SHUTDOWN_DRAIN_MS: '0',
    LOG_LEVEL: 'warn',
  });
  const backend = await startBackend(backendConfig, options.logs.backend, { signal });
  // Stopping the backend also stops the embedded PostgreSQL.
  cleanup.add('the backend', () => backend.stop());
  signal.throwIfAborted();

  return {
    asterisk,
    backend,
    gateway,
    recordingsDir,
    databaseDescription: options.databaseUrl
      ? `PostgreSQL from DATABASE_URL (${redactUrl(options.databaseUrl)})`
      : `embedded PostgreSQL (temporary, removed at the end: ${postgresDir})`,
  };
}
