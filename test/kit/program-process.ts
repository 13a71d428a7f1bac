// A long-running child process the kit controls: a program under test, a load
// generator. Its stdout is read line by line, the last lines of its stderr are
// kept for error messages (all of its output with `keepOutput`), and it is
// stopped with SIGTERM, then SIGKILL after a grace period. A child still
// running when this process exits (an uncaught error, Ctrl-C) is killed then,
// so no program outlives whoever started it.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';
import { LineReader } from './line-reader.js';

export interface ProgramOptions {
  readonly cwd?: string;
  /** The child's whole environment (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Keep everything the program writes (stdout and stderr, in order) for `output()`; default false. */
  readonly keepOutput?: boolean;
}

export interface ProgramExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ProgramProcess {
  readonly what: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** stdout, line by line. */
  readonly lines: LineReader;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ProgramExit>;
  /** True until the process exits. */
  running(): boolean;
  /** The last lines the program wrote to stderr. */
  stderrTail(): string;
  /** Everything it wrote, with `keepOutput`; '' without. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. Idempotent. */
  stop(graceMs: number): Promise<ProgramExit>;
}

const STDERR_TAIL_LINES = 20;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killOnExit(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const running of live) running.kill('SIGKILL');
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** Starts `argv[0]` with the rest as arguments. Throws at once when it cannot be started. */
export function startProgram(what: string, argv: readonly string[], options: ProgramOptions = {}): ProgramProcess {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error(`no command for ${what}`);
  const spawnOptions: SpawnOptions = { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] };
  const child = spawn(command, args, spawnOptions);
  const tail: string[] = [];
  let output = '';
  // A spawn failure (e.g. ENOENT) is emitted as 'error'; without a listener it would crash this process.
  child.on('error', (error) => tail.push(`cannot run ${command}: ${error.message}`));
  if (child.pid === undefined) throw new Error(`cannot start ${what} (${command})`);
  killOnExit(child);
  child.stdin!.on('error', () => undefined);
  const exited = new Promise<ProgramExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  createInterface({ input: child.stderr! }).on('line', (line) => {
    tail.push(line);
    if (tail.length > STDERR_TAIL_LINES) tail.shift();
    if (options.keepOutput) output += `${line}\n`;
  });
  if (options.keepOutput) child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stderrTail = (): string => tail.join('\n');
  let stopping: Promise<ProgramExit> | null = null;
  return {
    what,
    child,
    pid: child.pid,
    lines: new LineReader(child.stdout!, what, stderrTail),
    exited,
    running: () => child.exitCode === null && child.signalCode === null,
    stderrTail,
    output: () => output,
    stop: (graceMs) => {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          const exit = await exited;
          clearTimeout(timer);
          return exit;
        }
        return exited;
      })();
      return stopping;
    },
  };
}
