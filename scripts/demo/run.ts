// `npm run demo`: one AI phone call, end to end, on this machine with no
// Asterisk. A simulated Asterisk (the ARI fake, real sockets) brings a
// simulated caller who speaks a short script to the real backend and media
// gateway, with PostgreSQL embedded (or DATABASE_URL) and the real Deepgram and
// OpenAI services when their keys are set, else fakes of both. The business
// answers with the conversation engine of `--engine` (demo-engines.ts). Prints the
// conversation with the latencies the backend stored, then the call's summary
// and where its recording is. Exit 0 on success, 1 on failure, 130 on Ctrl-C.
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CleanupStack } from '../../test/kit/cleanup-stack.js';
import { startScratchDatabase } from '../../test/kit/scratch-database.js';
import { startSystem } from '../../test/kit/system.js';
import { prepareCallerVoice } from './caller-voice.js';
import { conversationScript } from './conversation-script.js';
import { demoBusiness } from './demo-business.js';
import { useEngine } from './business-engine.js';
import type { DemoEngine } from './demo-engine.js';
import { findDemoEngine } from './demo-engines.js';
import { chooseProviders, parseFlags, readSettings, USAGE, UsageError, type DemoFlags, type ProviderChoice } from './demo-options.js';
import { createProgramLogs, type ProgramLogs } from './program-logs.js';
import { waitUntilReady } from './readiness.js';
import { callSummary, recordingLine, secondsText } from './report-format.js';
import { runSimulatedCall } from './simulated-call.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The whole demo, start-up included; it normally takes well under a minute. */
const DEMO_DEADLINE_MS = 120_000;
const EXIT_INTERRUPTED = 130;

class InterruptedError extends Error {
  constructor(signal: NodeJS.Signals) {
    super(`interrupted (${signal})`);
    this.name = 'InterruptedError';
  }
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function printError(line: string): void {
  process.stderr.write(`${line}\n`);
}

function banner(choice: ProviderChoice): string[] {
  if (choice.kind === 'real') return ['Demo: simulated Asterisk + the REAL Deepgram and OpenAI services (DEEPGRAM_API_KEY and OPENAI_API_KEY are set)'];
  const why = choice.why === 'forced' ? '--fakes' : 'set DEEPGRAM_API_KEY and OPENAI_API_KEY for the real services';
  return [
    `Demo: simulated Asterisk + Deepgram/OpenAI FAKES (${why})`,
    'The fakes answer at once, so the latencies shown are those of the system itself (endpointing, queues, sockets).',
  ];
}

async function runDemo(flags: DemoFlags, logs: ProgramLogs, cleanup: CleanupStack, signal: AbortSignal): Promise<void> {
  const settings = readSettings(process.env, join(PROJECT_ROOT, '.env'));
  const providers = chooseProviders(settings, flags.forceFakes);
  const engine: DemoEngine | null = findDemoEngine(flags.engine);
  if (!engine) throw new UsageError(`unknown engine "${flags.engine}"`);
  for (const line of banner(providers)) print(line);

  const script = conversationScript(flags.short);
  const voice = await prepareCallerVoice(
    script.map((exchange) => exchange.caller),
    { requireEspeak: providers.kind === 'real' },
  );
  print(voice.description);
  signal.throwIfAborted();

  const startedAt = performance.now();
  print(`Starting ${settings.DATABASE_URL ? 'the backend' : 'PostgreSQL (embedded), the backend'} and the media gateway...`);
  // Everything the demo writes goes in here; only the recordings are kept.
  const root = await mkdtemp(join(tmpdir(), 'prosaas-demo-'));
  // As root the embedded server runs as the postgres user, which must be able to enter the folder.
  await chmod(root, 0o755);
  const database = await startScratchDatabase({ databaseUrl: settings.DATABASE_URL, embeddedDir: join(root, 'postgres') });
  cleanup.add('PostgreSQL', () => database.close());
  signal.throwIfAborted();
  const engineRun = await engine.start({ providers, script, cleanup });
  print(`Engine: ${engine.name}, ${engineRun.description}`);
  signal.throwIfAborted();
  const system = await startSystem({
    database,
    agent: 'ai',
    providers: providers.kind === 'real' ? providers : { kind: 'fakes' },
    gatewayEnv: engineRun.gatewayEnv,
    loggers: { backend: logs.backend, gateway: logs.gateway },
    recordingsDir: join(root, 'recordings'),
    tempRoot: root,
    signal,
  });
  // The system closes the database when it stops.
  cleanup.add('the backend, the media gateway and the simulated Asterisk', () => system.stop());
  const expectCallerLine = providers.kind === 'fakes' ? engineRun.scriptFakes(system.providers) : null;
  await waitUntilReady(system, signal);
  print(`Ready in ${secondsText(performance.now() - startedAt)}`);
  print(`  database  : ${database.description}`);
  print(`  recordings: ${system.recordingsDir} (kept)`);
  print('');

  const business = await demoBusiness(system.db.prisma);
  const restoreEngine = await useEngine(system.db.prisma, business.id, engine);
  if (restoreEngine) cleanup.add(`the engine of ${business.name}`, restoreEngine);
  const result = await runSimulatedCall({
    asterisk: system.asterisk,
    prisma: system.db.prisma,
    recordingsDir: system.recordingsDir,
    business,
    script,
    voice,
    expectCallerLine,
    showHeard: providers.kind === 'real',
    latencyLabels: engine.latencyLabels,
    print,
    signal,
  });
  print('');
  print(callSummary(result.call));
  if (result.call.failure) print(`The call reported a provider failure (${result.call.failureProvider ?? 'unknown'}): ${result.call.failure}`);
  print(recordingLine(result.recording.path, result.recording));
  if (result.call.status !== 'completed') throw new Error(`the call ended "${result.call.status}"${result.call.error ? `: ${result.call.error}` : ''}`);
}

async function main(argv: readonly string[]): Promise<number> {
  let flags: DemoFlags;
  try {
    flags = parseFlags(argv);
  } catch (error) {
    printError(error instanceof UsageError ? error.message : String(error));
    return 1;
  }
  if (flags.help) {
    print(USAGE);
    return 0;
  }

  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      printError(`${signal} again: exiting without cleaning up`);
      process.exit(EXIT_INTERRUPTED);
    }
    printError(`\n${signal}: stopping everything the demo started...`);
    controller.abort(new InterruptedError(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const deadline = setTimeout(
    () => controller.abort(new Error(`the demo did not finish within ${DEMO_DEADLINE_MS / 1000} s`)),
    DEMO_DEADLINE_MS,
  );

  const cleanup = new CleanupStack();
  const logs = createProgramLogs({ verbose: flags.verbose, write: printError });
  let exitCode = 0;
  try {
    await runDemo(flags, logs, cleanup, controller.signal);
  } catch (error) {
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : error;
    const interrupted = reason instanceof InterruptedError;
    exitCode = interrupted ? EXIT_INTERRUPTED : 1;
    printError(`Demo ${interrupted ? 'stopped' : 'failed'}: ${reason instanceof Error ? reason.message : String(reason)}`);
    const warnings = logs.lines();
    if (!interrupted && warnings.length > 0 && !flags.verbose) {
      printError('Last warnings from the backend and the media gateway:');
      for (const line of warnings) printError(`  ${line}`);
    }
  } finally {
    clearTimeout(deadline);
    const failures = await cleanup.releaseAll();
    for (const failure of failures) printError(failure);
    if (exitCode === EXIT_INTERRUPTED && failures.length === 0) printError('Everything the demo started is stopped.');
  }
  return exitCode;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    printError(`Demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
