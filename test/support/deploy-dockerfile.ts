// Reads Dockerfiles (instructions, continuation lines, stages) and checks the
// images' rules: multi-stage, pinned base images, a non-root final user, a
// HEALTHCHECK, production dependencies only, the Prisma client generated at
// build time, and no secret baked in.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly image: string;
  readonly alias: string | null;
  readonly instructions: Instruction[];
}

export interface Dockerfile {
  readonly source: string;
  readonly globalArgs: Instruction[];
  readonly stages: Stage[];
}

const KEYWORDS = new Set([
  'FROM', 'RUN', 'CMD', 'LABEL', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME',
  'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL',
]);

export function parseDockerfile(text: string, source: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | null = null;
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '');
    if (/^\s*#/.test(line) || (pending === null && line.trim() === '')) return;
    const continued = /\\\s*$/.test(line);
    const body = continued ? line.replace(/\\\s*$/, '') : line;
    pending = pending ? { text: `${pending.text} ${body.trim()}`, line: pending.line } : { text: body.trim(), line: index + 1 };
    if (continued) return;
    const match = /^([A-Za-z]+)\s+(.*)$/.exec(pending.text);
    if (!match || !KEYWORDS.has(match[1]!.toUpperCase())) throw new Error(`${source}:${pending.line}: unknown instruction: ${pending.text}`);
    instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: pending.line });
    pending = null;
  });
  if (pending !== null) throw new Error(`${source}: ends inside a continued line`);

  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!from) throw new Error(`${source}:${instruction.line}: unsupported FROM ${instruction.args}`);
      stages.push({ image: from[1]!, alias: from[2] ?? null, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`${source}:${instruction.line}: ${instruction.keyword} before FROM`);
      globalArgs.push(instruction);
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { source, globalArgs, stages };
}

export function readDockerfile(root: string, path: string): Dockerfile {
  return parseDockerfile(readFileSync(join(root, path), 'utf8'), path);
}

export function finalStage(dockerfile: Dockerfile): Stage {
  const stage = dockerfile.stages.at(-1);
  if (!stage) throw new Error(`${dockerfile.source}: no FROM`);
  return stage;
}

function ofKind(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

/** The URL the final stage's HEALTHCHECK probes, if it is an http:// URL. */
export function healthcheckUrl(dockerfile: Dockerfile): URL | null {
  const check = ofKind(finalStage(dockerfile), 'HEALTHCHECK')[0];
  const url = check && /"(http:\/\/[^"]+)"/.exec(check.args)?.[1];
  return url ? new URL(url) : null;
}

/** Folders the final stage creates with `install -d ... -m MODE dir...`, with their mode. */
export function createdFolders(dockerfile: Dockerfile): Map<string, string> {
  const folders = new Map<string, string>();
  for (const run of ofKind(finalStage(dockerfile), 'RUN')) {
    for (const command of run.args.split(/&&|;/)) {
      const install = /^\s*install\s+-d\s+(.*)$/.exec(command);
      if (!install) continue;
      const words = install[1]!.trim().split(/\s+/);
      let mode = '';
      const paths: string[] = [];
      for (let i = 0; i < words.length; i++) {
        if (words[i] === '-m') mode = words[++i] ?? '';
        else if (words[i] === '-o' || words[i] === '-g') i++;
        else paths.push(words[i]!);
      }
      for (const path of paths) folders.set(path, mode);
    }
  }
  return folders;
}

const SECRET_NAME = /PASSWORD|TOKEN|SECRET|API_KEY|PRIVATE_KEY/i;

export type ImageKind = 'backend' | 'media-gateway' | 'asterisk';

