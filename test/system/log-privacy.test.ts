// What the two programs write to their logs during a real call: each runs as its
// own process (`src/main.ts`, `media/main.ts`) against the ARI, Deepgram and
// OpenAI fakes and a real PostgreSQL. A caller speaks, the agent takes a message
// (take_message), the caller hangs up. The database refuses the message and the
// final CallLog row, so the error paths log too (driver errors quote the row, and
// the refused record is logged whole). With LOG_REDACT_PII=true neither log holds
// a number, a word the caller said or the message; with it unset they do (so the
// check can fail). No secret appears in either mode.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { createDb } from '../../src/db/index.js';
import { FakeAsterisk } from '../fakes/ari/index.js';
import { FakeDeepgram } from '../fakes/deepgram/index.js';
import { FakeOpenAI } from '../fakes/openai/index.js';
import { runTsx, type ChildRun } from '../kit/child-run.js';
import { freePort } from '../kit/ports.js';
import { waitFor, waitUntil } from '../kit/wait.js';
import { createTestDatabase } from '../support/db.js';
import { ARI_PASSWORD, backendEnv, createBusiness, FIRST_UTTERANCE, GATEWAY_TOKEN } from '../support/test-system.js';

const CALLER = '+14155550123';
const DIALED = '+19863334949';
const SAID = 'Please ask doctor Quimby to phone me about my biopsy';
const MESSAGE = { caller_name: 'Wilhelmina Zorn', callback_number: '+1 650 555 0199', reason: 'biopsy results for Quimby' };
const DEEPGRAM_KEY = 'dg-log-privacy-0123456789';
const OPENAI_KEY = 'sk-log-privacy-0123456789';
const DB_PASSWORD = `pg-${randomBytes(9).toString('hex')}`;

/** What must vanish with LOG_REDACT_PII=true and show without it. */
const PERSONAL = {
  'caller number': CALLER,
  'dialed number': DIALED,
  'caller number digits': CALLER.slice(2),
  'a word the caller said': 'Quimby',
  'message: caller name': MESSAGE.caller_name,
  'message: callback number': MESSAGE.callback_number,
  'message: reason': MESSAGE.reason,
};
const SECRETS = {
  'ARI password': ARI_PASSWORD,
  'ARI Basic credential': Buffer.from(`asterisk:${ARI_PASSWORD}`).toString('base64'),
  'gateway token': GATEWAY_TOKEN,
  'Deepgram key': DEEPGRAM_KEY,
  'OpenAI key': OPENAI_KEY,
  'database password': DB_PASSWORD,
};

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// A folder without a .env: the programs read only the environment given here.
const CWD = mkdtempSync(join(tmpdir(), 'log-privacy-'));
afterAll(() => rmSync(CWD, { recursive: true, force: true }));
const PROGRAM_TIMEOUT_MS = 90_000;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs a program until stop(); its output is collected from the start. */
function startProgram(entry: string, env: NodeJS.ProcessEnv) {
  let signal: ((name: NodeJS.Signals) => void) | null = null;
  let output = '';
  let exited = false;
  const run: Promise<ChildRun> = runTsx(join(ROOT, entry), [], {
    cwd: CWD,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    timeoutMs: PROGRAM_TIMEOUT_MS,
    onStdout: (stdout, kill) => {
      output = stdout;
      signal = kill;
    },
  });
  void run.finally(() => (exited = true));
  let stopped: Promise<ChildRun> | null = null;
  const stop = (): Promise<ChildRun> => {
    stopped ??= (async () => {
      // Both programs log at start, so the handle to signal them is there once they run.
      await waitUntil(() => signal !== null || exited, { timeoutMs: PROGRAM_TIMEOUT_MS, what: `${entry} to start` });
      signal?.('SIGTERM');
      return run;
    })();
    return stopped;
  };
  cleanups.push(stop);
  return { stdout: () => output, stop };
}

