import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AsyncLogDestination } from '../../../media/contract/log-destination.js';

let dir: string;
let path: string;
let fd: number;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'log-destination-'));
  path = join(dir, 'out.log');
  fd = openSync(path, 'a');
});
afterEach(async () => {
  closeSync(fd);
  await rm(dir, { recursive: true, force: true });
});

const line = (i: number, pad = 0) => `${JSON.stringify({ i, pad: 'x'.repeat(pad) })}\n`;
const written = () =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((text) => JSON.parse(text) as { i?: number; msg?: string; droppedLines?: number });

describe('AsyncLogDestination', () => {
  it('writes lines in order and flush() resolves once all are written', async () => {
    const destination = new AsyncLogDestination({ fd });
    for (let i = 0; i < 5_000; i += 1) destination.write(line(i));
    await destination.flush();
    expect(written().map((entry) => entry.i)).toEqual(Array.from({ length: 5_000 }, (_, i) => i));
    await destination.flush();
  });

  it('drops lines beyond its bound instead of growing, and says how many once it drains', async () => {
    const destination = new AsyncLogDestination({ fd, maxQueuedBytes: 2_000 });
    // One write is in flight from the first line on; the rest must wait in the bounded queue.
    for (let i = 0; i < 100; i += 1) destination.write(line(i, 80));
    const dropped = destination.droppedLines;
    expect(dropped).toBeGreaterThan(50);
    await destination.flush();
    const entries = written();
    expect(entries.filter((entry) => entry.i !== undefined)).toHaveLength(100 - dropped);
    expect(entries.at(-1)).toMatchObject({ level: 'warn', droppedLines: dropped, msg: 'log lines dropped: stdout did not keep up' });
    expect(destination.droppedLines).toBe(0);
  });

  it('flushSync() writes everything still queued without the event loop', async () => {
    const destination = new AsyncLogDestination({ fd });
    for (let i = 0; i < 2_000; i += 1) destination.write(line(i));
    destination.flushSync();
    // The first line went to the thread pool before flushSync; it is not repeated.
    await destination.flush();
    expect(new Set(written().map((entry) => entry.i))).toEqual(new Set(Array.from({ length: 2_000 }, (_, i) => i)));
  });

  it('gives up on a descriptor that refuses writes, without throwing or waiting', async () => {
    const readOnly = openSync(path, 'r');
    try {
      const destination = new AsyncLogDestination({ fd: readOnly });
      destination.write(line(1));
      await destination.flush();
      expect(() => destination.write(line(2))).not.toThrow();
      destination.flushSync();
      await destination.flush();
      expect(readFileSync(path, 'utf8')).toBe('');
    } finally {
      closeSync(readOnly);
    }
  });
});
