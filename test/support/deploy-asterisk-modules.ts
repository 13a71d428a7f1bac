// Module loading of modules.conf, checked against the dependencies of the
// Asterisk release the image builds (../shared/asterisk/module-requires-<version>.json,
// taken from each module's AST_MODULE_INFO). With `autoload = no`, a module
// loads only when every module in its `requires` is loaded too; a `require =`
// module that cannot load stops Asterisk at start-up ("Module initialization
// failed. ASTERISK EXITING!"), which is how the image once shipped.
import { readFileSync } from 'node:fs';
import { sectionsNamed, values, type AsteriskConfig } from './deploy-asterisk-config.js';
import { sharedPath } from './shared-reference.js';

interface ModuleInfo {
  readonly requires: string[];
  readonly optional: string[];
  readonly support_level: string;
  readonly built_by_default_menuselect: boolean;
}

export interface ModuleReference {
  readonly version: string;
  readonly modules: Readonly<Record<string, ModuleInfo>>;
  /** Parts of the core that need no `load =` (cdr, http, dnsmgr, ...). */
  readonly coreBuiltins: ReadonlySet<string>;
}

/** The module dependencies of Asterisk `version`, read from the shared reference data. */
export function readModuleReference(version: string): ModuleReference {
  const raw = JSON.parse(readFileSync(sharedPath('asterisk', `module-requires-${version}.json`), 'utf8')) as {
    asterisk_version: string;
    modules: Record<string, ModuleInfo>;
    core_builtins: string[];
  };
  if (raw.asterisk_version !== version) throw new Error(`module-requires-${version}.json describes Asterisk ${raw.asterisk_version}`);
  return { version, modules: raw.modules, coreBuiltins: new Set(raw.core_builtins) };
}

/** The Asterisk release the image builds (ARG ASTERISK_VERSION of its Dockerfile). */
export function imageAsteriskVersion(dockerfile: string): string | null {
  return /^ARG ASTERISK_VERSION=(\S+)$/m.exec(dockerfile)?.[1] ?? null;
}

/**
 * Every module modules.conf loads (`load`, `require`, `preload`, `preload-require`)
 * exists in the release, is built by the image (the default menuselect), and has
 * each module of its `requires` loaded too, or built into the core.
 */
export function checkModuleClosure(modules: AsteriskConfig, reference: ModuleReference): string[] {
  const section = sectionsNamed(modules, 'modules')[0];
  if (!section) return ['modules.conf: no [modules] section'];
  const problems: string[] = [];
  const listed = ['preload', 'preload-require', 'require', 'load'].flatMap((key) => values(section, key).map((name) => ({ key, name })));
  const loaded = new Set(listed.map(({ name }) => name));
  const noload = new Set(values(section, 'noload'));
  for (const { key, name } of [...listed, ...[...noload].map((name) => ({ key: 'noload', name }))]) {
    const info = reference.modules[name];
    if (!info) {
      problems.push(`modules.conf: ${key} = ${name}, but Asterisk ${reference.version} has no module ${name}`);
      continue;
    }
    if (key !== 'noload' && !info.built_by_default_menuselect) {
      problems.push(`modules.conf: ${key} = ${name}, but the image's build (default menuselect) does not make ${name}`);
    }
    if (key === 'noload') continue;
    for (const dependency of info.requires) {
      if (reference.coreBuiltins.has(dependency)) continue;
      const file = `${dependency}.so`;
      if (noload.has(file)) problems.push(`modules.conf: ${name} requires ${dependency}, which is noload`);
      else if (!loaded.has(file)) {
        const consequence = key.endsWith('require') ? 'Asterisk exits at start-up' : `${name} does not load`;
        problems.push(`modules.conf: ${name} requires ${dependency}, which is not loaded (${consequence})`);
      }
    }
  }
  return problems;
}
