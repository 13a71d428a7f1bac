// The Dockerfiles of the three images and the build context (.dockerignore).
// No Docker engine runs in CI, so the images are not built here: these checks
// read the Dockerfiles and compute what their installs bring in from
// package-lock.json, on the real files and on copies broken on purpose.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDockerfile, checkDockerignore, contextCopySources, parseDockerfile, readDockerfile, type ImageKind } from '../support/deploy-dockerfile.js';
import { PROJECT_ROOT, copyDeployment, replaceOnce, type ProjectCopy } from '../support/deploy-fixture.js';
import { programImportGraph, RUNTIME_PROGRAMS } from '../support/deploy-imports.js';
import { checkNodeImage, uncopiedSources, type NodeImageKind } from '../support/deploy-node-image.js';

const BACKEND = 'docker/backend/Dockerfile';
const GATEWAY = 'docker/media-gateway/Dockerfile';
const ASTERISK = 'docker/asterisk/Dockerfile';

const IMAGES: Array<{ path: string; kind: ImageKind }> = [
  { path: BACKEND, kind: 'backend' },
  { path: GATEWAY, kind: 'media-gateway' },
  { path: ASTERISK, kind: 'asterisk' },
];

function check(root: string, path: string, kind: ImageKind, text = readFileSync(join(root, path), 'utf8')): string[] {
  const dockerfile = parseDockerfile(text, path);
  return kind === 'asterisk' ? checkDockerfile(dockerfile, kind) : checkNodeImage(root, dockerfile, kind);
}

function appCopySources(root: string): string[] {
  return IMAGES.filter((image) => image.kind !== 'asterisk').flatMap((image) => contextCopySources(readDockerfile(root, image.path)));
}

const copies: ProjectCopy[] = [];
afterEach(() => {
  for (const copy of copies.splice(0)) copy.remove();
});

function brokenCopy(edits: Array<[string, (text: string) => string]>): ProjectCopy {
  const copy = copyDeployment();
  copies.push(copy);
  for (const [path, edit] of edits) copy.edit(path, edit);
  return copy;
}

/** Adds a runtime dependency to a workspace, in its package.json and in the lockfile as npm would. */
function addDependency(workspace: string, name: string, range: string): Array<[string, (text: string) => string]> {
  const add = (locate: (json: Record<string, unknown>) => Record<string, unknown>) => (text: string) => {
    const json = JSON.parse(text) as Record<string, unknown>;
    const entry = locate(json);
    entry.dependencies = { ...(entry.dependencies as Record<string, string>), [name]: range };
    return `${JSON.stringify(json, null, 2)}\n`;
  };
  return [
    [`${workspace}/package.json`, add((json) => json)],
    ['package-lock.json', add((json) => (json.packages as Record<string, Record<string, unknown>>)[workspace]!)],
  ];
}

describe('the images', () => {
  it.each(IMAGES)('$path follows every rule', ({ path, kind }) => {
    expect(check(PROJECT_ROOT, path, kind)).toEqual([]);
  });

  it.each(RUNTIME_PROGRAMS)('the $name image compiles every source its program imports at run time', (program) => {
    const path = program.name === 'backend' ? BACKEND : GATEWAY;
    // The Prisma client is generated in the build stage itself, never copied.
    const modules = programImportGraph(PROJECT_ROOT, program.entries).modules.filter((module) => !module.startsWith('src/db/generated/'));
    expect(modules.length).toBeGreaterThan(program.name === 'backend' ? 100 : 50);
    expect(uncopiedSources(readDockerfile(PROJECT_ROOT, path), modules)).toEqual([]);
    if (program.name === 'backend') {
      const withoutContract = parseDockerfile(replaceOnce('COPY media/contract media/contract/\n', '')(readFileSync(join(PROJECT_ROOT, BACKEND), 'utf8')), BACKEND);
      expect(uncopiedSources(withoutContract, modules)).toEqual(expect.arrayContaining(['media/contract/sessions.ts']));
    }
  });

  it('send the builder only what they copy, never .env or local state', () => {
    expect(checkDockerignore(PROJECT_ROOT, appCopySources(PROJECT_ROOT))).toEqual([]);
  });
});

