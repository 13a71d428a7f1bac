// How a TypeScript entry point runs as its own Node process: this Node with
// tsx's loader given as a file URL, so that it resolves from any working
// directory (programs under test run in an empty temporary one, where no
// developer `.env` is read and no node_modules is found).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

let loaderUrl: string | null = null;

/** tsx's ESM loader as a file URL. */
export function tsxLoaderUrl(): string {
  loaderUrl ??= pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return loaderUrl;
}

/** Node arguments that run `script` (an absolute path) with tsx, then `args`. */
export function tsxArgs(script: string, args: readonly string[] = []): string[] {
  return ['--import', tsxLoaderUrl(), script, ...args];
}
