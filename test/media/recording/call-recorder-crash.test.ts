// The recorder in a real child process that dies (SIGKILL) or whose disk
// fails (a file size limit set with `ulimit -f`, so writes get EFBIG): the file
// left behind must always be a valid WAV, and a disk error must not throw.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseWavHeader, type ParsedWavHeader } from '../../../media/recording/wav.js';
import { parseJsonLine } from '../../kit/line-reader.js';
import { startProgram } from '../../kit/program-process.js';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const RECORDER_MODULE = new URL('../../../media/recording/call-recorder.ts', import.meta.url).href;
const LOGGER_MODULE = new URL('../../../media/logger.ts', import.meta.url).href;
const FRAME_BYTES = 160 * 4;
const FLUSH_EVERY_FRAMES = 25;
const CHILD_TIMEOUT_MS = 20_000;

// Frame n (from 1) holds n on the left and -n on the right in every sample, so
// the file shows which frames it kept and in what order.
const CHILD_SCRIPT = `
import { CallRecorder } from ${JSON.stringify(RECORDER_MODULE)};
import { createMediaLogger } from ${JSON.stringify(LOGGER_MODULE)};

const [mode, root] = process.argv.slice(2);
const logger = createMediaLogger('info', { write: (line) => void process.stderr.write(line) });
const recorder = await CallRecorder.open({
  root,
  businessId: '3f0c8a52-9d1e-4c6b-8f3a-2b7d9e1c4a60',
  callId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  startedAt: new Date(),
  sampleRate: 8000,
  logger,
  flushEveryFrames: ${FLUSH_EVERY_FRAMES},
});
let written = 0;
const writeFrames = (count) => {
  for (let i = 0; i < count; i += 1) {
    written += 1;
    recorder.writeFrame(new Int16Array(160).fill(written), new Int16Array(160).fill(-written));
  }
};
const tell = (message) => process.stdout.write(JSON.stringify(message) + '\\n');
const until = async (condition) => {
  const deadline = Date.now() + 10000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('child timed out');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
};

if (mode === 'idle') {
  // Two flushes reach the disk, then 10 frames wait in memory when the kill comes.
  writeFrames(50);
  await until(() => recorder.stats().bufferedFrames === 0);
  writeFrames(10);
  tell({ ready: true, path: recorder.path });
  setInterval(() => undefined, 60000);
} else if (mode === 'streaming') {
  // 250 times real time: a write is in flight most of the time.
  let told = false;
  setInterval(() => {
    writeFrames(5);
    if (!told && recorder.stats().dataBytes >= 100 * ${FRAME_BYTES}) {
      told = true;
      tell({ ready: true, path: recorder.path });
    }
  }, 1);
} else if (mode === 'disk-error') {
  writeFrames(${FLUSH_EVERY_FRAMES});
  await until(() => recorder.stats().writeErrorCode !== null);
  writeFrames(75);
  const report = await recorder.close();
  tell({ report, written });
}
`;

