// Consistency of the Asterisk configuration with itself, with the compose
// file and with the backend: the configuration is rendered by the image's own
// script (docker/asterisk/render-config.sh) from the environment compose
// gives the Asterisk container, then read back and checked.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  TRANSFER_CONTEXT,
  TRANSFER_EXTENSION,
  TRANSFER_PRIORITY,
  TRANSFER_TARGET_VARIABLE,
} from '../../src/calls/agent-actions.js';
import { interpolate, loadCompose, networkSubnet, serviceEnvironment, servicePorts, type PortMapping } from './deploy-compose.js';
import {
  nextPriority,
  objectsOfType,
  readAsteriskConfig,
  readDialplan,
  resolveTarget,
  sectionsNamed,
  splitArgs,
  value,
  values,
  type AsteriskConfig,
  type Dialplan,
  type Location,
} from './deploy-asterisk-config.js';
import { sampleDotenv, sampleValue } from './deploy-fixture.js';
import { checkModuleClosure, imageAsteriskVersion, readModuleReference } from './deploy-asterisk-modules.js';
import { checkIdentification, checkStartupFiles } from './deploy-asterisk-security.js';
import { STAFF_FALLBACK_FILE, checkOutboundAmd, checkRealtime } from './deploy-asterisk-realtime.js';
import { OUTBOUND_AMD_CONTEXT } from '../../src/outbound/dial-outcome.js';

export const CONFIG_SOURCE = 'docker/asterisk/config';
export const RENDER_SCRIPT = 'docker/asterisk/render-config.sh';

/** Twilio Elastic SIP Trunking signaling ranges (one /30 per edge). */
export const TWILIO_SIGNALING_RANGES = [
  '54.172.60.0/30', '54.244.51.0/30', '54.171.127.192/30', '35.156.191.128/30',
  '54.65.63.192/30', '54.169.127.128/30', '54.252.254.64/30', '177.71.206.192/30',
];

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

export interface RenderedConfig {
  readonly dir: string;
  readonly env: ReadonlyMap<string, string>;
  remove(): void;
}

