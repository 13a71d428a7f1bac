// Checks of docker-compose.sip.yml: start-up gated on health, the shared
// volumes, every variable the programs require provided, the programs' own
// configuration validation passing on the environment compose gives them,
// and the addresses between the containers agreeing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isIPv4 } from 'node:net';
import { ConfigError, loadConfig, type Config } from '../../src/config.js';
import { MediaConfigError, loadMediaConfig, type MediaConfig } from '../../media/config.js';
import { AiEnvShape } from '../../media/config-ai.js';
import {
  COMPOSE_FILE,
  allScalars,
  interpolate,
  isMapping,
  loadCompose,
  networkSubnet,
  parseDotenv,
  requiredReference,
  serviceEnvironment,
  servicePorts,
  serviceVolumes,
  type ComposeFile,
  type ComposeService,
} from './deploy-compose.js';
import { healthcheckUrl, readDockerfile, createdFolders, type Dockerfile } from './deploy-dockerfile.js';
import { PROJECT_ROOT, sampleDotenv } from './deploy-fixture.js';
import { addressInSubnet } from './deploy-net.js';

export const BACKEND = 'backend';
export const GATEWAY = 'media-gateway';
export const ASTERISK = 'asterisk';
export const POSTGRES = 'postgres';
const TOP_LEVEL_KEYS = new Set(['name', 'services', 'volumes', 'networks']);
/** Backend variables that only serve runs without Docker (the compose file always sets DATABASE_URL). */
const NOT_FOR_COMPOSE = new Set(['EMBEDDED_PG_DIR', 'EMBEDDED_PG_PORT']);
const SECRET_NAME = /PASSWORD|TOKEN|SECRET|API_KEY/;
/** Who must be healthy before whom. */
const GATING: ReadonlyArray<[string, string]> = [
  [BACKEND, ASTERISK],
  [BACKEND, POSTGRES],
  [BACKEND, GATEWAY],
  [GATEWAY, ASTERISK],
];

/** Variable names of a zod object literal `const <name> = z.object({ ... });` in a program's source. */
export function schemaKeys(file: string, schemaName: string): string[] {
  const source = readFileSync(join(PROJECT_ROOT, file), 'utf8');
  const start = source.indexOf(`const ${schemaName} = z.object({`);
  const end = start < 0 ? -1 : source.indexOf('\n});', start);
  if (start < 0 || end < 0) throw new Error(`${file}: ${schemaName} not found`);
  const keys = [...source.slice(start, end).matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((match) => match[1]!);
  if (keys.length === 0) throw new Error(`${file}: ${schemaName} has no variables`);
  return keys;
}

export function backendVariables(): string[] {
  return schemaKeys('src/config.ts', 'EnvSchema');
}

export function gatewayVariables(): string[] {
  return [...schemaKeys('media/config.ts', 'MediaEnvSchema'), ...Object.keys(AiEnvShape)];
}

/** A gateway with the self-hosted engine's three servers and no cloud key (compose profile `self-hosted`). */
export const SELF_HOSTED_ONLY_ENV: Readonly<Record<string, string>> = Object.freeze({
  SELF_HOSTED_STT_URL: 'http://whisper:8000/v1',
  SELF_HOSTED_LLM_URL: 'http://ollama:11434/v1',
  SELF_HOSTED_TTS_URL: 'http://kokoro:8880/v1',
  AI_DEFAULT_ENGINE: 'self-hosted',
});

/** Variables the gateway requires for some engines only (the cloud keys of the cascade and the Realtime engine). */
export function engineKeys(): string[] {
  const always = new Set(requiredVariables('media-gateway', { ...SELF_HOSTED_ONLY_ENV }));
  return requiredVariables('media-gateway').filter((name) => !always.has(name));
}

/** The variables a program refuses to start without (given `env`), as its own validation reports them. */
export function requiredVariables(program: 'backend' | 'media-gateway', env: Record<string, string> = {}): string[] {
  try {
    if (program === 'backend') loadConfig(env);
    else loadMediaConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => /^([A-Z][A-Z0-9_]*):/.exec(p)?.[1] ?? p);
    if (error instanceof MediaConfigError) return error.problems.map((p) => /^([A-Z][A-Z0-9_]*) /.exec(p)?.[1] ?? p);
    throw error;
  }
  throw new Error(`${program} starts with an empty environment: the required-variable check would test nothing`);
}