/** Problems of one image's Dockerfile (empty when it follows every rule). */
export function checkDockerfile(dockerfile: Dockerfile, kind: ImageKind): string[] {
  const problems: string[] = [];
  const where = dockerfile.source;
  const stages = dockerfile.stages;
  const aliases = new Set(stages.map((stage) => stage.alias).filter((alias): alias is string => alias !== null));
  if (stages.length < 2) problems.push(`${where}: not a multi-stage build`);

  for (const stage of stages) {
    if (aliases.has(stage.image)) continue;
    const image = /^([a-z0-9./-]+):([A-Za-z0-9._-]+)(@sha256:[0-9a-f]{64})?$/.exec(stage.image);
    if (!image) problems.push(`${where}: base image ${stage.image} is not pinned to a tag`);
    else if (image[2] === 'latest') problems.push(`${where}: base image ${stage.image} uses latest`);
    else if (kind === 'asterisk' && !/^debian:bookworm(-slim)?$/.test(`${image[1]}:${image[2]}`)) {
      problems.push(`${where}: Asterisk is built on ${stage.image}, expected debian:bookworm-slim`);
    } else if (kind !== 'asterisk' && !(image[1] === 'node' && /^22(\.\d+){0,2}-/.test(image[2]!))) {
      problems.push(`${where}: ${stage.image} is not a Node 22 image`);
    }
  }

  const final = finalStage(dockerfile);
  const users = ofKind(final, 'USER');
  const user = users.at(-1)?.args.split(':')[0];
  if (!user) problems.push(`${where}: the final stage sets no USER (runs as root)`);
  else if (user === 'root' || user === '0') problems.push(`${where}: the final stage runs as ${user}`);
  const start = final.instructions.findIndex((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT');
  const lastUser = final.instructions.findLastIndex((i) => i.keyword === 'USER');
  if (start >= 0 && lastUser > start) problems.push(`${where}: USER comes after CMD/ENTRYPOINT`);
  if (ofKind(final, 'HEALTHCHECK').length === 0) problems.push(`${where}: the final stage has no HEALTHCHECK`);
  if (start < 0) problems.push(`${where}: the final stage has no CMD or ENTRYPOINT`);

  for (const stage of [{ image: '', alias: null, instructions: dockerfile.globalArgs }, ...stages]) {
    for (const instruction of stage.instructions) {
      if (instruction.keyword === 'ENV' || instruction.keyword === 'ARG') {
        for (const [, name, value] of instruction.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=("[^"]*"|\S*))?/g)) {
          if (SECRET_NAME.test(name!) && value !== undefined && value !== '' && value !== '""') {
            problems.push(`${where}:${instruction.line}: ${instruction.keyword} ${name} bakes a secret into the image`);
          }
        }
      }
      if ((instruction.keyword === 'COPY' || instruction.keyword === 'ADD') && /(^|\s|\/)\.env(\s|$)/.test(instruction.args)) {
        problems.push(`${where}:${instruction.line}: copies .env into the image`);
      }
    }
  }

  if (kind === 'asterisk') problems.push(...checkAsteriskBuild(dockerfile));
  else problems.push(...checkNodeBuild(dockerfile, kind));
  return problems;
}

function copiesFrom(stage: Stage, alias: string, path: string): boolean {
  return ofKind(stage, 'COPY').some((copy) => copy.args.includes(`--from=${alias}`) && copy.args.includes(path));
}

function checkNodeBuild(dockerfile: Dockerfile, kind: ImageKind): string[] {
  const problems: string[] = [];
  const where = dockerfile.source;
  const final = finalStage(dockerfile);
  const runs = (stage: Stage) => ofKind(stage, 'RUN').map((run) => run.args).join(' && ');
  for (const stage of dockerfile.stages) {
    if (/\bnpm\s+(install|i)\b/.test(runs(stage))) problems.push(`${where}: uses npm install instead of npm ci`);
  }
  const prodStage = dockerfile.stages.find((stage) => /\bnpm\s+ci\b[^&;]*--omit=dev/.test(runs(stage)));
  if (!prodStage?.alias) problems.push(`${where}: no stage installs production dependencies with npm ci --omit=dev`);
  else if (!copiesFrom(final, prodStage.alias, 'node_modules')) {
    problems.push(`${where}: the final stage does not take node_modules from the production-only stage`);
  }
  if (/\bnpm\s+ci\b/.test(runs(final))) problems.push(`${where}: the final stage installs dependencies itself`);
  if (ofKind(final, 'COPY').some((copy) => /(^|\s)\.\s+\.\/?$/.test(copy.args))) {
    problems.push(`${where}: the final stage copies the whole build context`);
  }
  const cmd = ofKind(final, 'CMD').at(-1)?.args ?? '';
  const entry = kind === 'backend' ? 'src/main.ts' : 'media/main.ts';
  if (!cmd.includes(entry)) problems.push(`${where}: CMD does not start ${entry}`);
  if (kind === 'backend') {
    const generator = dockerfile.stages.find((stage) => /prisma-generate\.mjs|prisma\s+generate/.test(runs(stage)));
    if (!generator?.alias) problems.push(`${where}: the Prisma client is not generated at build time`);
    else if (!copiesFrom(final, generator.alias, 'src/db/generated')) {
      problems.push(`${where}: the final stage does not take the generated Prisma client from the build`);
    }
    if (!ofKind(final, 'COPY').some((copy) => copy.args.includes('prisma/migrations'))) {
      problems.push(`${where}: the migrations the backend applies at start are not in the image`);
    }
  }
  return problems;
}

function checkAsteriskBuild(dockerfile: Dockerfile): string[] {
  const problems: string[] = [];
  const where = dockerfile.source;
  const all = dockerfile.stages.flatMap((stage) => stage.instructions);
  const version = all.find((i) => i.keyword === 'ARG' && i.args.startsWith('ASTERISK_VERSION='))?.args.split('=')[1];
  if (!version || !/^(20|22)\.\d+\.\d+$/.test(version)) problems.push(`${where}: ASTERISK_VERSION is not a pinned 20.x/22.x LTS release`);
  const verifies = /sha256sum -c "?asterisk-\$\{ASTERISK_VERSION\}\.sha256/;
  if (!all.some((i) => i.keyword === 'RUN' && verifies.test(i.args))) problems.push(`${where}: the source tarball is not checksum-verified`);
  const final = finalStage(dockerfile);
  const copies = ofKind(final, 'COPY').map((copy) => copy.args);
  if (!copies.some((args) => /^config\/?\s/.test(args))) problems.push(`${where}: the configuration is not copied into the image`);
  if (!copies.some((args) => /healthcheck\.sh\s+\S*asterisk-healthcheck$/.test(args))) problems.push(`${where}: asterisk-healthcheck is not installed`);
  if (!copies.some((args) => /render-config\.sh\s+\S*asterisk-render-config$/.test(args))) problems.push(`${where}: asterisk-render-config is not installed`);
  const healthcheck = ofKind(final, 'HEALTHCHECK')[0]?.args ?? '';
  if (healthcheck && !healthcheck.includes('asterisk-healthcheck')) problems.push(`${where}: HEALTHCHECK does not check ARI`);
  const entrypoint = ofKind(final, 'ENTRYPOINT').at(-1)?.args ?? '';
  if (!entrypoint.includes('asterisk-entrypoint')) problems.push(`${where}: ENTRYPOINT does not render the configuration before Asterisk starts`);
  return problems;
}

/** Problems of .dockerignore: deny by default, never let secrets or local state in, let in what the Dockerfiles copy. */
export function checkDockerignore(root: string, copiedPaths: readonly string[]): string[] {
  const file = join(root, '.dockerignore');
  if (!existsSync(file)) return ['.dockerignore is missing'];
  const patterns = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const problems: string[] = [];
  if (patterns[0] !== '*' && patterns[0] !== '**') problems.push('.dockerignore does not exclude everything first');
  const included = patterns.filter((pattern) => pattern.startsWith('!')).map((pattern) => pattern.slice(1).replace(/\/$/, ''));
  for (const secret of ['.env', 'node_modules', '.data', 'recordings']) {
    if (included.some((pattern) => pattern === secret || pattern.startsWith(`${secret}/`) || pattern === '.*' || pattern === '*')) {
      problems.push(`.dockerignore lets ${secret} into the build context`);
    }
  }
  const generatedIndex = patterns.findIndex((pattern) => pattern.replace(/\/$/, '') === 'src/db/generated');
  const srcIndex = patterns.findIndex((pattern) => pattern.replace(/\/$/, '') === '!src');
  if (generatedIndex < 0 || generatedIndex < srcIndex) problems.push('.dockerignore does not keep a local src/db/generated out of the build');
  for (const path of copiedPaths) {
    const clean = path.replace(/\/$/, '');
    if (!included.some((pattern) => clean === pattern || clean.startsWith(`${pattern}/`))) {
      problems.push(`.dockerignore excludes ${clean}, which a Dockerfile copies`);
    }
  }
  return problems;
}

/** Context paths COPY takes from the build context (not from other stages). */
export function contextCopySources(dockerfile: Dockerfile): string[] {
  return dockerfile.stages.flatMap((stage) =>
    ofKind(stage, 'COPY')
      .filter((copy) => !copy.args.includes('--from='))
      .flatMap((copy) => {
        const words = copy.args.split(/\s+/).filter((word) => !word.startsWith('--'));
        return words.slice(0, -1);
      }),
  );
}

/** Relative imports of the .ts files under `dir` (recursively) that leave `dir`, as paths from `root`. */
export function importsLeaving(root: string, dir: string): string[] {
  const found = new Set<string>();
  const walk = (folder: string): void => {
    for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
      const path = `${folder}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'generated') walk(path);
        continue;
      }
      if (!entry.name.endsWith('.ts')) continue;
      const text = readFileSync(join(root, path), 'utf8');
      for (const [, specifier] of text.matchAll(/(?:^|\n)\s*(?:import|export)\s(?!type\s)[^;]*?from\s+'(\.{1,2}\/[^']+)'/g)) {
        const target = posix.normalize(posix.join(posix.dirname(path), specifier!));
        if (!target.startsWith(`${dir}/`)) found.add(target.replace(/\.js$/, '.ts'));
      }
    }
  };
  walk(dir);
  return [...found].sort();
}

/** Whether `path` (from the build context) is inside something the final stage copies from the context. */
export function finalStageCopies(dockerfile: Dockerfile, path: string): boolean {
  return ofKind(finalStage(dockerfile), 'COPY')
    .filter((copy) => !copy.args.includes('--from='))
    .flatMap((copy) => copy.args.split(/\s+/).filter((word) => !word.startsWith('--')).slice(0, -1))
    .some((source) => {
      const clean = source.replace(/\/$/, '');
      return path === clean || path.startsWith(`${clean}/`);
    });
}
