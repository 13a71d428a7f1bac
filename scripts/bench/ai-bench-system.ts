// The system under test for the AI latency section: the real backend and
// media gateway, each its own process as in production (`src/main.ts`,
// `media/main.ts`), a real PostgreSQL (DATABASE_URL or an embedded one), and
// in this process the ARI fake and the Deepgram and OpenAI fakes with zero
// latency. So what is measured is the system itself: neither the fakes' work
// nor the backend's (database writes of turn reports) shares the gateway's
// event loop.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMigrations, createDb, startEmbeddedPostgres, type Db } from '../../src/db/index.js';
import { FakeAsterisk } from '../../test/fakes/ari/index.js';
import { FakeDeepgram } from '../../test/fakes/deepgram/index.js';
import { FakeOpenAI } from '../../test/fakes/openai/index.js';
import { spawnManaged, type ManagedChild } from './child-process.js';
import type { CleanupRegistry } from './cleanup.js';
import { freeTcpPort } from './free-port.js';
import { GatewayClient } from './gateway-client.js';
import { INHERITED_ENV, tsxLoaderUrl } from './gateway-process.js';

export const DIALED = '+19863334949';
const TOKEN = 'bench-gateway-token-0123456789';
const ARI_PASSWORD = 'bench-ari-password';

export interface AiBenchSystem {
  readonly fake: FakeAsterisk;
  readonly deepgram: FakeDeepgram;
  readonly openai: FakeOpenAI;
  readonly db: Db;
  stop(): Promise<void>;
}

export interface AiBenchSetup {
  readonly repoRoot: string;
  /** Parent of the run's recordings, clip cache and the processes' working dirs. */
  readonly tempRoot: string;
  readonly cleanup: CleanupRegistry;
}

const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
/** Anywhere: the section measures latency, not capacity on one core. */
const UNPINNED = { core: null, realtime: false } as const;

