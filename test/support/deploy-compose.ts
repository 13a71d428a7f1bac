// Docker Compose as our checks read it: the compose file through the `yaml`
// package (deploy-yaml.ts: strict, scalars as written), .env files, `${...}`
// interpolation and port mappings, each following Compose's documented rules
// for the forms we use and throwing on any other form.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml, type YamlMapping, type YamlValue } from './deploy-yaml.js';

export const COMPOSE_FILE = 'docker-compose.sip.yml';

export type ComposeService = YamlMapping;

export interface ComposeFile {
  readonly raw: YamlMapping;
  readonly services: Readonly<Record<string, ComposeService>>;
}

export function isMapping(value: YamlValue | undefined): value is YamlMapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function loadCompose(root: string): ComposeFile {
  const raw = parseYaml(readFileSync(join(root, COMPOSE_FILE), 'utf8'), COMPOSE_FILE);
  if (!isMapping(raw) || !isMapping(raw.services)) throw new Error(`${COMPOSE_FILE}: no services mapping`);
  const services: Record<string, ComposeService> = {};
  for (const [name, service] of Object.entries(raw.services)) {
    if (!isMapping(service)) throw new Error(`${COMPOSE_FILE}: service ${name} is not a mapping`);
    services[name] = service;
  }
  return { raw, services };
}

/** The service's `environment` (mapping form only), values uninterpolated. */
export function serviceEnvironment(service: ComposeService): Record<string, string | null> {
  const environment = service.environment;
  if (environment === undefined) return {};
  if (!isMapping(environment)) throw new Error('environment must use the mapping form (KEY: value)');
  const out: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(environment)) {
    if (value !== null && typeof value !== 'string') throw new Error(`environment ${key} is not a scalar`);
    out[key] = value;
  }
  return out;
}

export function stringList(value: YamlValue | undefined, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw new Error(`${what} must be a list of strings`);
  return value as string[];
}

/** The first ipam subnet of a top-level network. */
export function networkSubnet(raw: YamlMapping, network: string): string | null {
  const networks = raw.networks;
  if (!isMapping(networks)) return null;
  const entry = networks[network];
  if (!isMapping(entry) || !isMapping(entry.ipam)) return null;
  const config = entry.ipam.config;
  const first = Array.isArray(config) ? config[0] : undefined;
  return isMapping(first) && typeof first.subnet === 'string' ? first.subnet : null;
}

// ------------------------------------------------------------------ .env files

export interface DotenvFile {
  /** KEY=VALUE assignments (the last one wins, as in Compose). */
  readonly values: ReadonlyMap<string, string>;
  /** Every key assigned or shown in a commented `# KEY=default` line. */
  readonly documented: ReadonlySet<string>;
}

export function parseDotenv(text: string, source: string): DotenvFile {
  const values = new Map<string, string>();
  const documented = new Set<string>();
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '').trim();
    if (line === '') return;
    const commented = /^#\s?([A-Z][A-Z0-9_]*)=/.exec(line);
    if (commented) {
      documented.add(commented[1]!);
      return;
    }
    if (line.startsWith('#')) return;
    const assignment = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!assignment) throw new Error(`${source}:${index + 1}: expected KEY=VALUE`);
    let value = assignment[2]!;
    const quoted = /^"(.*)"$/.exec(value) ?? /^'(.*)'$/.exec(value);
    if (quoted) value = quoted[1]!;
    else if (/\s#/.test(value) || /\s/.test(value)) throw new Error(`${source}:${index + 1}: unquoted value with spaces or a comment`);
    values.set(assignment[1]!, value);
    documented.add(assignment[1]!);
  });
  return { values, documented };
}

// ------------------------------------------------------------- interpolation

export interface Interpolated {
  readonly value: string;
  /** Variables referenced, in order. */
  readonly references: string[];
  /** `${VAR:?msg}` / `${VAR?msg}` whose variable is missing: Compose refuses to start. */
  readonly refused: string[];
}

