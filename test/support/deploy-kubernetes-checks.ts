// Checks of the rendered Kubernetes manifests (docker/k8s) against the Kubernetes
// schemas (the `kubernetes-models` package, offline) and against the programs'
// own configuration: probes on the routes they serve, ports they listen on,
// variables they read, secrets and config maps that exist, Services that select
// pods, the drain time inside the grace period. Each returns problems as text.
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { BACKEND_ENV_KEYS, loadConfig } from '../../src/config.js';
import { MEDIA_ENV_KEYS, loadMediaConfig } from '../../media/config.js';
import type { Manifest } from './deploy-kustomize.js';

type Validatable = { validate(): void };
const MODELS: Record<string, new (data: never) => Validatable> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

const label = (m: Manifest): string => `${m.kind}/${m.metadata.name}`;

/** Every resource validated against its Kubernetes schema. */
export function schemaProblems(manifests: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const manifest of manifests) {
    const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
    if (!Model) {
      problems.push(`${label(manifest)}: ${manifest.apiVersion} ${manifest.kind} has no schema here`);
      continue;
    }
    try {
      new Model(manifest as never).validate();
    } catch (error) {
      problems.push(`${label(manifest)}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const names = new Set<string>();
  for (const manifest of manifests) {
    const key = `${label(manifest)} in ${manifest.metadata.namespace ?? '-'}`;
    if (names.has(key)) problems.push(`${key} is defined twice`);
    names.add(key);
  }
  return problems;
}

interface Workload {
  readonly manifest: Manifest;
  readonly pod: IPodSpec;
  readonly labels: Record<string, string>;
  readonly replicas: number;
}

function workloads(manifests: readonly Manifest[]): Map<string, Workload> {
  const found = new Map<string, Workload>();
  for (const manifest of manifests) {
    if (manifest.kind !== 'Deployment' && manifest.kind !== 'StatefulSet') continue;
    const spec = manifest.spec as { replicas?: number; template: { metadata?: { labels?: Record<string, string> }; spec: IPodSpec } };
    found.set(manifest.metadata.name, { manifest, pod: spec.template.spec, labels: spec.template.metadata?.labels ?? {}, replicas: spec.replicas ?? 1 });
  }
  return found;
}

const byKind = (manifests: readonly Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);
const find = (manifests: readonly Manifest[], kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);
const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>): boolean =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The variables a container receives: literal values, config map keys; secret and field references as markers. */
export function containerEnv(manifests: readonly Manifest[], container: IContainer, problems: string[], where: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name;
    const map = name === undefined ? undefined : find(manifests, 'ConfigMap', name);
    if (!map) {
      problems.push(`${where}: envFrom names ConfigMap ${name ?? '?'}, which does not exist`);
      continue;
    }
    for (const [key, value] of Object.entries((map.data ?? {}) as Record<string, string>)) env.set(key, value);
  }
  for (const variable of container.env ?? []) {
    const secret = variable.valueFrom?.secretKeyRef;
    if (secret) {
      const data = find(manifests, 'Secret', secret.name ?? '') as { stringData?: Record<string, string>; data?: Record<string, string> } | undefined;
      if (!data) problems.push(`${where}: ${variable.name} comes from Secret ${secret.name ?? '?'}, which does not exist`);
      else if (!(secret.key in (data.stringData ?? {})) && !(secret.key in (data.data ?? {}))) problems.push(`${where}: ${variable.name}: Secret ${secret.name ?? '?'} has no key ${secret.key}`);
      env.set(variable.name, `secret:${secret.key}`);
    } else if (variable.valueFrom?.fieldRef) {
      env.set(variable.name, `field:${variable.valueFrom.fieldRef.fieldPath}`);
    } else {
      env.set(variable.name, variable.value ?? '');
    }
  }
  return env;
}

/** Names only used to build other values through $(NAME). */
function expansionOnly(env: ReadonlyMap<string, string>): Set<string> {
  const used = new Set<string>();
  for (const value of env.values()) for (const match of value.matchAll(/\$\(([A-Z_][A-Z0-9_]*)\)/g)) used.add(match[1]!);
  return used;
}

function httpProbe(container: IContainer, kind: 'readinessProbe' | 'livenessProbe'): { path: string; port: number | null } | null {
  const get = container[kind]?.httpGet;
  if (!get) return null;
  const port = typeof get.port === 'number' ? get.port : (container.ports ?? []).find((p) => p.name === get.port)?.containerPort ?? null;
  return { path: get.path ?? '/', port };
}

/** Probes, ports and variables of the backend and the gateway match what the programs do. */
export function programProblems(manifests: readonly Manifest[]): string[] {
  const problems: string[] = [];
  const all = workloads(manifests);
  const backend = all.get('backend');
  const gateway = all.get('media-gateway');
  const asterisk = all.get('asterisk');
  if (!backend || !gateway || !asterisk) return ['workloads backend, media-gateway and asterisk must all be defined'];
  if (backend.replicas < 2) problems.push(`Deployment/backend: ${backend.replicas} replica(s); at least 2 so that one takes over`);

  const backendContainer = backend.pod.containers[0]!;
  const benv = containerEnv(manifests, backendContainer, problems, 'backend');
  const port = Number(benv.get('PORT') ?? 3000);
  if (!(backendContainer.ports ?? []).some((p) => p.containerPort === port)) problems.push(`backend: no container port ${port} (PORT)`);
  const ready = httpProbe(backendContainer, 'readinessProbe');
  const live = httpProbe(backendContainer, 'livenessProbe');
  if (ready?.path !== '/ready' || ready.port !== port) problems.push(`backend: readinessProbe must GET /ready on ${port}`);
  if (live?.path !== '/health' || live.port !== port) problems.push(`backend: livenessProbe must GET /health on ${port}`);
  const known = new Set(BACKEND_ENV_KEYS);
  const helpers = expansionOnly(benv);
  for (const name of benv.keys()) {
    if (!known.has(name) && !helpers.has(name) && !/^ASTERISK_ARI_(USERNAME|PASSWORD)_[A-Z0-9_]+$/.test(name)) problems.push(`backend: ${name} is not a variable the backend reads`);
  }
  problems.push(...configProblems('backend', () => loadConfig(Object.fromEntries([...benv].map(([k, v]) => [k, sample(v)])))));
  const drainMs = Number(benv.get('SHUTDOWN_DRAIN_MS') ?? 10_000);
  const preStopS = backendContainer.lifecycle?.preStop?.sleep?.seconds ?? 0;
  const graceS = backend.pod.terminationGracePeriodSeconds ?? 30;
  if (graceS * 1000 < preStopS * 1000 + drainMs + 3_000) {
    problems.push(`backend: terminationGracePeriodSeconds ${graceS} does not cover the preStop pause (${preStopS} s) + SHUTDOWN_DRAIN_MS (${drainMs} ms) + 3 s to close`);
  }
  problems.push(...nodeListProblems(manifests, benv.get('ASTERISK_NODES'), asterisk));
  problems.push(...serviceUrlProblems(manifests, 'backend MEDIA_GATEWAY_URL', benv.get('MEDIA_GATEWAY_URL'), gateway));
  if (benv.get('MEDIA_GATEWAY_RESOLVE_ALL') === 'true') {
    const host = new URL(benv.get('MEDIA_GATEWAY_URL') ?? 'http://x').hostname;
    const service = find(manifests, 'Service', host) as { spec?: { clusterIP?: string } } | undefined;
    if (service?.spec?.clusterIP !== 'None') problems.push(`backend: MEDIA_GATEWAY_RESOLVE_ALL needs Service ${host} to be headless (clusterIP: None)`);
  }

  const gatewayContainer = gateway.pod.containers[0]!;
  const genv = containerEnv(manifests, gatewayContainer, problems, 'media-gateway');
  const httpPort = Number(genv.get('MEDIA_HTTP_PORT') ?? 8090);
  const rtpPort = Number(genv.get('RTP_PORT') ?? 40000);
  if (!(gatewayContainer.ports ?? []).some((p) => p.containerPort === httpPort && (p.protocol ?? 'TCP') === 'TCP')) problems.push(`media-gateway: no TCP container port ${httpPort} (MEDIA_HTTP_PORT)`);
  if (!(gatewayContainer.ports ?? []).some((p) => p.containerPort === rtpPort && p.protocol === 'UDP')) problems.push(`media-gateway: no UDP container port ${rtpPort} (RTP_PORT)`);
  const gready = httpProbe(gatewayContainer, 'readinessProbe');
  const glive = httpProbe(gatewayContainer, 'livenessProbe');
  if (gready?.path !== '/ready' || gready.port !== httpPort) problems.push(`media-gateway: readinessProbe must GET /ready on ${httpPort}`);
  if (glive?.path !== '/health' || glive.port !== httpPort) problems.push(`media-gateway: livenessProbe must GET /health on ${httpPort}`);
  const mediaKnown = new Set<string>(MEDIA_ENV_KEYS);
  for (const name of genv.keys()) if (!mediaKnown.has(name)) problems.push(`media-gateway: ${name} is not a variable the gateway reads`);
  const advertise = genv.get('RTP_ADVERTISE_HOST');
  if (advertise !== 'field:status.podIP' && advertise !== 'field:status.hostIP') {
    problems.push('media-gateway: RTP_ADVERTISE_HOST must be the pod\'s own address (downward API): Asterisk needs a numeric address');
  }
  if (advertise === 'field:status.hostIP' && gateway.pod.hostNetwork !== true) problems.push('media-gateway: advertises the node address but is not on the host network');
  problems.push(...configProblems('media-gateway', () => loadMediaConfig(Object.fromEntries([...genv].map(([k, v]) => [k, sample(v)])))));
  problems.push(...serviceUrlProblems(manifests, 'media-gateway BACKEND_URL', genv.get('BACKEND_URL'), backend));

  if (asterisk.pod.hostNetwork !== true) problems.push('asterisk: must run on the host network (SIP/RTP addresses and the RTP range unchanged)');
  if (asterisk.pod.dnsPolicy !== 'ClusterFirstWithHostNet') problems.push('asterisk: on the host network it needs dnsPolicy ClusterFirstWithHostNet');
  return problems;
}

/** A value good enough to parse: references stand for a valid secret or address. */
function sample(value: string): string {
  if (value === 'secret:DATABASE_URL') return 'postgresql://user:pw@db:5432/db';
  if (value.startsWith('secret:')) return 'x'.repeat(32);
  if (value.startsWith('field:')) return '10.1.2.3';
  return value.replace(/\$\([A-Z_]+\)/g, '10.1.2.3');
}

function configProblems(program: string, load: () => unknown): string[] {
  try {
    load();
    return [];
  } catch (error) {
    return [`${program}: its configuration is rejected: ${error instanceof Error ? error.message : String(error)}`];
  }
}

function nodeListProblems(manifests: readonly Manifest[], list: string | undefined, asterisk: Workload): string[] {
  if (list === undefined) return ['backend: ASTERISK_NODES is not set'];
  const problems: string[] = [];
  const set = asterisk.manifest.spec as { serviceName?: string };
  const service = find(manifests, 'Service', set.serviceName ?? '') as { spec?: { clusterIP?: string; ports?: { port: number }[] } } | undefined;
  if (service?.spec?.clusterIP !== 'None') problems.push(`asterisk: serviceName ${set.serviceName ?? '?'} must be a headless Service`);
  const ariPort = asterisk.pod.containers[0]!.ports?.find((p) => p.name === 'ari')?.containerPort;
  const expected = Array.from({ length: asterisk.replicas }, (_, i) => `asterisk-${i}`);
  const named = list.split(',').map((entry) => entry.split('='));
  if (named.map(([name]) => name).join(',') !== expected.join(',')) problems.push(`backend: ASTERISK_NODES must list ${expected.join(', ')} (one per Asterisk pod)`);
  for (const [name, url] of named) {
    const parsed = new URL(url ?? '');
    if (parsed.hostname !== `${name}.${set.serviceName}` || Number(parsed.port) !== ariPort) problems.push(`backend: ASTERISK_NODES ${name} must be http://${name}.${set.serviceName}:${ariPort}`);
  }
  return problems;
}

function serviceUrlProblems(manifests: readonly Manifest[], what: string, url: string | undefined, target: Workload): string[] {
  if (url === undefined) return [`${what} is not set`];
  const parsed = new URL(url);
  const service = find(manifests, 'Service', parsed.hostname) as { spec?: { selector?: Record<string, string>; ports?: { port: number }[] } } | undefined;
  if (!service) return [`${what}: no Service ${parsed.hostname}`];
  const problems: string[] = [];
  if (!selects(service.spec?.selector, target.labels)) problems.push(`${what}: Service ${parsed.hostname} does not select ${target.manifest.metadata.name}'s pods`);
  if (!(service.spec?.ports ?? []).some((p) => p.port === Number(parsed.port))) problems.push(`${what}: Service ${parsed.hostname} has no port ${parsed.port}`);
  return problems;
}

/** Services and disruption budgets select pods; network policies keep ARI and the control API private. */
export function wiringProblems(manifests: readonly Manifest[]): string[] {
  const problems: string[] = [];
  const pods = [...workloads(manifests).values()];
  for (const service of byKind(manifests, 'Service')) {
    const selector = (service.spec as { selector?: Record<string, string> }).selector;
    if (!pods.some((w) => selects(selector, w.labels))) problems.push(`Service/${service.metadata.name} selects no pods`);
  }
  for (const budget of byKind(manifests, 'PodDisruptionBudget')) {
    const selector = (budget.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels;
    if (!pods.some((w) => selects(selector, w.labels))) problems.push(`PodDisruptionBudget/${budget.metadata.name} selects no pods`);
  }
  for (const name of ['backend', 'media-gateway']) {
    if (!byKind(manifests, 'PodDisruptionBudget').some((b) => selects((b.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels, { 'app.kubernetes.io/name': name }))) {
      problems.push(`${name} has no PodDisruptionBudget`);
    }
  }
  const policies = byKind(manifests, 'NetworkPolicy').map((m) => m.spec as NetworkPolicySpec);
  if (!policies.some((p) => Object.keys(p.podSelector ?? {}).length === 0 && (p.policyTypes ?? []).includes('Ingress') && (p.ingress ?? []).length === 0)) {
    problems.push('no default-deny ingress NetworkPolicy');
  }
  const gatewayLabels = { 'app.kubernetes.io/name': 'media-gateway' };
  for (const policy of policies.filter((p) => selects(p.podSelector?.matchLabels, gatewayLabels))) {
    for (const rule of policy.ingress ?? []) {
      if (!(rule.ports ?? []).some((p) => p.port === 8090)) continue;
      if ((rule.from ?? []).some((peer) => !selects(peer.podSelector?.matchLabels, { 'app.kubernetes.io/name': 'backend' }) || peer.namespaceSelector !== undefined)) {
        problems.push('media-gateway: its control API (8090) admits more than the backend');
      }
    }
    for (const rule of policy.egress ?? []) {
      if ((rule.ports ?? []).some((p) => p.port === 8088 || ((p.protocol ?? 'TCP') === 'TCP' && typeof p.port === 'number' && p.port <= 8088 && (p.endPort ?? p.port) >= 8088))) {
        problems.push('media-gateway: may reach ARI (8088); ARI is for the backend only');
      }
    }
  }
  return problems;
}

interface NetworkPolicyPeer {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: unknown;
  ipBlock?: { cidr: string };
}
interface NetworkPolicySpec {
  podSelector?: { matchLabels?: Record<string, string> };
  policyTypes?: string[];
  ingress?: { from?: NetworkPolicyPeer[]; ports?: { port?: number; endPort?: number; protocol?: string }[] }[];
  egress?: { to?: NetworkPolicyPeer[]; ports?: { port?: number; endPort?: number; protocol?: string }[] }[];
}