function dependsOnCondition(service: ComposeService, dependency: string): string | null {
  const dependsOn = service.depends_on;
  if (!isMapping(dependsOn)) return null;
  const entry = dependsOn[dependency];
  return isMapping(entry) && typeof entry.condition === 'string' ? entry.condition : null;
}

function dockerfileOf(root: string, service: ComposeService): Dockerfile | null {
  const build = service.build;
  if (!isMapping(build) || typeof build.context !== 'string') return null;
  const path = typeof build.dockerfile === 'string' ? build.dockerfile : join(build.context, 'Dockerfile');
  return readDockerfile(root, path);
}

/** The service's environment as compose passes it, given the .env `dotenv`. */
export function resolvedEnvironment(service: ComposeService, dotenv: ReadonlyMap<string, string>): { env: Record<string, string>; problems: string[] } {
  const env: Record<string, string> = {};
  const problems: string[] = [];
  for (const [key, raw] of Object.entries(serviceEnvironment(service))) {
    if (raw === null) {
      problems.push(`${key} has no value (compose would take it from the shell)`);
      continue;
    }
    const result = interpolate(raw, dotenv);
    for (const name of result.refused) problems.push(`compose refuses to start: ${name} is not set`);
    env[key] = result.value;
  }
  return { env, problems };
}

/** Every problem of the compose file in the project at `root` (empty when there is none). */
export function checkCompose(root: string): string[] {
  const compose = loadCompose(root);
  const problems: string[] = [];
  // `x-` keys are Compose's extension fields (shared settings for anchors and merge keys).
  for (const key of Object.keys(compose.raw)) if (!TOP_LEVEL_KEYS.has(key) && !key.startsWith('x-')) problems.push(`compose: unexpected top-level key ${key}`);
  for (const name of [POSTGRES, ASTERISK, GATEWAY, BACKEND]) if (!compose.services[name]) problems.push(`compose: no ${name} service`);
  if (problems.length > 0) return problems;
  problems.push(...checkGating(root, compose));
  problems.push(...checkVolumes(root, compose));
  problems.push(...checkVariables(root, compose));
  problems.push(...checkPrograms(root, compose));
  problems.push(...checkFirstRun(root, compose));
  problems.push(...checkVerifyScript(root, compose));
  problems.push(...checkSystemNames(root, compose));
  return problems;
}

/** Services running the Asterisk image (built from docker/asterisk). */
function asteriskServices(compose: ComposeFile): string[] {
  return Object.entries(compose.services)
    .filter(([, service]) => isMapping(service.build) && service.build.context === 'docker/asterisk')
    .map(([name]) => name);
}

/**
 * Each Asterisk service names itself (asterisk.conf systemname, the prefix of
 * its channel ids) explicitly and differently: left to the container id, the
 * name would change whenever the container is re-created.
 */
function checkSystemNames(root: string, compose: ComposeFile): string[] {
  const problems: string[] = [];
  const dotenv = sampleDotenv(root);
  const byName = new Map<string, string>();
  for (const name of asteriskServices(compose)) {
    const systemName = resolvedEnvironment(compose.services[name]!, dotenv).env.ASTERISK_SYSTEM_NAME;
    if (!systemName) {
      problems.push(`compose: ${name} does not set ASTERISK_SYSTEM_NAME (its systemname would be the container id)`);
      continue;
    }
    const other = byName.get(systemName);
    if (other) problems.push(`compose: ${other} and ${name} share ASTERISK_SYSTEM_NAME ${systemName}; their channel ids would collide`);
    byName.set(systemName, name);
  }
  return problems;
}

/**
 * scripts/verify_ari_registration.sh --docker, run on the host, reads .env:
 * the ARI URL there must be the loopback port compose publishes ARI on, and
 * the script's default compose file and service must exist.
 */
