#!/usr/bin/env node
// Compiles the backend and the media gateway with tsc into dist/, in the
// repository's layout (dist/src/main.js, dist/media/main.js), then copies the
// files the backend reads at run time through import.meta.url to the same
// place under dist/ (the console's static files, the SQL migrations), so
// every path that works from src/ works from dist/.
//
//   node scripts/build.mjs [backend|media-gateway] [--out-dir DIR]
//
// Without a program, both are built (npm run build). The output folder (dist
// unless told) is emptied first: nothing compiled from a deleted source stays.
// It must be inside the project, where the compiled modules find node_modules
// and package.json's "type": "module".
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const PROGRAMS = {
  backend: {
    config: 'tsconfig.build.backend.json',
    assets: ['src/console/assets', 'src/staff/common-passwords.txt', 'prisma/migrations'],
    needs: [['src/db/generated/client.ts', 'the Prisma client is not generated: run npm run db:generate']],
  },
  'media-gateway': { config: 'tsconfig.build.media.json', assets: [], needs: [] },
};
const BOTH = { config: 'tsconfig.build.json', assets: PROGRAMS.backend.assets, needs: PROGRAMS.backend.needs };
const USAGE = 'usage: node scripts/build.mjs [backend|media-gateway] [--out-dir DIR]';

function fail(message) {
  process.stderr.write(`build: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  let program = null;
  let outDir = 'dist';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out-dir') outDir = argv[++i] ?? fail(USAGE);
    else if (Object.hasOwn(PROGRAMS, arg) && program === null) program = arg;
    else fail(`unexpected argument ${arg}\n${USAGE}`);
  }
  return { program, outDir };
}

/** Only a folder of build output may be emptied: dist/ or one under test-output/. */
function checkedOutDir(outDir) {
  const path = resolve(root, outDir);
  const inside = relative(root, path);
  if (isAbsolute(inside) || !(inside === 'dist' || inside.startsWith(`dist/`) || inside.startsWith('test-output/'))) {
    fail(`--out-dir must be dist or a folder under test-output/, got ${outDir}`);
  }
  return path;
}

const { program, outDir } = parseArgs(process.argv.slice(2));
const target = program === null ? BOTH : PROGRAMS[program];
const out = checkedOutDir(outDir);
for (const [path, message] of target.needs) if (!existsSync(join(root, path))) fail(message);

rmSync(out, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, target.config), '--outDir', out], { cwd: root, stdio: 'inherit' });
if (compiled.status !== 0) fail(`tsc failed (${compiled.signal ?? `exit ${compiled.status}`})`);
for (const asset of target.assets) cpSync(join(root, asset), join(out, asset), { recursive: true });
process.stdout.write(`built ${program ?? 'backend and media-gateway'} into ${relative(root, out)}\n`);
