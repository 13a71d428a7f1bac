#!/usr/bin/env node
// Runs one of the backend's command-line tools (npm run admin, db:migrate,
// db:seed) in this process: from source through tsx where tsx is installed (a
// development checkout: no build needed), else the compiled module in dist/
// (the backend image, which ships no tsx).
//
//   node scripts/run-entry.mjs src/admin/cli [arguments...]
//
// The tool reads its own arguments from process.argv[2] on, as when started
// directly.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ENTRIES = new Set(['src/admin/cli', 'src/db/cli']);
const root = fileURLToPath(new URL('..', import.meta.url));

const entry = process.argv[2];
if (entry === undefined || !ENTRIES.has(entry)) {
  process.stderr.write(`usage: node scripts/run-entry.mjs <${[...ENTRIES].join('|')}> [arguments...]\n`);
  process.exit(2);
}
process.argv.splice(2, 1);

/** tsx's loader API, or null where tsx is not installed (a production install). */
async function tsxApi() {
  try {
    return await import('tsx/esm/api');
  } catch (error) {
    if (error?.code === 'ERR_MODULE_NOT_FOUND' && /'tsx'|tsx\//.test(String(error.message))) return null;
    throw error;
  }
}

const tsx = await tsxApi();
if (tsx !== null) {
  tsx.register();
  await import(pathToFileURL(join(root, `${entry}.ts`)).href);
} else {
  const compiled = join(root, 'dist', `${entry}.js`);
  if (!existsSync(compiled)) {
    process.stderr.write(`${compiled} does not exist and tsx is not installed: run npm run build (or npm ci for a development install)\n`);
    process.exit(1);
  }
  await import(pathToFileURL(compiled).href);
}
