// Runs a program as a child process and collects its output and exit code.
import { spawn } from 'node:child_process';

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ChildRunOptions {
  /** The child's whole environment (nothing of this process's is added). */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the child's stdin, which is then closed (at once without it). */
  stdin?: string;
  /** The child is killed with SIGKILL after this long (default: no limit). */
  timeoutMs?: number;
  /** Called with all of stdout so far on every chunk; may signal the child. */
  onStdout?: (stdout: string, kill: (signal: NodeJS.Signals) => void) => void;
}

/** Resolves when the child has exited and its streams are closed; rejects if it cannot start. */
export function runChild(command: string, args: readonly string[], options: ChildRunOptions): Promise<ChildRun> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: 'pipe',
  });
  let stdout = '';
  let stderr = '';
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    options.onStdout?.(stdout, (signal) => child.kill(signal));
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs a TypeScript entry point with this Node and tsx. */
export function runTsx(script: string, args: readonly string[], options: ChildRunOptions): Promise<ChildRun> {
  return runChild(process.execPath, ['--import', 'tsx', script, ...args], options);
}
