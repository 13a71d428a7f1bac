// `npm run demo` (scripts/demo/): its pure parts, then the demo itself as a
// child process with the Deepgram/OpenAI fakes, against a fresh test database.
// With espeak-ng installed the caller's lines are synthesized; without it the
// recorded caller is used; both must give the same conversation.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { parseWavHeader } from '../../media/recording/wav.js';
import { conversationScript } from '../../scripts/demo/conversation-script.js';
import { chooseProviders, parseFlags, ProviderKeysError, readSettings, USAGE, UsageError } from '../../scripts/demo/demo-options.js';
import { espeakAvailable } from '../../scripts/demo/espeak.js';
import { replyFor } from '../../scripts/demo/fake-providers.js';
import { plainLogLine } from '../../scripts/demo/program-logs.js';
import { latencyText, REALTIME_LATENCY_LABELS } from '../../scripts/demo/report-format.js';
import { DEMO_ENGINES } from '../../scripts/demo/demo-engines.js';
import { parsePcmWav } from '../../scripts/demo/wav-pcm.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { type ChildRunOptions, type ChildRun, runTsx } from '../kit/child-run.js';

const RUN = fileURLToPath(new URL('../../scripts/demo/run.ts', import.meta.url));
/** One demo run (database, both programs, a simulated call): about 20 s alone, near a minute on a machine busy with other jobs. */
const DEMO_TIMEOUT_MS = 120_000;
const LATENCIES = /stt \d+ ms · llm \d+ ms · tts \d+ ms · voice-to-voice \d+ ms/;
const REALTIME_LATENCIES = /^ +turn committed \d+ ms · first words \d+ ms · first audio \d+ ms · voice-to-voice \d+ ms$/;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A 44-byte WAV header the way espeak-ng writes it to stdout: placeholder RIFF and data sizes. */
function streamedWavHeader(sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(0x7ffff024, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(0x7ffff000, 40);
  return header;
}

describe('demo options', () => {
  it('uses the fakes without keys or with --fakes, the real services with both keys, and refuses one key alone', () => {
    expect(chooseProviders({}, false)).toEqual({ kind: 'fakes', why: 'no-keys' });
    expect(chooseProviders({ DEEPGRAM_API_KEY: 'dg-key-123', OPENAI_API_KEY: 'sk-key-123' }, true)).toEqual({ kind: 'fakes', why: 'forced' });
    expect(chooseProviders({ DEEPGRAM_API_KEY: 'dg-key-123', OPENAI_API_KEY: 'sk-key-123', OPENAI_MODEL: 'gpt-4o', DATABASE_URL: 'postgresql://x' }, false)).toEqual({
      kind: 'real',
      gatewayEnv: { DEEPGRAM_API_KEY: 'dg-key-123', OPENAI_API_KEY: 'sk-key-123', OPENAI_MODEL: 'gpt-4o' },
    });
    expect(() => chooseProviders({ OPENAI_API_KEY: 'sk-key-123' }, false)).toThrow(ProviderKeysError);
    expect(() => chooseProviders({ DEEPGRAM_API_KEY: 'dg-key-123' }, false)).toThrow(/OPENAI_API_KEY is not/);
  });

  it('reads .env for names the environment lacks; an empty environment value means not set and wins over .env', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'demo-env-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const envFile = join(dir, '.env');
    await writeFile(envFile, 'DEEPGRAM_API_KEY=dg-from-file\nOPENAI_API_KEY=sk-from-file\nDATABASE_URL=postgresql://file/db\nOTHER=x\n');
    expect(readSettings({ OPENAI_API_KEY: 'sk-from-env' }, envFile)).toEqual({
      DEEPGRAM_API_KEY: 'dg-from-file',
      OPENAI_API_KEY: 'sk-from-env',
      DATABASE_URL: 'postgresql://file/db',
    });
    expect(readSettings({ DEEPGRAM_API_KEY: '', OPENAI_API_KEY: '' }, envFile)).toEqual({ DATABASE_URL: 'postgresql://file/db' });
    expect(readSettings({}, join(dir, 'missing.env'))).toEqual({});
  });

  it('parses its flags and refuses unknown ones', () => {
    expect(parseFlags(['--short', '--fakes'])).toEqual({ engine: 'cascade', short: true, forceFakes: true, verbose: false, help: false });
    expect(() => parseFlags(['--fast'])).toThrow(UsageError);
  });

  it('takes --engine from its list of engines, cascade by default, and names the choices when it refuses one', () => {
    expect(parseFlags([]).engine).toBe('cascade');
    expect(parseFlags(['--engine', 'openai-realtime', '--short'])).toMatchObject({ engine: 'openai-realtime', short: true });
    expect(parseFlags(['--engine=openai-realtime']).engine).toBe('openai-realtime');
    expect(() => parseFlags(['--engine', 'gpt'])).toThrow(/unknown engine "gpt": one of cascade, openai-realtime/);
    expect(() => parseFlags(['--engine'])).toThrow(/--engine needs an engine name/);
    for (const engine of DEMO_ENGINES) expect(USAGE).toContain(engine.name);
  });
});

