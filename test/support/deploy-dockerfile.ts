// Reads Dockerfiles with dockerfile-ast (the parser behind the Docker language
// server: continuation lines, the escape directive, exec and shell forms,
// flags, heredocs) and checks the rules every image follows: multi-stage,
// pinned base images, a non-root final user, a HEALTHCHECK, no secret baked
// in, and for Asterisk a checksum-verified LTS release. The Node images'
// own rules (compiled output, their dependencies) are in deploy-node-image.ts.
import { DockerfileParser, JSONInstruction, ModifiableInstruction, type Instruction as AstInstruction } from 'dockerfile-ast';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Instruction {
  readonly keyword: string;
  /** The arguments after the flags, continuation lines joined, one space between words. */
  readonly args: string;
  readonly words: readonly string[];
  /** `--name=value` flags (COPY --from, HEALTHCHECK --interval, ...); a flag without value maps to null. */
  readonly flags: ReadonlyMap<string, string | null>;
  /** The strings of the exec (JSON) form of CMD, ENTRYPOINT, RUN and SHELL; null in shell form. */
  readonly exec: readonly string[] | null;
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

/** Docker's instructions (MAINTAINER is deprecated and refused). */
const KEYWORDS = new Set([
  'FROM', 'RUN', 'CMD', 'LABEL', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME',
  'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL',
]);

function toInstruction(node: AstInstruction, source: string): Instruction {
  const line = node.getRange().start.line + 1;
  const keyword = node.getKeyword();
  if (!KEYWORDS.has(keyword)) throw new Error(`${source}:${line}: unknown instruction: ${node.toString()}`);
  const flags = new Map<string, string | null>();
  if (node instanceof ModifiableInstruction) for (const flag of node.getFlags()) flags.set(flag.getName(), flag.getValue());
  const json = node instanceof JSONInstruction ? node.getJSONStrings().map((string) => string.getJSONValue()) : [];
  const words = node.getArguments().map((argument) => argument.getValue());
  return { keyword, args: words.join(' '), words, flags, exec: json.length > 0 ? json : null, line };
}

export function parseDockerfile(text: string, source: string): Dockerfile {
  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const node of DockerfileParser.parse(text).getInstructions()) {
    const instruction = toInstruction(node, source);
    if (instruction.keyword === 'FROM') {
      const [image, as, alias, ...rest] = instruction.words;
      if (!image || (as !== undefined && (as.toUpperCase() !== 'AS' || !alias)) || rest.length > 0) {
        throw new Error(`${source}:${instruction.line}: unsupported FROM ${instruction.args}`);
      }
      stages.push({ image, alias: alias ?? null, instructions: [] });
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

export function ofKind(stage: Stage, keyword: string): Instruction[] {
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

/** Problems of one image's Dockerfile under the rules of every image (empty when it follows them all). */
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
      if ((instruction.keyword === 'COPY' || instruction.keyword === 'ADD') && instruction.words.slice(0, -1).some((word) => /(^|\/)\.env$/.test(word))) {
        problems.push(`${where}:${instruction.line}: copies .env into the image`);
      }
    }
  }

  if (kind === 'asterisk') problems.push(...checkAsteriskBuild(dockerfile));
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

/**
 * Problems of .dockerignore: deny by default, never let secrets or local state
 * in (nor a local dist/: the images compile their own), let in what the
 * Dockerfiles copy.
 */
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
  for (const secret of ['.env', 'node_modules', '.data', 'recordings', 'dist']) {
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

/** Sources a COPY takes from the build context (none when it copies from another stage). */
export function contextSources(copy: Instruction): string[] {
  return copy.flags.has('from') ? [] : copy.words.slice(0, -1);
}

/** Context paths COPY takes from the build context (not from other stages), in every stage. */
export function contextCopySources(dockerfile: Dockerfile): string[] {
  return dockerfile.stages.flatMap((stage) => ofKind(stage, 'COPY').flatMap(contextSources));
}

/** Whether `path` (from the build context) is inside something `stage` copies from the context. */
export function stageCopies(stage: Stage, path: string): boolean {
  return ofKind(stage, 'COPY')
    .flatMap(contextSources)
    .some((source) => {
      const clean = source.replace(/\/$/, '');
      return path === clean || path.startsWith(`${clean}/`);
    });
}