function checkVerifyScript(root: string, compose: ComposeFile): string[] {
  const problems: string[] = [];
  const script = readFileSync(join(PROJECT_ROOT, 'scripts/verify_ari_registration.sh'), 'utf8');
  const service = /docker_service=([a-z0-9-]+)/.exec(script)?.[1];
  if (!script.includes(COMPOSE_FILE)) problems.push(`verify_ari_registration.sh --docker does not default to ${COMPOSE_FILE}`);
  if (!service || !compose.services[service]) problems.push(`verify_ari_registration.sh --docker runs in service ${service ?? '(none)'}, which the compose file does not define`);
  const example = parseDotenv(readFileSync(join(root, '.env.example'), 'utf8'), '.env.example').values;
  const url = new URL(example.get('ASTERISK_ARI_URL') ?? 'http://invalid');
  const ari = servicePorts(compose.services[ASTERISK]!).find((port) => port.containerStart === 8088 && port.protocol === 'tcp');
  if (!ari || ari.hostIp !== '127.0.0.1' || String(ari.hostStart) !== url.port || url.hostname !== '127.0.0.1') {
    problems.push(`compose: ARI is not published at ${url.host} (the ASTERISK_ARI_URL of .env.example that verify_ari_registration.sh uses on the host)`);
  }
  return problems;
}

/**
 * A newcomer's path: every variable compose requires is either set in
 * .env.example, generated by docker/init-env.sh, or asked for by it, and the
 * README's first lines run init-env.sh and compose and name what it asks for.
 */
function checkFirstRun(root: string, compose: ComposeFile): string[] {
  const problems: string[] = [];
  const example = parseDotenv(readFileSync(join(root, '.env.example'), 'utf8'), '.env.example').values;
  const script = readFileSync(join(root, 'docker/init-env.sh'), 'utf8');
  const generated = new Set((/^SECRETS="([^"]*)"/m.exec(script)?.[1] ?? '').split(/\s+/).filter(Boolean));
  const asked = new Set([...script.matchAll(/\$\(value_of ([A-Z0-9_]+)\)/g)].map((match) => match[1]!));
  // What compose requires, and the cloud keys the default deployment (the cascade) needs from the operator.
  const required = new Set([
    ...allScalars(compose.raw).flatMap(({ text }) => (text.match(/\$\{[^}]*\}/g) ?? []).map(requiredReference).filter((name): name is string => name !== null)),
    ...engineKeys(),
  ]);
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const quickStart = readme.slice(0, readme.indexOf('\n# '));
  for (const name of required) {
    if (example.get(name)) continue;
    if (generated.has(name)) continue;
    if (!asked.has(name)) problems.push(`docker/init-env.sh neither generates nor asks for ${name}, which the deployment needs`);
    else if (!quickStart.includes(name)) problems.push(`README.md: the first-run instructions do not mention ${name}`);
  }
  const [fence, run, test] = readme.split('\n');
  if (fence !== '```sh' || !run?.startsWith('docker/init-env.sh && docker compose -f docker-compose.sip.yml up -d') || !test?.startsWith('npm ci && npm test')) {
    problems.push("README.md: the first two commands are not the compose run command and the test command");
  }
  return problems;
}

function checkGating(root: string, compose: ComposeFile): string[] {
  const problems: string[] = [];
  for (const [dependent, dependency] of GATING) {
    const condition = dependsOnCondition(compose.services[dependent]!, dependency);
    if (condition !== 'service_healthy') problems.push(`compose: ${dependent} does not wait for ${dependency} to be healthy (depends_on condition: ${condition ?? 'none'})`);
  }
  for (const [name, service] of Object.entries(compose.services)) {
    const healthcheck = service.healthcheck;
    const inImage = dockerfileOf(root, service)?.stages.at(-1)?.instructions.some((i) => i.keyword === 'HEALTHCHECK') ?? false;
    if (isMapping(healthcheck) && healthcheck.disable === 'true') problems.push(`compose: ${name} disables its health check`);
    if (!isMapping(healthcheck) && !inImage) problems.push(`compose: ${name} has no health check`);
  }
  const test = (name: string) => {
    const healthcheck = compose.services[name]!.healthcheck;
    return isMapping(healthcheck) && Array.isArray(healthcheck.test) ? healthcheck.test.filter((part): part is string => typeof part === 'string').join(' ') : '';
  };
  if (!/^CMD asterisk-healthcheck$/.test(test(ASTERISK))) problems.push('compose: the asterisk health check does not run asterisk-healthcheck (ARI ping with the configured credentials)');
  if (!/^CMD-SHELL pg_isready\b/.test(test(POSTGRES))) problems.push('compose: the postgres health check does not run pg_isready');
  const script = readFileSync(join(root, 'docker/asterisk/healthcheck.sh'), 'utf8');
  for (const needed of ['ASTERISK_ARI_USERNAME', 'ASTERISK_ARI_PASSWORD', '--fail', '/ari/asterisk/ping', '--config -']) {
    if (!script.includes(needed)) problems.push(`healthcheck.sh: does not use ${needed}`);
  }
  return problems;
}

