// What `npm ci` installs, computed from package-lock.json (lockfile version 3)
// the way npm builds the tree: from the installed workspaces' (or the root's)
// dependencies, each name resolved from the requiring package's folder upwards
// (a/node_modules/b, then node_modules/b), workspace links followed, with
// --omit=dev and --omit=optional applied to the edges. So an image's contents
// can be checked without a Docker engine or a registry. Platform-specific
// optional packages count whatever their os and cpu (a superset of any one
// platform's install).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LockEntry {
  readonly name?: string;
  readonly version?: string;
  readonly link?: boolean;
  readonly resolved?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { optional?: boolean }>>;
  readonly workspaces?: readonly string[];
}

export interface Lockfile {
  readonly lockfileVersion: number;
  readonly packages: Readonly<Record<string, LockEntry>>;
}

export function readLockfile(root: string): Lockfile {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lockfile;
  if (lock.lockfileVersion !== 3 || typeof lock.packages !== 'object') throw new Error('package-lock.json: expected lockfileVersion 3');
  return lock;
}

export interface InstallOptions {
  /** `--workspace` folders; empty installs the root and every workspace. */
  readonly workspaces: readonly string[];
  /** `--include-workspace-root`: the root's dependencies too, with the workspaces named. */
  readonly includeRoot?: boolean;
  readonly omitDev: boolean;
  readonly omitOptional: boolean;
}

export interface InstalledPackage {
  readonly name: string;
  /** How it gets in: the chain of package names from the installed workspace (or root). */
  readonly via: readonly string[];
}

/** The package name of an install path (node_modules/a/node_modules/@s/b -> @s/b). */
export function packageNameOf(path: string): string {
  const index = path.lastIndexOf('node_modules/');
  return index < 0 ? path : path.slice(index + 'node_modules/'.length);
}

/** The folder whose node_modules is searched next (node_modules/a/node_modules/b -> node_modules/a; node_modules/a or a workspace -> the root). */
function parentFolder(path: string): string {
  const index = path.lastIndexOf('/node_modules/');
  return index < 0 ? '' : path.slice(0, index);
}

/** The install path a dependency of the package at `from` resolves to, as npm (and Node) look it up. */
function resolveFrom(lock: Lockfile, from: string, name: string): string | null {
  for (let base = from; ; base = parentFolder(base)) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (base === '') return null;
  }
}

function edges(entry: LockEntry, options: InstallOptions, isTop: boolean): Array<{ name: string; optional: boolean }> {
  const out: Array<{ name: string; optional: boolean }> = [];
  for (const name of Object.keys(entry.dependencies ?? {})) out.push({ name, optional: false });
  if (!options.omitOptional) for (const name of Object.keys(entry.optionalDependencies ?? {})) out.push({ name, optional: true });
  // npm installs a package's peers. An optional peer present in the lockfile
  // (there for another reason, e.g. a root devDependency) is flagged
  // devOptional and kept by a whole-project install with only --omit=dev; an
  // install of named workspaces takes only what their edges need.
  const wholeProject = options.workspaces.length === 0;
  for (const name of Object.keys(entry.peerDependencies ?? {})) {
    const optional = entry.peerDependenciesMeta?.[name]?.optional === true;
    if (!optional) out.push({ name, optional: false });
    else if (wholeProject && !options.omitOptional) out.push({ name, optional: true });
  }
  if (isTop && !options.omitDev) for (const name of Object.keys(entry.devDependencies ?? {})) out.push({ name, optional: false });
  return out;
}

/**
 * Every package `npm ci` installs with `options`, by install path. Throws when
 * the lockfile misses a required package (npm ci would fail too).
 */
export function installedPackages(lock: Lockfile, options: InstallOptions): Map<string, InstalledPackage> {
  const rootEntry = lock.packages[''];
  if (!rootEntry) throw new Error('package-lock.json: no root package');
  const tops = options.workspaces.length > 0 ? [...(options.includeRoot ? [''] : []), ...options.workspaces] : ['', ...(rootEntry.workspaces ?? [])];
  const installed = new Map<string, InstalledPackage>();
  const queue: Array<{ path: string; via: readonly string[]; isTop: boolean }> = [];
  for (const top of tops) {
    if (!lock.packages[top]) throw new Error(`package-lock.json: no workspace ${top}`);
    queue.push({ path: top, via: [top === '' ? '(root)' : top], isTop: true });
  }
  while (queue.length > 0) {
    const { path, via, isTop } = queue.shift()!;
    const entry = lock.packages[path]!;
    for (const { name, optional } of edges(entry, options, isTop)) {
      let target = resolveFrom(lock, path, name);
      if (target === null) {
        if (optional) continue;
        throw new Error(`package-lock.json: ${via.join(' > ')} needs ${name}, which the lockfile does not have`);
      }
      const linked = lock.packages[target]!;
      if (linked.link && linked.resolved !== undefined) target = linked.resolved;
      if (installed.has(target) || tops.includes(target)) continue;
      const chain = [...via, name];
      installed.set(target, { name: lock.packages[target]?.name ?? packageNameOf(target), via: chain });
      queue.push({ path: target, via: chain, isTop: false });
    }
  }
  return installed;
}