const BROKEN: Array<{ name: string; path: string; kind: ImageKind; edit: (text: string) => string; expected: string }> = [
  { name: 'runs as root (no USER)', path: BACKEND, kind: 'backend', edit: replaceOnce('USER node\n', ''), expected: 'sets no USER (runs as root)' },
  { name: 'runs as root (USER root)', path: ASTERISK, kind: 'asterisk', edit: replaceOnce('USER asterisk\n', 'USER root\n'), expected: 'the final stage runs as root' },
  {
    name: 'an old Node',
    path: GATEWAY,
    kind: 'media-gateway',
    edit: replaceOnce('FROM node:22-bookworm-slim AS runtime', 'FROM node:20-bookworm-slim AS runtime'),
    expected: 'node:20-bookworm-slim is not a Node 22 image',
  },
  { name: 'an unpinned base image', path: BACKEND, kind: 'backend', edit: replaceOnce('FROM node:22-bookworm-slim AS deps', 'FROM node AS deps'), expected: 'base image node is not pinned to a tag' },
  { name: 'the latest tag', path: ASTERISK, kind: 'asterisk', edit: replaceOnce('FROM debian:bookworm-slim AS build', 'FROM debian:latest AS build'), expected: 'uses latest' },
  { name: 'no health check', path: GATEWAY, kind: 'media-gateway', edit: replaceOnce(/HEALTHCHECK [^\n]*\\\n[^\n]*\n/, ''), expected: 'the final stage has no HEALTHCHECK' },
  {
    name: 'development dependencies in the image',
    path: GATEWAY,
    kind: 'media-gateway',
    edit: replaceOnce(' --omit=dev', ''),
    expected: 'no stage installs production dependencies with npm ci --omit=dev',
  },
  {
    name: 'node_modules taken from the full install',
    path: BACKEND,
    kind: 'backend',
    edit: replaceOnce('COPY --from=deps /app/node_modules', 'COPY --from=build /app/node_modules'),
    expected: 'the final stage does not take node_modules from the production-only stage',
  },
  {
    name: 'every workspace installed in the gateway image',
    path: GATEWAY,
    kind: 'media-gateway',
    edit: replaceOnce('--workspace=media ', ''),
    expected: 'the image would contain pg, which the media-gateway does not use (src > pg)',
  },
  {
    name: "the gateway's workspace installed in the backend image",
    path: BACKEND,
    kind: 'backend',
    edit: replaceOnce('--workspace=src', '--workspace=media'),
    expected: 'the image would contain @deepgram/sdk, which the backend does not use (media > @deepgram/sdk)',
  },
  {
    name: 'dependency install scripts run',
    path: BACKEND,
    kind: 'backend',
    edit: replaceOnce('--omit=optional --ignore-scripts', '--omit=optional'),
    expected: 'the production install runs dependency install scripts',
  },
  {
    name: 'started through tsx',
    path: BACKEND,
    kind: 'backend',
    edit: replaceOnce('CMD ["node", "dist/src/main.js"]', 'CMD ["node", "--import", "tsx", "src/main.ts"]'),
    expected: 'CMD loads tsx (the image runs compiled JavaScript)',
  },
  {
    name: 'started through npm',
    path: GATEWAY,
    kind: 'media-gateway',
    edit: replaceOnce('CMD ["node", "dist/media/main.js"]', 'CMD ["npm", "run", "start:media"]'),
    expected: 'CMD runs npm, not node',
  },
  {
    name: 'started through a shell',
    path: GATEWAY,
    kind: 'media-gateway',
    edit: replaceOnce('CMD ["node", "dist/media/main.js"]', 'CMD node dist/media/main.js'),
    expected: 'CMD is in shell form',
  },
  {
    name: 'a wrapper before node',
    path: BACKEND,
    kind: 'backend',
    edit: replaceOnce('CMD ["node", "dist/src/main.js"]', 'ENTRYPOINT ["npm", "exec", "--"]\nCMD ["node", "dist/src/main.js"]'),
    expected: 'ENTRYPOINT ["npm", "exec", "--"] runs between the container and node',
  },
  {
    name: 'sources shipped instead of the compiled output',
    path: GATEWAY,
    kind: 'media-gateway',
    edit: replaceOnce('COPY --from=build /app/dist dist/', 'COPY media/ media/'),
    expected: 'the final stage copies TypeScript sources (media/)',
  },
  {
    name: 'dist/ taken from a stage that does not compile it',
    path: GATEWAY,
    kind: 'media-gateway',
    edit: replaceOnce('RUN node scripts/build.mjs media-gateway \\\n && test -f dist/media/main.js\n', 'RUN mkdir dist\n'),
    expected: 'stage build does not compile the media-gateway',
  },
  {
    name: 'the Prisma client not generated at build',
    path: BACKEND,
    kind: 'backend',
    edit: replaceOnce('RUN node scripts/prisma-generate.mjs \\\n && node scripts/build.mjs', 'RUN node scripts/build.mjs'),
    expected: 'the Prisma client is not generated at build time',
  },
  {
    name: 'the migrations left out',
    path: BACKEND,
    kind: 'backend',
    edit: replaceOnce('COPY prisma/ prisma/\n', 'COPY prisma/schema.prisma prisma/\n'),
    expected: 'the migrations the backend applies at start are not in the image',
  },
  {
    name: 'a secret baked in',
    path: BACKEND,
    kind: 'backend',
    edit: replaceOnce('ENV NODE_ENV=production\nWORKDIR /app\nCOPY --from=deps', 'ENV NODE_ENV=production ASTERISK_ARI_PASSWORD=asterisk\nWORKDIR /app\nCOPY --from=deps'),
    expected: 'ENV ASTERISK_ARI_PASSWORD bakes a secret into the image',
  },
  { name: '.env copied in', path: GATEWAY, kind: 'media-gateway', edit: replaceOnce('COPY media/ media/\n', 'COPY media/ media/\nCOPY .env ./\n'), expected: 'copies .env into the image' },
  {
    name: 'an Asterisk release that is not an LTS',
    path: ASTERISK,
    kind: 'asterisk',
    edit: replaceOnce('ASTERISK_VERSION=22.10.1', 'ASTERISK_VERSION=21.10.0'),
    expected: 'ASTERISK_VERSION is not a pinned 20.x/22.x LTS release',
  },
  { name: 'an unverified download', path: ASTERISK, kind: 'asterisk', edit: replaceOnce(' && sha256sum -c "asterisk-${ASTERISK_VERSION}.sha256" \\\n', ''), expected: 'the source tarball is not checksum-verified' },
  {
    name: 'Asterisk started without rendering its configuration',
    path: ASTERISK,
    kind: 'asterisk',
    edit: replaceOnce('ENTRYPOINT ["asterisk-entrypoint"]', 'ENTRYPOINT ["/usr/sbin/asterisk", "-f"]'),
    expected: 'ENTRYPOINT does not render the configuration',
  },
];