function checkVolumes(root: string, compose: ComposeFile): string[] {
  const problems: string[] = [];
  const declared = isMapping(compose.raw.volumes) ? Object.keys(compose.raw.volumes) : [];
  for (const name of ['recordings', 'postgres-data']) if (!declared.includes(name)) problems.push(`compose: volume ${name} is not declared`);
  const mounts = (service: string) => serviceVolumes(compose.services[service]!);
  const expectations: Array<[string, string, boolean]> = [
    [GATEWAY, 'recordings', false],
    // Read-write: the backend's retention job deletes expired recordings.
    [BACKEND, 'recordings', false],
    [POSTGRES, 'postgres-data', false],
  ];
  for (const [service, volume, readOnly] of expectations) {
    const mount = mounts(service).find((m) => m.source === volume);
    if (!mount) {
      problems.push(`compose: ${service} does not mount the ${volume} volume`);
      continue;
    }
    if (mount.readOnly !== readOnly) problems.push(`compose: ${service} mounts ${volume} ${mount.readOnly ? 'read-only' : 'read-write'}, expected ${readOnly ? 'read-only' : 'read-write'}`);
    if (volume !== 'recordings') continue;
    const dir = serviceEnvironment(compose.services[service]!).RECORDINGS_DIR;
    if (dir !== mount.target) problems.push(`compose: ${service}'s RECORDINGS_DIR (${dir ?? 'unset'}) is not where the recordings volume is mounted (${mount.target})`);
    const dockerfile = dockerfileOf(root, compose.services[service]!);
    const mode = dockerfile ? createdFolders(dockerfile).get(mount.target) : undefined;
    if (mode !== '0750') problems.push(`${service}: the image does not create ${mount.target} with mode 0750 (found ${mode ?? 'none'})`);
  }
  return problems;
}

function checkVariables(root: string, compose: ComposeFile): string[] {
  const problems: string[] = [];
  const example = parseDotenv(readFileSync(join(root, '.env.example'), 'utf8'), '.env.example');
  const programs: Array<[string, string[], 'backend' | 'media-gateway']> = [
    [BACKEND, backendVariables(), 'backend'],
    [GATEWAY, gatewayVariables(), 'media-gateway'],
  ];
  // Required by some engines only (the cloud keys): the compose file passes them through but may not make them required.
  const keys = engineKeys();
  const gatewayEnv = serviceEnvironment(compose.services[GATEWAY]!);
  for (const name of keys) {
    const raw = gatewayEnv[name];
    if (typeof raw === 'string' && requiredReference(raw)) problems.push(`compose: ${GATEWAY} makes ${name} required, but a gateway offering only the self-hosted engine runs without it (use \${${name}:-})`);
  }
  for (const [serviceName, variables, program] of programs) {
    const env = serviceEnvironment(compose.services[serviceName]!);
    for (const name of requiredVariables(program).filter((n) => program !== 'media-gateway' || !keys.includes(n))) {
      const raw = env[name];
      if (raw === undefined || raw === null || raw === '') problems.push(`compose: ${serviceName} requires ${name}, which the compose file does not provide`);
      else if (raw.includes('$') && !requiredReference(raw)) problems.push(`compose: ${serviceName} requires ${name}, but the compose file may pass it empty (use \${VAR:?message})`);
    }
    for (const name of variables) {
      if (!NOT_FOR_COMPOSE.has(name) && !(name in env)) problems.push(`compose: ${serviceName} does not receive ${name} (set it or pass it through from .env)`);
      if (!example.documented.has(name)) problems.push(`.env.example: ${name} (read by the ${program}) is not listed`);
    }
  }
  for (const { path, text } of allScalars(compose.raw)) {
    for (const name of interpolate(text, new Map()).references) {
      if (!example.documented.has(name)) problems.push(`.env.example: ${name} (used by the compose file at ${path}) is not listed`);
    }
    const key = path.split('.').at(-1) ?? '';
    if (path.includes('.environment.') && SECRET_NAME.test(key) && text !== '' && !text.includes('${')) {
      problems.push(`compose: ${path} is a literal secret; take it from .env`);
    }
  }
  return problems;
}

