// Module loading of modules.conf, checked against the dependencies of the
// Asterisk release the image builds (../shared/asterisk/module-requires-<version>.json,
// taken from each module's AST_MODULE_INFO). With `autoload = no`, a module
// loads only when every module in its `requires` is loaded too; a `require =`
// module that cannot load stops Asterisk at start-up ("Module initialization
// failed. ASTERISK EXITING!"), which is how the image once shipped.
import { readFileSync } from 'node:fs';
import { objectsOfType, sectionsNamed, value, values, type AsteriskConfig, type Dialplan } from './deploy-asterisk-config.js';
import { locationsOf } from './deploy-asterisk-dialplan-checks.js';
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

/** The module each dialplan application or function we use lives in (core ones need none). */
const APP_MODULES: Record<string, string | null> = {
  Stasis: 'app_stasis.so', AMD: 'app_amd.so', Dial: 'app_dial.so', Playback: 'app_playback.so', Log: 'app_verbose.so',
  Verbose: 'app_verbose.so', Goto: null, GotoIf: null, Hangup: null, Answer: null, NoOp: null,
};
const FUNCTION_MODULES: Record<string, string> = { REGEX: 'func_strings.so', CALLERID: 'func_callerid.so', CHANNEL: 'func_channel.so' };
/** What the rest of the configuration needs, whatever the dialplan does. */
const BASE_MODULES = [
  'pbx_config.so', 'res_pjsip.so', 'res_pjsip_session.so', 'chan_pjsip.so', 'res_pjsip_sdp_rtp.so', 'res_rtp_asterisk.so',
  'chan_rtp.so', 'res_http_websocket.so', 'res_stasis.so', 'res_ari.so', 'res_ari_applications.so', 'res_ari_asterisk.so',
  'res_ari_bridges.so', 'res_ari_channels.so', 'res_ari_events.so', 'bridge_simple.so', 'codec_ulaw.so', 'format_pcm.so',
  'res_timing_timerfd.so',
];

/** The modules the dialplan's applications and functions and the PJSIP configuration need, each loaded and none noload. */
export function checkModules(modules: AsteriskConfig, dialplan: Dialplan, pjsip: AsteriskConfig): string[] {
  const section = sectionsNamed(modules, 'modules')[0];
  if (!section) return ['modules.conf: no [modules] section'];
  const problems: string[] = [];
  if (value(section, 'autoload') !== 'no') problems.push('modules.conf: autoload is not no');
  const loaded = new Set([...values(section, 'load'), ...values(section, 'require')]);
  const needed = new Map<string, string>(BASE_MODULES.map((module) => [module, 'the deployment']));
  for (const { priority } of locationsOf(dialplan)) {
    const module = APP_MODULES[priority.app];
    if (module === undefined) problems.push(`extensions.conf:${priority.line}: the checker does not know which module provides ${priority.app}`);
    else if (module) needed.set(module, `${priority.app}()`);
    for (const [, fn] of priority.args.matchAll(/\$\{([A-Z_]+)\(/g)) {
      const fnModule = FUNCTION_MODULES[fn!];
      if (!fnModule) problems.push(`extensions.conf:${priority.line}: the checker does not know which module provides ${fn}()`);
      else needed.set(fnModule, `${fn}()`);
    }
  }
  if (objectsOfType(pjsip, 'identify').length) needed.set('res_pjsip_endpoint_identifier_ip.so', 'identify sections');
  if (objectsOfType(pjsip, 'auth').length) needed.set('res_pjsip_authenticator_digest.so', 'auth sections');
  if (objectsOfType(pjsip, 'endpoint').some((e) => value(e, 'outbound_auth'))) needed.set('res_pjsip_outbound_authenticator_digest.so', 'outbound_auth');
  if (objectsOfType(pjsip, 'aor').some((a) => value(a, 'max_contacts'))) needed.set('res_pjsip_registrar.so', 'registering phones');
  for (const [module, reason] of needed) {
    if (!loaded.has(module)) problems.push(`modules.conf: ${module} is not loaded, but ${reason} needs it`);
  }
  for (const module of values(section, 'noload')) {
    if (needed.has(module)) problems.push(`modules.conf: ${module} is noload, but ${needed.get(module)} needs it`);
  }
  return problems;
}