const REFERENCE = /\$(\$|\{([^}]*)\}|[A-Za-z_][A-Za-z0-9_]*)/g;

/** Compose interpolation of the forms ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?msg}, ${VAR?msg}, $VAR and $$. */
export function interpolate(text: string, env: ReadonlyMap<string, string>): Interpolated {
  const references: string[] = [];
  const refused: string[] = [];
  const value = text.replace(REFERENCE, (whole, body: string, braced: string | undefined) => {
    if (body === '$') return '$';
    if (braced === undefined) {
      references.push(body);
      return env.get(body) ?? '';
    }
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])(.*))?$/s.exec(braced);
    if (!match) throw new Error(`unsupported interpolation ${whole}`);
    const [, name, colon, operator, argument] = match as unknown as [string, string, string | undefined, string | undefined, string | undefined];
    if (argument !== undefined && argument.includes('$')) throw new Error(`nested interpolation is not supported: ${whole}`);
    references.push(name);
    const current = env.get(name);
    const missing = colon === ':' ? current === undefined || current === '' : current === undefined;
    if (operator === '-') return missing ? (argument ?? '') : current!;
    if (operator === '?') {
      if (missing) refused.push(name);
      return current ?? '';
    }
    return current ?? '';
  });
  return { value, references, refused };
}

/** Whether `text` is exactly one `${VAR:?...}` (or `${VAR?...}`) reference: Compose refuses to start without it. */
export function requiredReference(text: string): string | null {
  return /^\$\{([A-Za-z_][A-Za-z0-9_]*):?\?[^}$]*\}$/.exec(text)?.[1] ?? null;
}

/** Every `${VAR...}` / `$VAR` name in a compose value. */
export function referencesIn(text: string): string[] {
  return interpolate(text, new Map()).references;
}

/** Every string scalar of the compose document, with its path. */
export function allScalars(value: YamlValue, path = ''): Array<{ path: string; text: string }> {
  if (typeof value === 'string') return [{ path, text: value }];
  if (value === null) return [];
  if (Array.isArray(value)) return value.flatMap((item, index) => allScalars(item, `${path}[${index}]`));
  return Object.entries(value).flatMap(([key, item]) => allScalars(item, path ? `${path}.${key}` : key));
}

// ------------------------------------------------------------------- ports

export interface PortMapping {
  readonly hostIp: string | null;
  readonly hostStart: number;
  readonly hostEnd: number;
  readonly containerStart: number;
  readonly containerEnd: number;
  readonly protocol: 'tcp' | 'udp';
}

/** Short syntax `[ip:]host[-end]:container[-end][/proto]`; anything else throws. */
export function parsePortMapping(spec: string): PortMapping {
  const match = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d+)(?:-(\d+))?:(\d+)(?:-(\d+))?(?:\/(tcp|udp))?$/.exec(spec);
  if (!match) throw new Error(`unsupported port mapping "${spec}" (use [ip:]host:container[/proto])`);
  const [, hostIp, hostStart, hostEnd, containerStart, containerEnd, protocol] = match;
  return {
    hostIp: hostIp ?? null,
    hostStart: Number(hostStart),
    hostEnd: Number(hostEnd ?? hostStart),
    containerStart: Number(containerStart),
    containerEnd: Number(containerEnd ?? containerStart),
    protocol: (protocol as 'tcp' | 'udp' | undefined) ?? 'tcp',
  };
}

export function servicePorts(service: ComposeService): PortMapping[] {
  return stringList(service.ports, 'ports').map(parsePortMapping);
}

/** `source:target[:ro]` volume mounts. */
export function serviceVolumes(service: ComposeService): Array<{ source: string; target: string; readOnly: boolean }> {
  return stringList(service.volumes, 'volumes').map((spec) => {
    const match = /^([^:]+):([^:]+)(?::(ro|rw))?$/.exec(spec);
    if (!match) throw new Error(`unsupported volume "${spec}"`);
    return { source: match[1]!, target: match[2]!, readOnly: match[3] === 'ro' };
  });
}
