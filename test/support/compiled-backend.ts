// The backend's modules compiled once to JavaScript, for tests that start one of
// its command-line tools many times (npm run admin): each start then costs a
// plain `node` start, not a tsx loader compiling and hooking every import again.
//
// The compiled tree keeps the repository's layout (<dir>/src/admin/cli.js) and
// gets the files the modules read through import.meta.url (SQL migrations, the
// common-password list, the console's assets), as the production build does
// (scripts/build.mjs), so the entry runs exactly as from dist/ in the backend
// image. It lives under test-output/ inside the project, where the modules find
// node_modules and package.json's "type": "module".
//
// The compiler is the esbuild that tsx itself runs on: each module is
// transpiled alone (no bundling), as tsx would on the fly, with the same
// isolated-module semantics the strict tsconfig enforces.
import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions, BuildResult } from 'esbuild';
import { runChild, type ChildRun, type ChildRunOptions } from '../kit/child-run.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Files the backend reads beside its modules at run time (scripts/build.mjs copies the same). */
const ASSETS = ['src/console/assets', 'src/staff/common-passwords.txt', 'prisma/migrations'];

export interface CompiledBackend {
  /** Absolute path of the compiled module for a source path such as `src/admin/cli.ts`. */
  entry(sourcePath: string): string;
  /** Runs the compiled `sourcePath` to completion with this Node, as `node dist/<path>.js args...` would. */
  run(sourcePath: string, args: readonly string[], options: ChildRunOptions): Promise<ChildRun>;
  /** Removes the compiled tree; safe to call twice. */
  remove(): Promise<void>;
}

interface Esbuild {
  build(options: BuildOptions): Promise<BuildResult>;
}

async function loadEsbuild(): Promise<Esbuild> {
  const fromTsx = createRequire(createRequire(import.meta.url).resolve('tsx'));
  return (await import(fromTsx.resolve('esbuild'))) as Esbuild;
}

async function typescriptSources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Compiles `src/` and `media/contract/` (which the backend imports) into a fresh folder under test-output/. */
export async function compileBackend(): Promise<CompiledBackend> {
  const outputRoot = join(PROJECT_ROOT, 'test-output');
  await mkdir(outputRoot, { recursive: true });
  const outDir = await mkdtemp(join(outputRoot, 'compiled-backend-'));
  try {
    const esbuild = await loadEsbuild();
    const sources = [...(await typescriptSources(join(PROJECT_ROOT, 'src'))), ...(await typescriptSources(join(PROJECT_ROOT, 'media', 'contract')))];
    await esbuild.build({
      entryPoints: sources,
      outdir: outDir,
      outbase: PROJECT_ROOT,
      bundle: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
    });
    for (const asset of ASSETS) await cp(join(PROJECT_ROOT, asset), join(outDir, asset), { recursive: true });
  } catch (error) {
    await rm(outDir, { recursive: true, force: true });
    throw error;
  }
  const entry = (sourcePath: string): string => {
    if (!sourcePath.endsWith('.ts') || relative(PROJECT_ROOT, join(PROJECT_ROOT, sourcePath)).startsWith('..')) {
      throw new Error(`not a TypeScript module of the project: ${sourcePath}`);
    }
    return join(outDir, sourcePath.replace(/\.ts$/, '.js'));
  };
  return {
    entry,
    run: (sourcePath, args, options) => runChild(process.execPath, [entry(sourcePath), ...args], options),
    remove: () => rm(outDir, { recursive: true, force: true }),
  };
}