describe('each image check fails on a broken Dockerfile', () => {
  it.each(BROKEN)('$name', ({ path, kind, edit, expected }) => {
    const text = readFileSync(join(PROJECT_ROOT, path), 'utf8');
    expect(check(PROJECT_ROOT, path, kind, edit(text))).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });

  it('a single-stage build', () => {
    const problems = checkDockerfile(parseDockerfile('FROM node:22-bookworm-slim\nUSER node\nHEALTHCHECK CMD ["true"]\nCMD ["node", "media/main.ts"]\n', 'inline'), 'media-gateway');
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining('not a multi-stage build')]));
  });

  it('fails loudly on an instruction it does not know', () => {
    expect(() => parseDockerfile('FROM node:22-bookworm-slim\nCOPPY a b\n', 'inline')).toThrow(/inline:2: unknown instruction/);
  });

  it('reads continuation lines, flags and the exec form as Docker does', () => {
    const parsed = parseDockerfile(
      ['FROM --platform=linux/amd64 node:22-bookworm-slim AS build', 'RUN npm ci \\', ' && npm run build', 'COPY --from=build --chown=node:node /app/dist dist/', 'CMD ["node", "dist/media/main.js"]'].join('\n'),
      'inline',
    );
    expect(parsed.stages).toHaveLength(1);
    const [run, copy, cmd] = parsed.stages[0]!.instructions;
    expect(run).toMatchObject({ keyword: 'RUN', args: 'npm ci && npm run build', exec: null, line: 2 });
    expect(copy).toMatchObject({ keyword: 'COPY', words: ['/app/dist', 'dist/'] });
    expect([...copy!.flags]).toEqual([['from', 'build'], ['chown', 'node:node']]);
    expect(cmd).toMatchObject({ keyword: 'CMD', exec: ['node', 'dist/media/main.js'], line: 5 });
  });
});