function checkPrograms(root: string, compose: ComposeFile): string[] {
  const problems: string[] = [];
  const dotenv = sampleDotenv(root);
  const resolved = (name: string) => {
    const result = resolvedEnvironment(compose.services[name]!, dotenv);
    problems.push(...result.problems.map((p) => `compose: ${name}: ${p}`));
    return result.env;
  };
  const backendEnv = resolved(BACKEND);
  const gatewayEnv = resolved(GATEWAY);
  const postgresEnv = resolved(POSTGRES);
  let backend: Config | null = null;
  let gateway: MediaConfig | null = null;
  try {
    backend = loadConfig(backendEnv);
  } catch (error) {
    problems.push(`backend: its configuration rejects the compose environment: ${(error as Error).message}`);
  }
  try {
    gateway = loadMediaConfig(gatewayEnv);
  } catch (error) {
    problems.push(`media-gateway: its configuration rejects the compose environment: ${(error as Error).message}`);
  }
  if (!backend || !gateway) return problems;

  const ari = new URL(backend.ari.url);
  const media = new URL(backend.media.url);
  const database = backend.db.url ? new URL(backend.db.url) : null;
  const backendUrl = new URL(gateway.ai.backendUrl);
  if (ari.hostname !== ASTERISK) problems.push(`backend: ASTERISK_ARI_URL points at ${ari.hostname}, not the ${ASTERISK} service`);
  if (media.hostname !== GATEWAY || Number(media.port) !== gateway.http.port) problems.push(`backend: MEDIA_GATEWAY_URL ${backend.media.url} is not the gateway's control API (${GATEWAY}:${gateway.http.port})`);
  if (!database || database.hostname !== POSTGRES) problems.push('backend: DATABASE_URL does not point at the postgres service');
  else if (
    decodeURIComponent(database.username) !== postgresEnv.POSTGRES_USER ||
    decodeURIComponent(database.password) !== postgresEnv.POSTGRES_PASSWORD ||
    database.pathname !== `/${postgresEnv.POSTGRES_DB}`
  ) {
    problems.push("backend: DATABASE_URL's user, password or database is not the postgres service's");
  }
  if (!backend.db.migrateOnStart) problems.push('backend: migrations are not applied at start');
  if (backend.media.token !== gateway.gatewayToken) problems.push('compose: the backend and the gateway get different MEDIA_GATEWAY_TOKEN values');
  if (backendUrl.hostname !== BACKEND || Number(backendUrl.port) !== backend.http.port) problems.push(`media-gateway: BACKEND_URL ${gateway.ai.backendUrl} is not the backend (${BACKEND}:${backend.http.port})`);

  const networks = compose.services[GATEWAY]!.networks;
  const voice = isMapping(networks) && isMapping(networks.voice) ? networks.voice : null;
  const staticAddress = voice && typeof voice.ipv4_address === 'string' ? voice.ipv4_address : null;
  const subnet = networkSubnet(compose.raw, 'voice');
  if (!isIPv4(gateway.rtp.advertiseHost)) problems.push(`media-gateway: RTP_ADVERTISE_HOST ${gateway.rtp.advertiseHost} is not an IPv4 address (Asterisk does not resolve host names in external_host)`);
  else if (gateway.rtp.advertiseHost !== staticAddress) problems.push(`media-gateway: RTP_ADVERTISE_HOST ${gateway.rtp.advertiseHost} is not the gateway's fixed address on the compose network (${staticAddress ?? 'none'})`);
  if (!subnet || !staticAddress || !addressInSubnet(staticAddress, subnet)) problems.push(`compose: the gateway's address ${staticAddress ?? '(none)'} is not inside the network's subnet ${subnet ?? '(none)'}`);

  const httpChecks: Array<[string, number]> = [[BACKEND, backend.http.port], [GATEWAY, gateway.http.port]];
  for (const [name, port] of httpChecks) {
    const dockerfile = dockerfileOf(root, compose.services[name]!);
    const url = dockerfile && healthcheckUrl(dockerfile);
    if (!url || Number(url.port) !== port) problems.push(`${name}: the image's HEALTHCHECK does not probe the HTTP port the program listens on (${port})`);
  }
  const published = servicePorts(compose.services[BACKEND]!);
  if (!published.some((port) => port.containerStart === backend.http.port)) problems.push(`compose: the backend's HTTP port ${backend.http.port} is not published`);
  return problems;
}