export async function startAiBenchSystem(setup: AiBenchSetup): Promise<AiBenchSystem> {
  const { repoRoot, tempRoot, cleanup } = setup;
  const stops: (() => Promise<unknown>)[] = [];
  try {
    let databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      // As root, PostgreSQL runs as the `postgres` user, which must be able to enter the folder.
      const pgRoot = mkdtempSync(join(tmpdir(), 'bench-postgres-'));
      chmodSync(pgRoot, 0o755);
      stops.push(async () => rmSync(pgRoot, { recursive: true, force: true }));
      const embedded = await startEmbeddedPostgres({
        dataDir: join(pgRoot, 'data'),
        port: await freeTcpPort('127.0.0.1'),
        database: 'bench',
      });
      stops.push(() => embedded.stop());
      databaseUrl = embedded.url;
    }
    await applyMigrations(databaseUrl);
    const db = createDb(databaseUrl);
    stops.push(() => db.close());
    await db.prisma.callLog.deleteMany({ where: { toNumber: DIALED } });
    await db.prisma.phoneNumber.deleteMany({ where: { e164: DIALED } });
    await db.prisma.business.create({
      data: {
        name: 'Bench Dental',
        greeting: 'Thanks for calling Bench Dental. How can I help?',
        systemPrompt: 'You answer the phone for Bench Dental.',
        voice: 'aura-2-thalia-en',
        timezone: 'America/New_York',
        transferTarget: null,
        phoneNumbers: { create: [{ e164: DIALED }] },
      },
    });

    const fake = await FakeAsterisk.start({ password: ARI_PASSWORD });
    stops.push(() => fake.close());
    // Zero latency everywhere; audio as fast as it can be produced.
    const deepgram = await FakeDeepgram.start({
      listen: { resultLatencyMs: 0 },
      speak: { firstAudioLatencyMs: 0, realTimeFactor: 0 },
    });
    stops.push(() => deepgram.close());
    const openai = await FakeOpenAI.start({ chat: { firstTokenLatencyMs: 0, interTokenDelayMs: 0 } });
    stops.push(() => openai.close());

    const backendPort = await freeTcpPort('127.0.0.1');
    const gatewayPort = await freeTcpPort('127.0.0.1');
    const gateway = startProgram('media gateway', 'media/main.ts', setup, {
      MEDIA_HTTP_HOST: '127.0.0.1',
      MEDIA_HTTP_PORT: String(gatewayPort),
      MEDIA_GATEWAY_TOKEN: TOKEN,
      RTP_BIND_HOST: '127.0.0.1',
      RTP_PORT: '0',
      RTP_ADVERTISE_HOST: '127.0.0.1',
      RECORDINGS_DIR: mkdtempSync(join(tempRoot, 'recordings-')),
      CLIP_CACHE_DIR: mkdtempSync(join(tempRoot, 'clips-')),
      MEDIA_AGENT: 'ai',
      BACKEND_URL: `http://127.0.0.1:${backendPort}`,
      DEEPGRAM_API_KEY: deepgram.apiKey,
      DEEPGRAM_BASE_URL: deepgram.url,
      OPENAI_API_KEY: openai.apiKey,
      OPENAI_BASE_URL: openai.baseURL,
      // Longer than the VAD's end-of-speech hangover (300 ms), so the answer never waits for
      // the VAD: the figures are the pipeline's own, from the transcript to the first packet.
      STT_ENDPOINTING_MS: '400',
      LOG_LEVEL: 'warn',
    });
    stops.push(() => gateway.stop(STOP_GRACE_MS));
    const client = new GatewayClient(`http://127.0.0.1:${gatewayPort}`, TOKEN);
    await waitFor(() => running(gateway) && client.healthy(), START_TIMEOUT_MS, `the media gateway to be healthy`, 100).catch(
      (error: unknown) => {
        throw startFailure(error, gateway);
      },
    );
    const backend = startProgram('backend', 'src/main.ts', setup, {
      ASTERISK_ARI_URL: fake.url,
      ASTERISK_ARI_USERNAME: 'asterisk',
      ASTERISK_ARI_PASSWORD: ARI_PASSWORD,
      DATABASE_URL: databaseUrl,
      MEDIA_GATEWAY_URL: `http://127.0.0.1:${gatewayPort}`,
      MEDIA_GATEWAY_TOKEN: TOKEN,
      HOST: '127.0.0.1',
      PORT: String(backendPort),
      SHUTDOWN_DRAIN_MS: '0',
      LOG_LEVEL: 'warn',
    });
    stops.push(() => backend.stop(STOP_GRACE_MS));
    await waitFor(() => running(backend) && fake.isRegistered(), START_TIMEOUT_MS, 'the backend to register the app', 100).catch(
      (error: unknown) => {
        throw startFailure(error, backend);
      },
    );

    let stopped = false;
    return {
      fake,
      deepgram,
      openai,
      db,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        for (const stop of stops.reverse()) await stop().catch(() => {});
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    throw error;
  }
}

/**
 * Runs one of the programs with tsx from a fresh working dir (no developer
 * `.env` is read) and only the variables given (plus PATH, HOME...).
 */
function startProgram(what: string, entry: string, setup: AiBenchSetup, env: Record<string, string>): ManagedChild {
  const inherited = Object.fromEntries(INHERITED_ENV.filter((key) => process.env[key] !== undefined).map((key) => [key, process.env[key]]));
  return spawnManaged(
    what,
    UNPINNED,
    process.execPath,
    ['--import', tsxLoaderUrl(), join(setup.repoRoot, entry)],
    { cwd: mkdtempSync(join(setup.tempRoot, 'program-')), env: { ...inherited, ...env } },
    setup.cleanup,
  );
}

function running(program: ManagedChild): boolean {
  if (program.child.exitCode !== null || program.child.signalCode !== null) {
    throw new Error(`exited during start-up`);
  }
  return true;
}

function startFailure(error: unknown, program: ManagedChild): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`${message}\n${program.stderrTail()}`);
}

/** Re-checks `check` every `intervalMs` until true or `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, intervalMs = 5): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
