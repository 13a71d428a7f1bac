import { chmod, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stageTree } from '../../../src/db/embedded-staging.js';

const logger = pino({ level: 'silent' });
let base: string;
let source: string;
let cacheDir: string;

/** A small installation-like tree: bin/, lib/ with a versioned library and its link. */
async function makeSource(dir: string): Promise<void> {
  await mkdir(join(dir, 'bin'), { recursive: true });
  await mkdir(join(dir, 'lib', 'nested'), { recursive: true });
  await writeFile(join(dir, 'bin', 'tool'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
  await writeFile(join(dir, 'lib', 'libthing.so.1.2'), Buffer.alloc(4096, 7), { mode: 0o644 });
  await symlink('libthing.so.1.2', join(dir, 'lib', 'libthing.so.1'));
  await writeFile(join(dir, 'lib', 'nested', 'data.txt'), 'data', { mode: 0o644 });
}

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'embedded-staging-test-'));
  source = join(base, 'source');
  cacheDir = join(base, 'cache');
  await makeSource(source);
  await mkdir(cacheDir);
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function placedFolders(): Promise<string[]> {
  return (await readdir(cacheDir)).sort();
}

describe('stageTree', () => {
  it('links our files into a folder named by version and content, then finds it intact', async () => {
    const first = await stageTree({ source, cacheDir, name: 'pkg-1.0', logger });
    expect(first.created).toBe(true);
    expect(first.dir).toMatch(/\/pkg-1\.0-[0-9a-f]{16}$/);
    const [sourceTool, placedTool] = await Promise.all([
      stat(join(source, 'bin', 'tool')),
      stat(join(first.dir, 'bin', 'tool')),
    ]);
    expect(placedTool.ino).toBe(sourceTool.ino);
    expect(await readlink(join(first.dir, 'lib', 'libthing.so.1'))).toBe('libthing.so.1.2');
    expect(await readFile(join(first.dir, 'lib', 'nested', 'data.txt'), 'utf8')).toBe('data');
    expect((await stat(join(first.dir, 'lib'))).mode & 0o777).toBe(0o755);

    const second = await stageTree({ source, cacheDir, name: 'pkg-1.0', logger });
    expect(second).toEqual({ dir: first.dir, created: false });
    expect(await placedFolders()).toEqual([first.dir.slice(cacheDir.length + 1)]);
  });

  it('copies, and does not link, a file others may write to', async () => {
    await chmod(join(source, 'lib', 'nested', 'data.txt'), 0o666);
    const { dir } = await stageTree({ source, cacheDir, name: 'pkg', logger });
    const [sourceData, placedData] = await Promise.all([
      stat(join(source, 'lib', 'nested', 'data.txt')),
      stat(join(dir, 'lib', 'nested', 'data.txt')),
    ]);
    expect(placedData.ino).not.toBe(sourceData.ino);
    expect(placedData.mode & 0o777).toBe(0o644);
    expect(await readFile(join(dir, 'lib', 'nested', 'data.txt'), 'utf8')).toBe('data');
  });

  it('places the tree again when a file of the copy went missing or changed size', async () => {
    const { dir } = await stageTree({ source, cacheDir, name: 'pkg', logger });
    await rm(join(dir, 'lib', 'libthing.so.1.2'));
    await writeFile(join(dir, 'lib', 'libthing.so.1.2'), 'short');

    const again = await stageTree({ source, cacheDir, name: 'pkg', logger });
    expect(again).toEqual({ dir, created: true });
    expect((await readFile(join(dir, 'lib', 'libthing.so.1.2'))).length).toBe(4096);
    expect(await placedFolders()).toEqual([dir.slice(cacheDir.length + 1)]);
  });

  it('places a new folder when the source content changes, and keeps the old one', async () => {
    const before = await stageTree({ source, cacheDir, name: 'pkg', logger });
    await writeFile(join(source, 'lib', 'nested', 'data.txt'), 'other data');
    const after = await stageTree({ source, cacheDir, name: 'pkg', logger });
    expect(after.created).toBe(true);
    expect(after.dir).not.toBe(before.dir);
    expect(await readFile(join(after.dir, 'lib', 'nested', 'data.txt'), 'utf8')).toBe('other data');
    expect((await placedFolders()).length).toBe(2);
  });

  it('lets concurrent callers share one copy and leaves no partial folder', async () => {
    const results = await Promise.all([1, 2, 3].map(() => stageTree({ source, cacheDir, name: 'pkg', logger })));
    expect(new Set(results.map((result) => result.dir)).size).toBe(1);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(await placedFolders()).toEqual([results[0]!.dir.slice(cacheDir.length + 1)]);
  });
});
