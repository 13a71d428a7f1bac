// Runs a program to completion as a child process and collects its output and
// exit status: one-off commands (a CLI under test, espeak-ng, a script).
// Long-running programs the kit controls are in program-process.ts.
import { spawn } from 'node:child_process';
import { tsxArgs } from './typescript-entry.js';

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout as bytes (binary output such as a WAV file). */
  stdoutBytes: Buffer;
}

export interface ChildRunOptions {
  /** The child's whole environment (nothing of this process's is added). */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the child's stdin, which is then closed (at once without it). */
  stdin?: string;
  /** The child is killed with SIGKILL after this long (default: no limit). */
  timeoutMs?: number;
  /** Aborting kills the child with SIGKILL; the run still resolves with its exit. */
  signal?: AbortSignal;
  /** Called with all of stdout so far on every chunk; may signal the child. */
  onStdout?: (stdout: string, kill: (signal: NodeJS.Signals) => void) => void;
}

/** Resolves when the child has exited and its streams are closed; rejects if it cannot start (e.g. ENOENT). */
export function runChild(command: string, args: readonly string[], options: ChildRunOptions): Promise<ChildRun> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: 'pipe' });
  const chunks: Buffer[] = [];
  let stdout = '';
  let stderr = '';
  const kill = (): boolean => child.kill('SIGKILL');
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(kill, options.timeoutMs);
  options.signal?.addEventListener('abort', kill, { once: true });
  child.stdout.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    stdout += chunk.toString();
    options.onStdout?.(stdout, (signal) => child.kill(signal));
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // A child that exits without reading its stdin must not fail the run with EPIPE.
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.stdin ?? '');
  const release = (): void => {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', kill);
  };
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      release();
      reject(error);
    });
    child.once('close', (code, signal) => {
      release();
      resolve({ code, signal, stdout, stderr, stdoutBytes: Buffer.concat(chunks) });
    });
  });
}

/** Runs a TypeScript entry point (an absolute path) with this Node and tsx, from any working directory. */
export function runTsx(script: string, args: readonly string[], options: ChildRunOptions): Promise<ChildRun> {
  return runChild(process.execPath, tsxArgs(script, args), options);
}
