// Starts the media thread's Worker. From compiled JavaScript (dist/) the entry
// is loaded as is. From TypeScript sources (tests, `npm run dev:media`) Node 20
// applies neither `--import tsx` nor hooks registered by its parent to a
// worker thread, and loading the entry through tsx inside each worker costs
// about a second per start: the entry's module graph (our sources only) is
// bundled once per process with esbuild, which tsx brings along, into
// node_modules/.cache, where its package imports resolve as usual.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { MediaThreadData } from './media-thread-protocol.js';

interface EsbuildApi {
  buildSync(options: Record<string, unknown>): { outputFiles: { contents: Uint8Array }[] };
}

let bundledEntry: string | null = null;

export function spawnMediaThread(data: MediaThreadData): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  // The media thread logs through the main thread (thread-logger.ts): its own stdout/stderr stay unused.
  const options = { workerData: data, name: 'media', stdout: false, stderr: false } as const;
  if (!fromSources) return new Worker(new URL('./media-thread-entry.js', import.meta.url), options);
  bundledEntry ??= bundleEntry(fileURLToPath(new URL('./media-thread-entry.ts', import.meta.url)));
  return new Worker(bundledEntry, options);
}

function bundleEntry(entry: string): string {
  // esbuild as tsx resolves it: tsx is a development dependency, present wherever the sources
  // can run; the compiled program (the images) never comes here.
  const esbuild = createRequire(createRequire(import.meta.url).resolve('tsx'))('esbuild') as EsbuildApi;
  const built = esbuild.buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', packages: 'external', target: 'node20', write: false });
  const dir = join(fileURLToPath(new URL('../../node_modules/.cache/media-thread/', import.meta.url)));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `entry-${process.pid}.mjs`);
  writeFileSync(file, built.outputFiles[0]!.contents);
  process.once('exit', () => rmSync(file, { force: true }));
  return file;
}
