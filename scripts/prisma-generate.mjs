#!/usr/bin/env node
// Generates the Prisma client (src/db/generated) from prisma/schema.prisma.
// The Prisma CLI downloads a schema-engine binary for every command unless
// PRISMA_SCHEMA_ENGINE_BINARY names an existing file. `generate` never runs that
// engine, so any existing file satisfies the check and keeps this step offline.
// In a production install (no dev dependencies) the CLI is absent: the client was
// generated at build time, so this step is skipped.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
let cli;
try {
  cli = require.resolve('prisma/build/index.js', { paths: [root] });
} catch {
  process.stdout.write('prisma CLI not installed; skipping client generation\n');
  process.exit(0);
}
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = fileURLToPath(import.meta.url);
}
const result = spawnSync(process.execPath, [cli, 'generate'], { cwd: root, env, stdio: 'inherit' });
process.exit(result.status ?? 1);
