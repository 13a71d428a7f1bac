// Shared by the deployment checks: the project root, the sample .env a
// newcomer would end up with, copies of the deployment files to break on
// purpose, and running the deployment's shell scripts.
import { runChild, type ChildRun } from '../kit/child-run.js';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPOSE_FILE, allScalars, loadCompose, parseDotenv, requiredReference } from './deploy-compose.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * What the deployment consists of (copied to break on purpose): the compose
 * file, the images, and the manifests and lockfile that decide what the images
 * install.
 */
export const DEPLOYMENT_FILES = [
  COMPOSE_FILE,
  '.env.example',
  '.dockerignore',
  'docker',
  'README.md',
  'package.json',
  'package-lock.json',
  'src/package.json',
  'media/package.json',
] as const;

/** A value for a secret or address the newcomer fills in (docker/init-env.sh generates the secrets). */
export function sampleValue(key: string): string {
  if (key === 'ASTERISK_EXTERNAL_ADDRESS') return '203.0.113.10';
  return `check-${key.toLowerCase().replace(/_/g, '-')}-0123456789`;
}

/**
 * The .env of a completed setup: .env.example's values, every variable the
 * compose file requires (`${VAR:?...}`) filled in, and a non-default ARI user
 * so that a configuration ignoring the variable shows.
 */
export function sampleDotenv(root: string): Map<string, string> {
  const env = new Map(parseDotenv(readFileSync(join(root, '.env.example'), 'utf8'), '.env.example').values);
  for (const { text } of allScalars(loadCompose(root).raw)) {
    for (const part of text.match(/\$\{[^}]*\}/g) ?? []) {
      const required = requiredReference(part);
      if (required && !env.get(required)) env.set(required, sampleValue(required));
    }
  }
  // The sample deployment offers every engine: the cloud keys (optional in the compose file) are set too.
  for (const name of ['DEEPGRAM_API_KEY', 'OPENAI_API_KEY']) if (!env.get(name)) env.set(name, sampleValue(name));
  env.set('ASTERISK_ARI_USERNAME', 'ari-check-user');
  return env;
}

export interface ProjectCopy {
  readonly root: string;
  /**
   * Applies `edit` to a copied file (a missing file reads as empty, and is
   * created); `null` deletes the file. Throws when it changes nothing (the
   * break would test nothing).
   */
  edit(path: string, edit: (text: string) => string | null): void;
  remove(): void;
}

export function copyDeployment(): ProjectCopy {
  const root = mkdtempSync(join(tmpdir(), 'deploy-check-'));
  for (const path of DEPLOYMENT_FILES) cpSync(join(PROJECT_ROOT, path), join(root, path), { recursive: true });
  return {
    root,
    edit(path, edit) {
      const file = join(root, path);
      const existed = existsSync(file);
      const before = existed ? readFileSync(file, 'utf8') : '';
      const after = edit(before);
      if (after === null) {
        if (!existed) throw new Error(`the edit deletes ${path}, which does not exist`);
        rmSync(file);
        return;
      }
      if (after === before) throw new Error(`the edit of ${path} changed nothing`);
      writeFileSync(file, after);
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Replaces exactly one occurrence of `search` (throws otherwise). */
export function replaceOnce(search: string | RegExp, replacement: string): (text: string) => string {
  return (text) => {
    const matches =
      typeof search === 'string'
        ? text.split(search).length - 1
        : (text.match(new RegExp(search.source, search.flags.includes('g') ? search.flags : `${search.flags}g`)) ?? []).length;
    if (matches !== 1) throw new Error(`expected one match of ${String(search)}, found ${matches}`);
    return text.replace(search, replacement);
  };
}

export type ScriptResult = ChildRun;

/** Runs a script with exactly `env` (plus PATH), resolving when it exits. */
export function runScript(command: string, args: readonly string[], env: Record<string, string>, cwd = dirname(command)): Promise<ScriptResult> {
  return runChild(command, args, { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });
}