describe('each image dependency check fails on a broken manifest or lockfile', () => {
  it.each<{ name: string; kind: NodeImageKind; path: string; edits: Array<[string, (text: string) => string]>; expected: string }>([
    {
      name: 'tsx as a runtime dependency of the backend',
      kind: 'backend',
      path: BACKEND,
      edits: addDependency('src', 'tsx', '^4.20.0'),
      expected: 'the image would contain tsx, a build or test tool (src > tsx)',
    },
    {
      name: 'esbuild brought in by a runtime dependency',
      kind: 'media-gateway',
      path: GATEWAY,
      edits: addDependency('media', 'tsx', '^4.20.0'),
      expected: 'the image would contain esbuild, a build or test tool (media > tsx > esbuild)',
    },
    {
      name: 'pg as a dependency of the gateway',
      kind: 'media-gateway',
      path: GATEWAY,
      edits: addDependency('media', 'pg', '^8.16.0'),
      expected: 'the image would contain pg, which the media-gateway does not use (media > pg)',
    },
    {
      name: 'a manifest the lockfile does not match',
      kind: 'media-gateway',
      path: GATEWAY,
      edits: addDependency('media', 'pg', '^8.16.0').slice(0, 1),
      expected: "package-lock.json: the media workspace's dependencies differ from media/package.json",
    },
  ])('$name', ({ kind, path, edits, expected }) => {
    const copy = brokenCopy(edits);
    expect(check(copy.root, path, kind)).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });
});

describe('each .dockerignore check fails on a broken copy', () => {
  it.each([
    { name: 'lets .env in', edit: (text: string) => `${text}!.env\n`, expected: '.dockerignore lets .env into the build context' },
    { name: 'lets a local dist/ in', edit: (text: string) => `${text}!dist/\n`, expected: '.dockerignore lets dist into the build context' },
    { name: 'no longer excludes by default', edit: replaceOnce(/^\*\n/m, ''), expected: 'does not exclude everything first' },
    { name: 'leaves out what a Dockerfile copies', edit: replaceOnce('!src/\n', ''), expected: '.dockerignore excludes src/package.json, which a Dockerfile copies' },
    { name: 'lets a local generated client in', edit: replaceOnce('src/db/generated/\n', ''), expected: 'does not keep a local src/db/generated out' },
  ])('$name', ({ edit, expected }) => {
    const copy = brokenCopy([['.dockerignore', edit]]);
    expect(checkDockerignore(copy.root, appCopySources(copy.root))).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });
});
