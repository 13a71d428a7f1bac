// The Asterisk pods of the StatefulSet (docker/k8s), each rendered by the
// image's own script (docker/asterisk/render-config.sh) from the environment
// the manifest gives that pod: every pod must start, and each must get its own
// systemname (the prefix of its channel ids, which key the calls' rows).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { readAsteriskConfig, sectionsNamed, value } from './deploy-asterisk-config.js';
import { CONFIG_SOURCE, RENDER_SCRIPT } from './deploy-asterisk-render.js';
import { PROJECT_ROOT, sampleValue } from './deploy-fixture.js';
import { containerEnv } from './deploy-kubernetes-checks.js';
import type { Manifest } from './deploy-kustomize.js';

export interface RenderedPod {
  readonly pod: string;
  /** asterisk.conf's systemname; null when the image refused to start. */
  readonly systemName: string | null;
  readonly error: string | null;
}

/** A downward-API or secret reference as the pod `pod` would see it. */
function resolve(key: string, marker: string, pod: string): string {
  if (marker === 'field:metadata.name') return pod;
  if (marker.startsWith('field:')) return '203.0.113.10';
  if (marker.startsWith('secret:')) return sampleValue(key);
  return marker;
}

/** Renders the configuration of every pod of StatefulSet `name` with the image's script. */
export function renderAsteriskPods(manifests: readonly Manifest[], name = 'asterisk', root = PROJECT_ROOT): RenderedPod[] {
  const set = manifests.find((m) => m.kind === 'StatefulSet' && m.metadata.name === name);
  if (!set) throw new Error(`StatefulSet/${name} is missing`);
  const spec = set.spec as { replicas?: number; template: { spec: IPodSpec } };
  const container = spec.template.spec.containers[0] as IContainer;
  const env = containerEnv(manifests, container, [], name);
  return Array.from({ length: spec.replicas ?? 1 }, (_, index) => {
    const pod = `${name}-${index}`;
    const podEnv = Object.fromEntries([...env].map(([key, marker]) => [key, resolve(key, marker, pod)]));
    const dir = mkdtempSync(join(tmpdir(), 'asterisk-pod-'));
    try {
      const result = spawnSync('bash', [join(root, RENDER_SCRIPT), join(root, CONFIG_SOURCE), dir], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...podEnv },
        encoding: 'utf8',
      });
      if (result.status !== 0) return { pod, systemName: null, error: result.stderr.trim() };
      const options = sectionsNamed(readAsteriskConfig(dir, 'asterisk.conf'), 'options')[0];
      return { pod, systemName: (options && value(options, 'systemname')) ?? null, error: null };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Every pod starts, with a systemname of its own set explicitly (not the Kubernetes node's host name). */
export function asteriskPodProblems(manifests: readonly Manifest[]): string[] {
  const set = manifests.find((m) => m.kind === 'StatefulSet' && m.metadata.name === 'asterisk');
  if (!set) return ['StatefulSet/asterisk is missing'];
  const container = (set.spec as { template: { spec: IPodSpec } }).template.spec.containers[0] as IContainer;
  const problems: string[] = [];
  if (!(container.env ?? []).some((variable) => variable.name === 'ASTERISK_SYSTEM_NAME')) {
    problems.push("asterisk: ASTERISK_SYSTEM_NAME is not set; on the host network the image would take the Kubernetes node's host name");
  }
  const seen = new Map<string, string>();
  for (const { pod, systemName, error } of renderAsteriskPods(manifests)) {
    if (error !== null) {
      problems.push(`${pod}: the image refuses to start: ${error}`);
      continue;
    }
    if (systemName === null) {
      problems.push(`${pod}: asterisk.conf has no systemname`);
      continue;
    }
    const other = seen.get(systemName);
    if (other) problems.push(`${other} and ${pod} get the same systemname ${systemName}; their channel ids would collide`);
    seen.set(systemName, pod);
  }
  return problems;
}