describe('demo audio and script', () => {
  it('reads a WAV streamed to stdout, whose header sizes are placeholders', () => {
    const samples = Int16Array.from([0, 1000, -1000, 32767, -32768]);
    const wav = Buffer.concat([streamedWavHeader(22050), Buffer.from(samples.buffer)]);
    const audio = parsePcmWav(wav);
    expect(audio.sampleRate).toBe(22050);
    expect(Array.from(audio.samples)).toEqual(Array.from(samples));
    expect(() => parsePcmWav(Buffer.from('not a wav file at all'))).toThrow(/not a WAV/);
  });

  it('scripts the fake model: each caller line gets its reply, the last one ends the call', () => {
    const script = conversationScript(false);
    expect(script.length).toBe(3);
    expect(replyFor(script, script[0]!.caller)).toEqual({ text: script[0]!.reply });
    expect(replyFor(script, script[2]!.caller.toUpperCase())).toMatchObject({ text: script[2]!.reply, toolCalls: [{ name: 'end_call' }] });
    expect(replyFor(script, 'something else')).toEqual({ text: 'Sorry, could you say that again?' });
  });

  it("turns the programs' JSON log lines into one plain line with their details", () => {
    const json = JSON.stringify({ level: 'error', time: '2026-01-01T00:00:00.000Z', service: 'media-gateway', provider: 'stt', reason: 'probe failed', msg: 'provider unavailable' });
    expect(plainLogLine(json)).toBe('error media-gateway: provider unavailable (provider=stt, reason=probe failed)');
    expect(plainLogLine(JSON.stringify({ level: 'warn', service: 'backend', err: { message: 'gone' }, msg: 'lost' }))).toBe('warn  backend: lost (err=gone)');
  });

  it('prints latencies in ms and n/a for a missing one', () => {
    expect(latencyText({ sttFinalMs: 12, llmFirstTokenMs: 30.4, ttsFirstAudioMs: null, voiceToVoiceMs: 52 })).toBe(
      'stt 12 ms · llm 30 ms · tts n/a · voice-to-voice 52 ms',
    );
    expect(latencyText({ sttFinalMs: 510, llmFirstTokenMs: 530, ttsFirstAudioMs: 531, voiceToVoiceMs: 534 }, REALTIME_LATENCY_LABELS)).toBe(
      'turn committed 510 ms · first words 530 ms · first audio 531 ms · voice-to-voice 534 ms',
    );
  });
});

/** Runs the demo with the fakes: provider keys are emptied (empty = not set, and it overrides a developer's .env). */
function runDemo(args: string[], databaseUrl: string, onStdout?: ChildRunOptions['onStdout']): Promise<ChildRun> {
  return runTsx(RUN, args, {
    env: { ...process.env, DEEPGRAM_API_KEY: '', OPENAI_API_KEY: '', DATABASE_URL: databaseUrl },
    timeoutMs: DEMO_TIMEOUT_MS,
    onStdout,
  });
}

/** Registers what a test leaves behind; the demo tests run concurrently, so each test cleans its own. */
type OnFinished = (cleanup: () => Promise<void>) => void;

async function freshDatabase(onFinished: OnFinished): Promise<TestDatabase> {
  const database = await createTestDatabase();
  onFinished(() => database.drop());
  return database;
}

/** The demo's temporary folder (it keeps the recordings there), removed after the test. */
function demoFolder(stdout: string, onFinished: OnFinished): string {
  const recordings = /recordings: (\S+) \(kept\)/.exec(stdout)?.[1];
  expect(recordings, 'the printed recordings folder').toBeDefined();
  const folder = dirname(recordings!);
  expect(basename(folder)).toMatch(/^prosaas-demo-/);
  onFinished(() => rm(folder, { recursive: true, force: true }));
  return folder;
}