/** Renders the configuration with the Asterisk container's environment as compose sets it from `dotenv`. */
export function renderAsteriskConfig(root: string, dotenv: ReadonlyMap<string, string>, serviceName = 'asterisk'): RenderedConfig | { error: string } {
  const compose = loadCompose(root);
  const service = compose.services[serviceName];
  if (!service) return { error: `no ${serviceName} service in the compose file` };
  const env = new Map<string, string>();
  for (const [key, raw] of Object.entries(serviceEnvironment(service))) env.set(key, interpolate(raw ?? '', dotenv).value);
  const dir = mkdtempSync(join(tmpdir(), 'asterisk-rendered-'));
  const result = spawnSync('bash', [join(root, RENDER_SCRIPT), join(root, CONFIG_SOURCE), dir], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...Object.fromEntries(env) },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { error: `render-config.sh exited ${result.status}: ${result.stderr.trim()}` };
  }
  return { dir, env, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What each group of checks covers; a test per area names what broke. */
export type CheckArea = 'modules' | 'identification' | 'dialplan' | 'startup-files' | 'consistency';
export type AreaProblems = Record<CheckArea, string[]>;

/**
 * The environments the configuration is rendered with: the newcomer's .env,
 * and the same with Twilio termination configured (its endpoint is rendered
 * only then).
 */
export type DotenvVariant = 'plain' | 'termination';
export const ALL_VARIANTS: readonly DotenvVariant[] = ['plain', 'termination'];

function dotenvVariant(root: string, variant: DotenvVariant): ReadonlyMap<string, string> {
  const plain = sampleDotenv(root);
  if (variant === 'plain') return plain;
  const termination = new Map(plain);
  termination.set('TWILIO_TERMINATION_HOST', 'example.pstn.twilio.com');
  termination.set('TWILIO_TERMINATION_USERNAME', 'trunk-user');
  termination.set('TWILIO_TERMINATION_PASSWORD', sampleValue('TWILIO_TERMINATION_PASSWORD'));
  return termination;
}

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

/** ARI: the user the backend logs in with, on the port it connects to and the health check probes. */
function checkAri(
  root: string,
  read: (file: string) => AsteriskConfig,
  fromCompose: (key: string) => string,
  env: (key: string) => string,
): string[] {
  const problems: string[] = [];
  const ari = read('ari.conf');
  const username = fromCompose('ASTERISK_ARI_USERNAME');
  const password = fromCompose('ASTERISK_ARI_PASSWORD');
  const general = sectionsNamed(ari, 'general')[0];
  if (!general || value(general, 'enabled') !== 'yes') problems.push('ari.conf: ARI is not enabled');
  const user = sectionsNamed(ari, username).find((section) => value(section, 'type') === 'user');
  if (!user) problems.push(`ari.conf: no ARI user named ${username} (the backend's ASTERISK_ARI_USERNAME)`);
  else if (value(user, 'password') !== password || value(user, 'password_format') !== 'plain') {
    problems.push(`ari.conf: the password of ${username} is not the backend's ASTERISK_ARI_PASSWORD`);
  }
  if (env('ASTERISK_ARI_USERNAME') !== username || env('ASTERISK_ARI_PASSWORD') !== password) {
    problems.push('compose: the Asterisk container and the backend do not get the same ARI credentials');
  }
  const http = sectionsNamed(read('http.conf'), 'general')[0];
  const ariUrl = new URL(fromCompose('ASTERISK_ARI_URL') || 'http://invalid');
  const healthcheck = readFileSync(join(root, 'docker/asterisk/healthcheck.sh'), 'utf8');
  const healthPort = /http:\/\/127\.0\.0\.1:(\d+)/.exec(healthcheck)?.[1];
  if (!http || value(http, 'enabled') !== 'yes') problems.push('http.conf: the HTTP server (ARI) is not enabled');
  else {
    const port = value(http, 'bindport');
    if (value(http, 'bindaddr') !== '0.0.0.0') problems.push('http.conf: bindaddr is not 0.0.0.0, the backend cannot reach ARI over the compose network');
    if (port !== ariUrl.port) problems.push(`http.conf: bindport ${port} is not the port of the backend's ASTERISK_ARI_URL (${ariUrl.port})`);
    if (port !== healthPort) problems.push('healthcheck.sh does not probe the port http.conf binds');
  }
  if (ariUrl.hostname !== 'asterisk') problems.push("compose: the backend's ASTERISK_ARI_URL does not point at the asterisk service");
  return problems;
}

/** The node's systemname, the prefix of its channel ids, is the one the container is given. */
function checkSystemName(asterisk: AsteriskConfig, env: (key: string) => string): string[] {
  const options = sectionsNamed(asterisk, 'options')[0];
  const name = options ? value(options, 'systemname') : undefined;
  if (name === undefined || name === '') return ['asterisk.conf: [options] has no systemname; two nodes would hand out the same channel ids'];
  if (name !== env('ASTERISK_SYSTEM_NAME')) return [`asterisk.conf: systemname ${name} is not the container's ASTERISK_SYSTEM_NAME`];
  return [];
}

function locationsOf(dialplan: Dialplan): Location[] {
  return [...dialplan].flatMap(([context, extensions]) =>
    [...extensions].flatMap(([exten, priorities]) => priorities.map((priority) => ({ context, exten, priority }))),
  );
}

function checkStasis(dialplan: Dialplan, appName: string): string[] {
  const problems: string[] = [];
  const stasis = locationsOf(dialplan).filter((location) => location.priority.app === 'Stasis');
  for (const { context, exten, priority } of stasis) {
    const [app, first, second] = splitArgs(priority.args);
    if (app !== appName) problems.push(`extensions.conf:${priority.line}: Stasis(${app}) in ${context}/${exten}, but the backend registers ${appName}`);
    if (context === OUTBOUND_AMD_CONTEXT) continue;
    if (first !== 'inbound' || second !== '${EXTEN}') problems.push(`extensions.conf:${priority.line}: Stasis arguments are not inbound,\${EXTEN}`);
  }
  const twilio = dialplan.get('from-twilio');
  if (!twilio) return [...problems, 'extensions.conf: no [from-twilio] context'];
  for (const exten of ['_X.', '_+X.', 's']) {
    const first = twilio.get(exten)?.[0];
    if (!first || first.app !== 'Stasis') problems.push(`extensions.conf: from-twilio/${exten} does not start with Stasis()`);
  }
  return problems;
}

function checkContexts(pjsip: AsteriskConfig, dialplan: Dialplan): string[] {
  const problems: string[] = [];
  for (const endpoint of objectsOfType(pjsip, 'endpoint')) {
    const context = value(endpoint, 'context');
    if (!context) problems.push(`pjsip.conf: endpoint ${endpoint.name} names no context`);
    else if (!dialplan.has(context)) problems.push(`pjsip.conf: endpoint ${endpoint.name} names context ${context}, which extensions.conf does not define`);
  }
  for (const location of locationsOf(dialplan)) {
    const { app, args, line } = location.priority;
    const targets = app === 'Goto' ? [args] : app === 'GotoIf' ? (/\?(.*)$/.exec(args)?.[1] ?? '').split(':').filter(Boolean) : [];
    for (const target of targets) {
      if (!resolveTarget(dialplan, location, target)) problems.push(`extensions.conf:${line}: ${app} target ${target} does not exist`);
    }
  }
  return problems;
}

/** Applications run from `start` on, following Goto (at most `limit` steps). */
function walk(dialplan: Dialplan, start: Location | null, limit = 20): Location[] {
  const path: Location[] = [];
  let current = start;
  while (current && path.length < limit) {
    path.push(current);
    if (current.priority.app === 'Hangup') break;
    current = current.priority.app === 'Goto' ? resolveTarget(dialplan, current, current.priority.args) : nextPriority(dialplan, current);
  }
  return path;
}

function dialedEndpoint(location: Location): string | null {
  return /^PJSIP\/([^,@]+)/.exec(splitArgs(location.priority.args)[0] ?? '')?.[1] ?? null;
}

function checkFallback(pjsip: AsteriskConfig, dialplan: Dialplan): string[] {
  const problems: string[] = [];
  const endpoints = new Set(objectsOfType(pjsip, 'endpoint').map((endpoint) => endpoint.name));
  for (const [exten, priorities] of dialplan.get('from-twilio') ?? []) {
    const check = priorities.find((p) => p.app === 'GotoIf' && /\$\{STASISSTATUS\}"?\s*=\s*"?FAILED/.test(p.args));
    if (!check) {
      problems.push(`extensions.conf: from-twilio/${exten} drops the caller when Stasis fails (no STASISSTATUS = FAILED fallback)`);
      continue;
    }
    const target = /\?([^:]*)/.exec(check.args)?.[1] ?? '';
    const path = walk(dialplan, resolveTarget(dialplan, { context: 'from-twilio', exten, priority: check }, target));
    const apps = path.map((location) => location.priority.app);
    const dial = path.find((location) => location.priority.app === 'Dial');
    const endpoint = dial && dialedEndpoint(dial);
    if (!apps.includes('Playback')) problems.push(`extensions.conf: the fallback of from-twilio/${exten} plays no message`);
    if (!endpoint || !endpoints.has(endpoint)) problems.push(`extensions.conf: the fallback of from-twilio/${exten} does not dial a PJSIP endpoint of pjsip.conf`);
    if (apps.at(-1) !== 'Hangup') problems.push(`extensions.conf: the fallback of from-twilio/${exten} does not end with Hangup`);
  }
  return problems;
}

function checkTransfer(dialplan: Dialplan): string[] {
  const start = dialplan.get(TRANSFER_CONTEXT)?.get(TRANSFER_EXTENSION)?.find((p) => p.number === TRANSFER_PRIORITY);
  if (!start) return [`extensions.conf: the backend transfers to ${TRANSFER_CONTEXT},${TRANSFER_EXTENSION},${TRANSFER_PRIORITY}, which does not exist`];
  const problems: string[] = [];
  const priorities = dialplan.get(TRANSFER_CONTEXT)!.get(TRANSFER_EXTENSION)!;
  const dial = priorities.find((p) => p.app === 'Dial' && splitArgs(p.args)[0] === `\${${TRANSFER_TARGET_VARIABLE}}`);
  if (!dial) problems.push(`extensions.conf: ${TRANSFER_CONTEXT} does not Dial(\${${TRANSFER_TARGET_VARIABLE}})`);
  else {
    const after = walk(dialplan, nextPriority(dialplan, { context: TRANSFER_CONTEXT, exten: TRANSFER_EXTENSION, priority: dial }));
    const apps = after.map((location) => location.priority.app);
    if (!apps.includes('Playback') || apps.at(-1) !== 'Hangup') problems.push(`extensions.conf: when the transfer is not answered, ${TRANSFER_CONTEXT} does not play a message and hang up`);
  }
  return problems;
}

function checkStaff(pjsip: AsteriskConfig, dialplan: Dialplan, env: (key: string) => string): string[] {
  const problems: string[] = [];
  for (const staff of ['100', '101']) {
    const endpoint = objectsOfType(pjsip, 'endpoint').find((section) => section.name === staff);
    if (!endpoint) {
      problems.push(`pjsip.conf: no endpoint for staff extension ${staff}`);
      continue;
    }
    const auth = objectsOfType(pjsip, 'auth').find((section) => section.name === value(endpoint, 'auth'));
    if (!auth || value(auth, 'username') !== staff || value(auth, 'password') !== env(`STAFF_${staff}_PASSWORD`)) {
      problems.push(`pjsip.conf: staff extension ${staff} does not authenticate as ${staff} with STAFF_${staff}_PASSWORD`);
    }
    if (!objectsOfType(pjsip, 'aor').some((section) => section.name === value(endpoint, 'aors'))) problems.push(`pjsip.conf: staff extension ${staff} has no aor to register to`);
    const internal = dialplan.get(value(endpoint, 'context') ?? '')?.get(staff)?.find((p) => p.app === 'Dial');
    if (!internal || dialedEndpoint({ context: '', exten: staff, priority: internal }) !== staff) {
      problems.push(`extensions.conf: extension ${staff} of the staff context does not dial PJSIP/${staff}`);
    }
  }
  return problems;
}

function checkTwilio(pjsip: AsteriskConfig): string[] {
  const problems: string[] = [];
  const trunk = objectsOfType(pjsip, 'endpoint').find((section) => value(section, 'context') === 'from-twilio' && !values(section, 'outbound_auth').length);
  if (!trunk) return ['pjsip.conf: no inbound Twilio endpoint with context from-twilio'];
  const identify = objectsOfType(pjsip, 'identify').filter((section) => value(section, 'endpoint') === trunk.name);
  const matches = new Set(identify.flatMap((section) => values(section, 'match').flatMap((match) => match.split(',').map((m) => m.trim()))));
  const missing = TWILIO_SIGNALING_RANGES.filter((range) => !matches.has(range));
  if (missing.length > 0) problems.push(`pjsip.conf: ${trunk.name} is not identified by Twilio's signaling ranges ${missing.join(', ')}`);
  if (!values(trunk, 'allow').some((allow) => allow.split(',').includes('ulaw'))) problems.push(`pjsip.conf: ${trunk.name} does not allow ulaw`);
  if (value(trunk, 'auth')) problems.push(`pjsip.conf: ${trunk.name} demands authentication, which Twilio origination does not do`);
  return problems;
}

function checkReferences(pjsip: AsteriskConfig): string[] {
  const problems: string[] = [];
  const names = (type: string) => new Set(objectsOfType(pjsip, type).map((section) => section.name));
  const refs: Array<[string, string]> = [['transport', 'transport'], ['auth', 'auth'], ['outbound_auth', 'auth'], ['aors', 'aor']];
  for (const endpoint of objectsOfType(pjsip, 'endpoint')) {
    for (const [key, type] of refs) {
      for (const name of values(endpoint, key).flatMap((v) => v.split(',').map((n) => n.trim()))) {
        if (!names(type).has(name)) problems.push(`pjsip.conf: endpoint ${endpoint.name} refers to ${type} ${name}, which does not exist`);
      }
    }
  }
  for (const identify of objectsOfType(pjsip, 'identify')) {
    if (!names('endpoint').has(value(identify, 'endpoint') ?? '')) problems.push(`pjsip.conf: identify ${identify.name} names an unknown endpoint`);
  }
  return problems;
}

function checkRtpAndTransport(
  rtp: AsteriskConfig,
  pjsip: AsteriskConfig,
  ports: PortMapping[],
  subnet: string | null,
  env: (key: string) => string,
): string[] {
  const problems: string[] = [];
  const general = sectionsNamed(rtp, 'general')[0];
  const start = Number(general && value(general, 'rtpstart'));
  const end = Number(general && value(general, 'rtpend'));
  const published = ports.filter((port) => port.protocol === 'udp' && port.containerEnd > port.containerStart);
  if (!Number.isInteger(start) || !Number.isInteger(end)) problems.push('rtp.conf: rtpstart/rtpend missing');
  else if (published.length !== 1) problems.push(`compose: the asterisk service publishes ${published.length} UDP port ranges, expected the RTP range ${start}-${end}`);
  else {
    const range = published[0]!;
    if (range.containerStart !== start || range.containerEnd !== end) problems.push(`compose: the published RTP range ${range.containerStart}-${range.containerEnd} is not rtp.conf's ${start}-${end}`);
    if (range.hostStart !== range.containerStart || range.hostEnd !== range.containerEnd) problems.push('compose: the RTP range is published on other host ports than Asterisk writes into its SDP');
    if (range.hostIp !== null) problems.push('compose: the RTP range is published on one host address only');
  }
  if (general && value(general, 'strictrtp') !== 'yes') problems.push('rtp.conf: strictrtp is not yes');

  const transports = objectsOfType(pjsip, 'transport');
  if (transports.length !== 1) return [...problems, `pjsip.conf: expected one transport, found ${transports.length}`];
  const transport = transports[0]!;
  const bindPort = Number(/:(\d+)$/.exec(value(transport, 'bind') ?? '')?.[1] ?? 5060);
  if (value(transport, 'protocol') !== 'udp') problems.push('pjsip.conf: the transport is not UDP');
  if (!ports.some((port) => port.protocol === 'udp' && port.containerStart === bindPort && port.hostStart === bindPort && port.hostIp === null)) {
    problems.push(`compose: SIP (${bindPort}/udp) is not published`);
  }
  for (const key of ['external_media_address', 'external_signaling_address']) {
    if (value(transport, key) !== env('ASTERISK_EXTERNAL_ADDRESS')) problems.push(`pjsip.conf: ${key} is not ASTERISK_EXTERNAL_ADDRESS`);
  }
  const localNets = values(transport, 'local_net');
  if (!subnet || !localNets.includes(subnet)) problems.push(`pjsip.conf: local_net does not include the compose network ${subnet ?? '(none)'}`);
  const ari = ports.filter((port) => port.containerStart <= 8088 && port.containerEnd >= 8088);
  if (ari.some((port) => port.hostIp !== '127.0.0.1')) problems.push('compose: ARI (8088) is published beyond the host loopback');
  return problems;
}

function checkModules(modules: AsteriskConfig, dialplan: Dialplan, pjsip: AsteriskConfig): string[] {
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
