// The factory's stdout destination in a real process: a log call never waits
// for stdout (a reader that stops reading does not stop the event loop), and
// every line written before the program exits reaches stdout, in order, on each
// way out the programs take (exitAfterLogs).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../kit/wait.js';

const LOGGING_MODULE = new URL('../../../media/contract/logging.ts', import.meta.url).href;
/** About 5 MB of lines: far more than a pipe holds. */
const LINES = 20_000;
const CHILD_TIMEOUT_MS = 20_000;

const CHILD_SCRIPT = `
import { writeSync } from 'node:fs';
import { createLogger, exitAfterLogs } from ${JSON.stringify(LOGGING_MODULE)};

const mode = process.argv[2];
const logger = createLogger({ service: 'child', level: 'info', redactPii: false });
// stderr, written synchronously: the parent follows the child's progress there.
const tell = (message) => writeSync(2, message + '\\n');
const burst = () => {
  for (let i = 0; i < ${LINES}; i += 1) logger.info({ i, pad: 'x'.repeat(200) }, 'line');
};

if (mode === 'exit') {
  burst();
  await exitAfterLogs(0);
} else if (mode === 'fatal') {
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'crashed');
    void exitAfterLogs(1);
  });
  burst();
  setImmediate(() => {
    throw new Error('boom');
  });
} else if (mode === 'sigterm') {
  process.on('SIGTERM', () => {
    logger.info('stopping');
    void exitAfterLogs(0);
  });
  burst();
  tell('ready');
  setInterval(() => undefined, 60_000);
} else if (mode === 'unread') {
  burst();
  tell('returned');
  // The event loop still turns while nobody reads stdout.
  setTimeout(() => tell('timer fired'), 1);
  process.stdin.resume();
  process.stdin.on('end', () => void exitAfterLogs(0));
}
`;

interface Child {
  stdout(): string;
  stderr(): string;
  /** Starts reading stdout (not read until then). */
  readStdout(): void;
  endStdin(): void;
  signal(signal: NodeJS.Signals): void;
  exit: Promise<number | null>;
}

let root: string;
const running: (() => void)[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'logging-process-'));
  await writeFile(join(root, 'child.mts'), CHILD_SCRIPT);
});
afterEach(async () => {
  for (const kill of running.splice(0)) kill();
  await rm(root, { recursive: true, force: true });
});

function startChild(mode: string, options: { readStdout: boolean }): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'child.mts'), mode], { stdio: 'pipe' });
  running.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => void (stderr += text));
  const readStdout = () => void child.stdout.setEncoding('utf8').on('data', (text: string) => void (stdout += text));
  if (options.readStdout) readStdout();
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    readStdout,
    endStdin: () => child.stdin.end(),
    signal: (signal) => child.kill(signal),
    exit,
  };
}

/** Every burst line, in order, and then the lines after it. */
function expectAllLines(stdout: string, after: string[] = []): void {
  const entries = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { msg: string; i?: number });
  const burst = entries.filter((entry) => entry.msg === 'line');
  expect(burst).toHaveLength(LINES);
  expect(burst.every((entry, index) => entry.i === index)).toBe(true);
  expect(entries.slice(LINES).map((entry) => entry.msg)).toEqual(after);
}

describe('the log destination', () => {
  it('never makes a log call wait for stdout: the event loop runs while nobody reads', async () => {
    const child = startChild('unread', { readStdout: false });
    // A synchronous destination would block in the burst once the pipe is full.
    await waitUntil(() => child.stderr().includes('timer fired'), { timeoutMs: CHILD_TIMEOUT_MS, what: 'the child timer' });
    expect(child.stdout()).toBe('');
    child.readStdout();
    child.endStdin();
    expect(await child.exit).toBe(0);
    expectAllLines(child.stdout());
  }, CHILD_TIMEOUT_MS * 2);

  it('writes every line before exiting', async () => {
    const child = startChild('exit', { readStdout: true });
    expect(await child.exit).toBe(0);
    expectAllLines(child.stdout());
  }, CHILD_TIMEOUT_MS);

  it('writes every line and the fatal one after an uncaught exception', async () => {
    const child = startChild('fatal', { readStdout: true });
    expect(await child.exit).toBe(1);
    expectAllLines(child.stdout(), ['crashed']);
    expect(child.stdout()).toContain('"message":"boom"');
  }, CHILD_TIMEOUT_MS);

  it('writes every line on the SIGTERM path', async () => {
    const child = startChild('sigterm', { readStdout: true });
    await waitUntil(() => child.stderr().includes('ready'), { timeoutMs: CHILD_TIMEOUT_MS, what: 'the child to log its burst' });
    child.signal('SIGTERM');
    expect(await child.exit).toBe(0);
    expectAllLines(child.stdout(), ['stopping']);
  }, CHILD_TIMEOUT_MS);
});