// Concurrent: each run is a whole system waiting on real-time audio most of the time.
describe.concurrent('npm run demo', () => {
  it('holds the scripted conversation with the fakes, prints latencies, the call summary and the recording', async ({ onTestFinished }) => {
    const database = await freshDatabase(onTestFinished);
    const withEspeak = await espeakAvailable();
    const run = await runDemo(['--short'], database.url);
    const folder = demoFolder(run.stdout, onTestFinished);
    expect(run.code, run.stderr).toBe(0);

    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^Demo: simulated Asterisk \+ Deepgram\/OpenAI FAKES/);
    expect(run.stdout).toContain(withEspeak ? 'Caller voice: espeak-ng (en-us' : 'espeak-ng not found, so the caller plays a recorded voice');
    expect(run.stdout).toContain('Caller +15551230000 calls Demo Dental Clinic (+19863334949)');

    // Greeting, then each caller line followed by the agent's reply and its latencies.
    const script = conversationScript(true);
    const expected = [
      { line: '  agent : Thanks for calling Demo Dental Clinic! How can I help you today?', next: /greeting, synthesized for this first call: first audio \d+ ms/ },
      ...script.flatMap((exchange) => [
        { line: `  caller: ${exchange.caller}`, next: null },
        { line: `  agent : ${exchange.reply}`, next: LATENCIES },
      ]),
    ];
    let at = -1;
    for (const { line, next } of expected) {
      const index = lines.indexOf(line, at + 1);
      expect(index, `"${line}" after line ${at}`).toBeGreaterThan(at);
      if (next) expect(lines[index + 1]).toMatch(next);
      at = index;
    }

    expect(run.stdout).toMatch(/^Call completed in \d+\.\d s \(hangup: agent_hangup\)\.$/m);
    const recording = /^Recording: (\/\S+\.wav) /m.exec(run.stdout)?.[1];
    expect(recording).toBeDefined();
    expect(recording!.startsWith(join(folder, 'recordings'))).toBe(true);
    const wav = await readFile(recording!);
    expect(parseWavHeader(wav)).toMatchObject({ audioFormat: 1, channels: 2, sampleRate: 8000 });
    expect(wav.length).toBeGreaterThan(44 + 8000 * 2 * 2); // more than a second of audio
    // Only the recordings remain of the demo's temporary files.
    expect(await readdir(folder)).toEqual(['recordings']);
    // Plain text only: no JSON log lines, no failure.
    expect(run.stdout + run.stderr).not.toContain('{"level"');
    expect(run.stderr).not.toContain('Demo failed');
  }, DEMO_TIMEOUT_MS);

  const OTHER_ENGINES = [
    {
      engine: 'openai-realtime',
      what: 'through the Realtime fake',
      banner: /^Engine: openai-realtime, the OpenAI Realtime fake/m,
      latencies: REALTIME_LATENCIES,
    },
    {
      engine: 'self-hosted',
      what: 'through fakes of the transcription, chat and speech servers, no cloud key',
      banner: /^Engine: self-hosted, fakes of the transcription, chat and speech servers/m,
      latencies: LATENCIES,
    },
  ];

  it.for(OTHER_ENGINES)('--engine $engine: the same conversation $what, its latencies, the business put back', { timeout: DEMO_TIMEOUT_MS }, async ({ engine, banner, latencies }, { onTestFinished }) => {
    const database = await freshDatabase(onTestFinished);
    const run = await runDemo(['--short', '--engine', engine], database.url);
    demoFolder(run.stdout, onTestFinished);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(banner);

    const lines = run.stdout.split('\n');
    let at = lines.findIndex((line) => line.startsWith('  agent : Thanks for calling Demo Dental Clinic!'));
    expect(at, 'the greeting').toBeGreaterThan(0);
    for (const exchange of conversationScript(true)) {
      const caller = lines.indexOf(`  caller: ${exchange.caller}`, at + 1);
      const agent = lines.indexOf(`  agent : ${exchange.reply}`, caller + 1);
      expect(caller, exchange.caller).toBeGreaterThan(at);
      expect(agent, exchange.reply).toBeGreaterThan(caller);
      expect(lines[agent + 1]).toMatch(latencies);
      at = agent;
    }
    expect(run.stdout).toMatch(/^Call completed in \d+\.\d s \(hangup: agent_hangup\)\.$/m);
    expect(run.stderr).not.toContain('Demo failed');

    // The call was answered by the chosen engine; the seeded business is back on the cascade.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const calls = await client.query<{ engine: string; status: string }>('SELECT engine, status FROM call_logs');
      expect(calls.rows).toEqual([{ engine, status: 'completed' }]);
      const businesses = await client.query<{ engine: string }>('SELECT engine FROM businesses');
      expect(businesses.rows).toEqual([{ engine: 'cascade' }]);
    } finally {
      await client.end();
    }
  });

  it('on Ctrl-C mid-call stops everything, ends the call row and exits 130', async ({ onTestFinished }) => {
    const database = await freshDatabase(onTestFinished);
    let interrupted = false;
    const run = await runDemo(['--short'], database.url, (stdout, kill) => {
      if (!interrupted && stdout.includes('  caller: ')) {
        interrupted = true;
        kill('SIGINT');
      }
    });
    const folder = demoFolder(run.stdout, onTestFinished);
    expect(interrupted).toBe(true);
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toContain('Demo stopped: interrupted (SIGINT)');
    expect(run.stderr).toContain('Everything the demo started is stopped.');
    expect(await readdir(folder)).toEqual(['recordings']);

    // The backend ended the call on its way out: no row is left open.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ status: string }>('SELECT status FROM call_logs');
      expect(rows.length).toBe(1);
      expect(['ringing', 'answered']).not.toContain(rows[0]!.status);
    } finally {
      await client.end();
    }
  }, DEMO_TIMEOUT_MS);
});