interface ChildRun {
  child: ChildProcess;
  /** Resolves with the first JSON line the child prints on stdout. */
  firstMessage: Promise<Record<string, unknown>>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

function startChild(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildRun {
  const program = startProgram('the recorder child', [command, ...args], { cwd: REPO_ROOT, env, keepOutput: true });
  const firstMessage = program.lines.next((line) => parseJsonLine(line) as Record<string, unknown> | null, CHILD_TIMEOUT_MS, 'its first message');
  return { child: program.child, firstMessage, exit: program.exited, stderr: () => program.output() };
}

async function readWav(path: string): Promise<{ header: ParsedWavHeader; bytes: Buffer }> {
  const bytes = await readFile(path);
  return { header: parseWavHeader(bytes), bytes };
}

/** Frames 1..n in order, caller = n and agent = -n in every sample. */
function expectSequentialFrames(bytes: Buffer, dataBytes: number): void {
  const frames = dataBytes / FRAME_BYTES;
  for (let frame = 0; frame < frames; frame += 1) {
    const start = 44 + frame * FRAME_BYTES;
    for (let offset = 0; offset < FRAME_BYTES; offset += 4) {
      const left = bytes.readInt16LE(start + offset);
      const right = bytes.readInt16LE(start + offset + 2);
      if (left !== frame + 1 || right !== -(frame + 1)) {
        throw new Error(`frame ${frame} byte ${offset}: got L=${left} R=${right}`);
      }
    }
  }
}

describe('CallRecorder in a process that dies or whose disk fails', () => {
  let root: string;
  let scriptPath: string;
  const children: ChildProcess[] = [];

  const nodeArgs = (mode: string) => ['--import', 'tsx', scriptPath, mode, root];

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'media-recording-crash-'));
    scriptPath = join(root, 'recorder-child.mts');
    await writeFile(scriptPath, CHILD_SCRIPT);
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await rm(root, { recursive: true, force: true });
  });

  it('leaves a valid WAV with everything flushed before a SIGKILL', async () => {
    const run = startChild(process.execPath, nodeArgs('idle'));
    children.push(run.child);
    const message = await run.firstMessage;
    run.child.kill('SIGKILL');
    expect(await run.exit).toEqual({ code: null, signal: 'SIGKILL' });

    const { header, bytes } = await readWav(String(message.path));
    expect(header).toMatchObject({ channels: 2, sampleRate: 8000, bitsPerSample: 16, blockAlign: 4 });
    expect(header.dataBytes).toBeGreaterThan(0);
    expect(header.dataBytes).toBe(bytes.length - 44);
    expect(header.riffBytes).toBe(bytes.length - 8);
    // The 50 flushed frames; the 10 still in memory died with the process.
    expect(header.dataBytes).toBe(50 * FRAME_BYTES);
    expectSequentialFrames(bytes, header.dataBytes);
  });

  it('leaves a valid WAV when killed in the middle of writing', async () => {
    const run = startChild(process.execPath, nodeArgs('streaming'));
    children.push(run.child);
    const message = await run.firstMessage;
    run.child.kill('SIGKILL');
    expect((await run.exit).signal).toBe('SIGKILL');

    const { header, bytes } = await readWav(String(message.path));
    expect(header.dataBytes).toBeGreaterThanOrEqual(100 * FRAME_BYTES);
    expect(header.dataBytes % (FLUSH_EVERY_FRAMES * FRAME_BYTES)).toBe(0);
    expect(header.riffBytes).toBe(36 + header.dataBytes);
    // A kill between a data write and its header update leaves at most that write's bytes after the data chunk.
    expect(bytes.length - 44 - header.dataBytes).toBeGreaterThanOrEqual(0);
    expect(bytes.length - 44 - header.dataBytes).toBeLessThanOrEqual(FLUSH_EVERY_FRAMES * FRAME_BYTES);
    expectSequentialFrames(bytes, header.dataBytes);
  });

  it('reports a disk error instead of throwing and keeps the file valid', async () => {
    // `ulimit -f 8` caps files at 4 KiB (dash, 512-byte blocks) or 8 KiB (bash);
    // Node ignores SIGXFSZ, so a write past the cap fails with EFBIG.
    const run = startChild('/bin/sh', ['-c', 'ulimit -f 8 && exec "$@"', 'sh', process.execPath, ...nodeArgs('disk-error')], {
      ...process.env,
      TSX_DISABLE_CACHE: '1',
    });
    children.push(run.child);
    const message = (await run.firstMessage) as {
      report: { path: string; durationMs: number; droppedFrames: number; writeErrorCode: string | null };
      written: number;
    };
    expect(await run.exit).toEqual({ code: 0, signal: null });

    const { report, written } = message;
    expect(written).toBe(100);
    expect(report.writeErrorCode).toBe('EFBIG');
    const { header, bytes } = await readWav(report.path);
    expect(header.dataBytes).toBeGreaterThan(0);
    expect(header.dataBytes).toBeLessThanOrEqual(8192 - 44);
    expect(header.dataBytes).toBe(bytes.length - 44);
    expect(header.dataBytes % 4).toBe(0);
    expect(report.durationMs).toBe(Math.floor(header.dataBytes / 32));
    expect(report.droppedFrames).toBe(written - Math.floor(header.dataBytes / FRAME_BYTES));
    const errors = run
      .stderr()
      .split('\n')
      .filter((line) => line.includes('recording write failed'));
    expect(errors).toHaveLength(1);
    expect(JSON.parse(errors[0]!)).toMatchObject({ level: 'error', err: { code: 'EFBIG' } });
  });
});
