// Starts the media thread's Worker. From compiled JavaScript (dist/) the entry
// is loaded as is; from TypeScript sources (tests, `npm run dev:media`) the
// worker first registers tsx's loader, which Node does not pass on to a
// worker thread by itself.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { MediaThreadData } from './media-thread-protocol.js';

export function spawnMediaThread(data: MediaThreadData): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSources ? './media-thread-entry.ts' : './media-thread-entry.js', import.meta.url);
  // The media thread logs through the main thread (thread-logger.ts): its own stdout/stderr stay unused.
  const options = { workerData: data, name: 'media', stdout: false, stderr: false } as const;
  if (!fromSources) return new Worker(entry, options);
  // Node 20 applies neither `--import tsx` nor hooks registered by its parent to a worker thread:
  // the worker imports the entry through tsx's own API (the ESM build, next to the CommonJS one require finds).
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => tsx.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(entry.href)}));`;
  return new Worker(bootstrap, { ...options, eval: true });
}
