// Consistency of the Asterisk configuration with itself, with the compose
// file and with the backend: the configuration is rendered by the image's own
// script (deploy-asterisk-render.ts), then read back and checked area by area.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { interpolate, loadCompose, networkSubnet, serviceEnvironment, servicePorts } from './deploy-compose.js';
import { readAsteriskConfig, readDialplan } from './deploy-asterisk-config.js';
import { checkModuleClosure, checkModules, imageAsteriskVersion, readModuleReference } from './deploy-asterisk-modules.js';
import { checkIdentification, checkStartupFiles } from './deploy-asterisk-security.js';
import { STAFF_FALLBACK_FILE, checkOutboundAmd, checkRealtime } from './deploy-asterisk-realtime.js';
import { checkContexts, checkFallback, checkStasis, checkTransfer } from './deploy-asterisk-dialplan-checks.js';
import { checkAri, checkReferences, checkRtpAndTransport, checkStaff, checkSystemName, checkTwilio } from './deploy-asterisk-service-checks.js';
import { ALL_VARIANTS, dotenvVariant, renderAsteriskConfig, type DotenvVariant, type RenderedConfig } from './deploy-asterisk-render.js';

/** What each group of checks covers; a test per area names what broke. */
export type CheckArea = 'modules' | 'identification' | 'dialplan' | 'startup-files' | 'consistency';
export type AreaProblems = Record<CheckArea, string[]>;
/** Every inconsistency of the Asterisk configuration in the project at `root`, by area (all empty when consistent). */
export function checkAsteriskConfigAreas(root: string, variants: readonly DotenvVariant[] = ALL_VARIANTS): AreaProblems {
  const areas: AreaProblems = { modules: [], identification: [], dialplan: [], 'startup-files': [], consistency: [] };
  for (const dotenv of variants.map((variant) => dotenvVariant(root, variant))) {
    const rendered = renderAsteriskConfig(root, dotenv);
    if ('error' in rendered) {
      areas.consistency.push(rendered.error);
      continue;
    }
    try {
      const found = checkRendered(root, rendered, dotenv);
      for (const area of Object.keys(areas) as CheckArea[]) {
        for (const problem of found[area]) if (!areas[area].includes(problem)) areas[area].push(problem);
      }
    } finally {
      rendered.remove();
    }
  }
  return areas;
}

/** Every inconsistency of the Asterisk configuration in the project at `root` (empty when consistent). */
export function checkAsteriskConfig(root: string, variants: readonly DotenvVariant[] = ALL_VARIANTS): string[] {
  return Object.values(checkAsteriskConfigAreas(root, variants)).flat();
}

function checkRendered(root: string, rendered: RenderedConfig, dotenv: ReadonlyMap<string, string>): AreaProblems {
  const read = (file: string) => readAsteriskConfig(rendered.dir, file);
  // What Asterisk can find without the database: pjsip.conf and the staff fallback (sorcery.conf).
  const pjsip = { file: 'pjsip.conf', sections: [...read('pjsip.conf').sections, ...read(STAFF_FALLBACK_FILE).sections] };
  const extensions = read('extensions.conf');
  const modules = read('modules.conf');
  const dialplan = readDialplan(extensions);
  const compose = loadCompose(root);
  const backendEnv = serviceEnvironment(compose.services.backend ?? {});
  const fromCompose = (key: string) => interpolate(backendEnv[key] ?? '', dotenv).value;
  const env = (key: string) => rendered.env.get(key) ?? '';
  const version = imageAsteriskVersion(readFileSync(join(root, 'docker/asterisk/Dockerfile'), 'utf8'));
  const asteriskService = compose.services.asterisk ?? {};

  return {
    modules: [
      ...checkModules(modules, dialplan, pjsip),
      ...(version ? checkModuleClosure(modules, readModuleReference(version)) : ['docker/asterisk/Dockerfile: no ARG ASTERISK_VERSION']),
    ],
    identification: [...checkIdentification(pjsip, rendered.dir), ...checkTwilio(pjsip)],
    dialplan: [
      ...checkStasis(dialplan, fromCompose('ARI_APP_NAME') || 'prosaas_ai'),
      ...checkContexts(pjsip, dialplan),
      ...checkFallback(pjsip, dialplan),
      ...checkTransfer(dialplan),
      ...checkOutboundAmd(dialplan, fromCompose('ARI_APP_NAME') || 'prosaas_ai'),
    ],
    'startup-files': checkStartupFiles(rendered.dir),
    consistency: [
      ...checkStaff(pjsip, dialplan, env),
      ...checkReferences(pjsip),
      ...checkAri(root, read, fromCompose, env),
      ...checkSystemName(read('asterisk.conf'), env),
      ...checkRtpAndTransport(read('rtp.conf'), pjsip, servicePorts(asteriskService), networkSubnet(compose.raw, 'voice'), env),
      ...checkRealtime(root, read, modules, env, fromCompose('DATABASE_URL'), fromCompose),
    ],
  };
}

