// The Dockerfiles of the three images and the build context (.dockerignore).
// No Docker engine runs in CI, so the images are not built here: these checks
// read the Dockerfiles, on the real files and on copies broken on purpose.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkDockerfile,
  checkDockerignore,
  contextCopySources,
  finalStageCopies,
  importsLeaving,
  parseDockerfile,
  readDockerfile,
  type ImageKind,
} from '../support/deploy-dockerfile.js';
import { PROJECT_ROOT, copyDeployment, replaceOnce, type ProjectCopy } from '../support/deploy-fixture.js';

const IMAGES: Array<{ path: string; kind: ImageKind }> = [
  { path: 'docker/backend/Dockerfile', kind: 'backend' },
  { path: 'docker/media-gateway/Dockerfile', kind: 'media-gateway' },
  { path: 'docker/asterisk/Dockerfile', kind: 'asterisk' },
];

function appCopySources(root: string): string[] {
  return IMAGES.filter((image) => image.kind !== 'asterisk').flatMap((image) => contextCopySources(readDockerfile(root, image.path)));
}

function checkEdited(path: string, kind: ImageKind, edit: (text: string) => string): string[] {
  const text = readFileSync(join(PROJECT_ROOT, path), 'utf8');
  const edited = edit(text);
  if (edited === text) throw new Error('the edit changed nothing');
  return checkDockerfile(parseDockerfile(edited, path), kind);
}

describe('the images', () => {
  it.each(IMAGES)('$path follows every rule', ({ path, kind }) => {
    expect(checkDockerfile(readDockerfile(PROJECT_ROOT, path), kind)).toEqual([]);
  });

  it('contain every file their programs import at run time', () => {
    // media/ never leaves media/; the backend only reaches the shared contract.
    expect(importsLeaving(PROJECT_ROOT, 'media')).toEqual([]);
    const backendImports = importsLeaving(PROJECT_ROOT, 'src');
    expect(backendImports.length).toBeGreaterThan(0);
    const backend = readDockerfile(PROJECT_ROOT, 'docker/backend/Dockerfile');
    expect(backendImports.filter((path) => !finalStageCopies(backend, path))).toEqual([]);
    const withoutContract = parseDockerfile(
      readFileSync(join(PROJECT_ROOT, 'docker/backend/Dockerfile'), 'utf8').replace('COPY media/contract media/contract/\n', ''),
      'edited',
    );
    expect(backendImports.filter((path) => !finalStageCopies(withoutContract, path))).not.toEqual([]);
  });

  it('send the builder only what they copy, never .env or local state', () => {
    expect(checkDockerignore(PROJECT_ROOT, appCopySources(PROJECT_ROOT))).toEqual([]);
  });
});

const BACKEND = 'docker/backend/Dockerfile';
const GATEWAY = 'docker/media-gateway/Dockerfile';
const ASTERISK = 'docker/asterisk/Dockerfile';

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
    edit: replaceOnce('npm ci --omit=dev', 'npm ci'),
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
    name: 'the Prisma client not generated at build',
    path: BACKEND,
    kind: 'backend',
    edit: replaceOnce('RUN node scripts/prisma-generate.mjs \\\n && test -f src/db/generated/client.ts\n', ''),
    expected: 'the Prisma client is not generated at build time',
  },
  {
    name: 'the migrations left out',
    path: BACKEND,
    kind: 'backend',
    edit: replaceOnce('COPY prisma/migrations prisma/migrations/\n', ''),
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
    expect(checkEdited(path, kind, edit)).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });

  it('a single-stage build', () => {
    const problems = checkDockerfile(parseDockerfile('FROM node:22-bookworm-slim\nUSER node\nHEALTHCHECK CMD ["true"]\nCMD ["node", "media/main.ts"]\n', 'inline'), 'media-gateway');
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining('not a multi-stage build')]));
  });

  it('fails loudly on an instruction it does not know', () => {
    expect(() => parseDockerfile('FROM node:22-bookworm-slim\nCOPPY a b\n', 'inline')).toThrow(/unknown instruction/);
  });
});

describe('each .dockerignore check fails on a broken copy', () => {
  const copies: ProjectCopy[] = [];
  afterEach(() => {
    for (const copy of copies.splice(0)) copy.remove();
  });

  it.each([
    { name: 'lets .env in', edit: (text: string) => `${text}!.env\n`, expected: '.dockerignore lets .env into the build context' },
    { name: 'no longer excludes by default', edit: replaceOnce(/^\*\n/m, ''), expected: 'does not exclude everything first' },
    { name: 'leaves out what a Dockerfile copies', edit: replaceOnce('!src/\n', ''), expected: '.dockerignore excludes src, which a Dockerfile copies' },
    { name: 'lets a local generated client in', edit: replaceOnce('src/db/generated/\n', ''), expected: 'does not keep a local src/db/generated out' },
  ])('$name', ({ edit, expected }) => {
    const copy = copyDeployment();
    copies.push(copy);
    copy.edit('.dockerignore', edit);
    expect(checkDockerignore(copy.root, appCopySources(copy.root))).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });
});