/** A login role with a password of its own (so the password is known and unique in the logs); dropped after the database. */
async function createLoginRole(): Promise<string> {
  const role = `log_privacy_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  await admin.query(`CREATE ROLE ${admin.escapeIdentifier(role)} LOGIN SUPERUSER PASSWORD '${DB_PASSWORD}'`);
  await admin.end();
  cleanups.push(async () => {
    const client = new pg.Client({ connectionString: inject('pgAdminUrl') });
    await client.connect();
    await client.query(`DROP ROLE IF EXISTS ${client.escapeIdentifier(role)}`);
    await client.end();
  });
  return role;
}

/** Both programs' whole output (stdout and stderr) for one call. */
async function logsOfOneCall(redactPii: boolean): Promise<{ backend: ChildRun; gateway: ChildRun }> {
  const role = await createLoginRole();
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  const databaseUrl = Object.assign(new URL(database.url), { username: role, password: DB_PASSWORD }).toString();
  const db = createDb(database.url);
  cleanups.push(() => db.close());
  // Non-transient refusals: the backend logs the error and the record it could not store.
  await db.prisma.$executeRawUnsafe(`ALTER TABLE call_messages ADD CONSTRAINT refused_by_the_test CHECK (false) NOT VALID`);
  await db.prisma.$executeRawUnsafe(`ALTER TABLE call_logs ADD CONSTRAINT refused_by_the_test CHECK (status <> 'completed') NOT VALID`);
  await createBusiness(db.prisma, 'Acme Dental', [DIALED]);
  const fake = await FakeAsterisk.start({ password: ARI_PASSWORD });
  cleanups.push(() => fake.close());
  const deepgram = await FakeDeepgram.start({
    apiKey: DEEPGRAM_KEY,
    listen: { resultLatencyMs: 0 },
    speak: { firstAudioLatencyMs: 0, msPerCharacter: 25 },
  });
  cleanups.push(() => deepgram.close());
  const openai = await FakeOpenAI.start({ apiKey: OPENAI_KEY });
  cleanups.push(() => openai.close());
  const files = await mkdtemp(join(tmpdir(), 'log-privacy-'));
  cleanups.push(() => rm(files, { recursive: true, force: true }));

  const [backendPort, gatewayPort] = [await freePort(), await freePort()];
  const logEnv = { LOG_LEVEL: 'trace', ...(redactPii ? { LOG_REDACT_PII: 'true' } : {}) };
  const gateway = startProgram('media/main.ts', {
    MEDIA_HTTP_HOST: '127.0.0.1',
    MEDIA_HTTP_PORT: String(gatewayPort),
    MEDIA_GATEWAY_TOKEN: GATEWAY_TOKEN,
    RTP_BIND_HOST: '127.0.0.1',
    RTP_PORT: '0',
    RTP_ADVERTISE_HOST: '127.0.0.1',
    RECORDINGS_DIR: join(files, 'recordings'),
    CLIP_CACHE_DIR: join(files, 'clips'),
    MEDIA_AGENT: 'ai',
    BACKEND_URL: `http://127.0.0.1:${backendPort}`,
    DEEPGRAM_API_KEY: DEEPGRAM_KEY,
    DEEPGRAM_BASE_URL: deepgram.url,
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: openai.baseURL,
    ...logEnv,
  });
  await waitUntil(() => gateway.stdout().includes('media gateway listening'), { timeoutMs: 30_000, what: 'the gateway to listen' });
  const backend = startProgram(
    'src/main.ts',
    backendEnv({
      ariUrl: fake.url,
      databaseUrl,
      gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
      extra: { PORT: String(backendPort), ...logEnv },
    }),
  );
  await waitUntil(() => fake.isRegistered(), { timeoutMs: 30_000, what: 'the backend to register the app' });

  const call = fake.placeCall({ from: CALLER, to: DIALED });
  const bridge = await waitFor(() => fake.bridges().find((b) => b.channels.includes(call.channelId) && b.channels.length === 2), {
    what: 'the call to be bridged',
  });
  const turns = () => db.prisma.callTurn.findMany({ where: { call: { channelId: call.channelId } } });
  await waitUntil(async () => (await turns()).some((turn) => turn.seq === 0), { timeoutMs: 15_000, what: 'the greeting turn' });
  openai.queueReplies({ toolCalls: [{ name: 'take_message', arguments: MESSAGE }] }, { text: 'I could not pass your message on.' });
  deepgram.queueTranscripts([SAID]);
  fake.startCallerAudio(bridge.channels.find((id) => id !== call.channelId)!, { payload: FIRST_UTTERANCE });
  await waitUntil(async () => (await turns()).some((turn) => turn.text === 'I could not pass your message on.'), {
    timeoutMs: 15_000,
    what: 'the agent to answer after the message',
  });
  fake.hangupCaller(call.channelId);
  await waitUntil(() => backend.stdout().includes('the database refused the final call log record'), { what: 'the call to end' });
  return { backend: await backend.stop(), gateway: await gateway.stop() };
}

function textOf(run: ChildRun): string {
  return run.stdout + run.stderr;
}

function messages(run: ChildRun): string[] {
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { msg: string }).msg);
}

describe('the logs of both programs during a call', () => {
  it('hold no number, transcript, message or secret with LOG_REDACT_PII=true', async () => {
    const { backend, gateway } = await logsOfOneCall(true);
    expect([backend.code, gateway.code]).toEqual([0, 0]);
    // The lines that carry the data were written, without it.
    expect(messages(backend)).toEqual(
      expect.arrayContaining(['inbound call', 'turn stored', 'request failed', 'call ended', 'the database refused the final call log record']),
    );
    expect(messages(gateway)).toEqual(expect.arrayContaining(['language model called a tool', 'media session closed']));
    expect(backend.stdout).toMatch(/"from":"\[redacted\]","to":"\[redacted\]","msg":"inbound call"/);
    for (const [program, run] of Object.entries({ backend, gateway })) {
      for (const [what, value] of Object.entries({ ...PERSONAL, ...SECRETS })) {
        expect(textOf(run).includes(value), `${what} in the ${program} log`).toBe(false);
      }
    }
  }, PROGRAM_TIMEOUT_MS);

  it('hold the numbers, transcript and message without LOG_REDACT_PII, and still no secret', async () => {
    const { backend, gateway } = await logsOfOneCall(false);
    expect([backend.code, gateway.code]).toEqual([0, 0]);
    const both = textOf(backend) + textOf(gateway);
    for (const [what, value] of Object.entries(PERSONAL)) expect(both.includes(value), `${what} in the logs`).toBe(true);
    for (const [what, value] of Object.entries(SECRETS)) expect(both.includes(value), `${what} in the logs`).toBe(false);
  }, PROGRAM_TIMEOUT_MS);
});
