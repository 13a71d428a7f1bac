// docker/k8s: the Kustomize base and the example overlay, rendered here (or by
// kubectl where it is installed), validated against the Kubernetes schemas
// offline and against the programs' own configuration. Each check also runs on
// a copy broken on purpose, so a check that can never fail is caught.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   the rendered manifests are untyped YAML, reached into and broken on purpose here; what types they
   must have is exactly what the schema validation under test checks. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { PROJECT_ROOT } from '../support/deploy-fixture.js';
import { readManifests, renderKustomization, type Manifest } from '../support/deploy-kustomize.js';
import { programProblems, schemaProblems, wiringProblems } from '../support/deploy-kubernetes-checks.js';
import { asteriskPodProblems, renderAsteriskPods } from '../support/deploy-kubernetes-asterisk.js';

const K8S = join(PROJECT_ROOT, 'docker/k8s');
const OVERLAY = join(K8S, 'overlays/example');
const RENDERED = join(K8S, 'example.rendered.yaml');

const sorted = (manifests: readonly Manifest[]) => [...manifests].sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
const allProblems = (manifests: readonly Manifest[]) => [...schemaProblems(manifests), ...programProblems(manifests), ...wiringProblems(manifests)];

function broken(edit: (manifests: Manifest[]) => void): Manifest[] {
  const copy = structuredClone(renderKustomization(OVERLAY));
  edit(copy);
  return copy;
}
const named = (manifests: Manifest[], kind: string, name: string): Record<string, any> => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} is missing`);
  return found;
};
const container = (manifests: Manifest[], name: string): Record<string, any> => named(manifests, 'Deployment', name).spec.template.spec.containers[0];

describe('Kubernetes manifests (docker/k8s)', () => {
  const rendered = renderKustomization(OVERLAY);

  it('renders the example overlay to the resources the system needs', () => {
    const kinds = rendered.map((m) => `${m.kind}/${m.metadata.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Namespace/prosaas',
        'Deployment/backend',
        'Deployment/media-gateway',
        'StatefulSet/asterisk',
        'Service/backend',
        'Service/backend-internal',
        'Service/media-gateway',
        'Service/asterisk',
        'PodDisruptionBudget/backend',
        'ConfigMap/backend-config',
        'Secret/prosaas-secrets',
        'NetworkPolicy/default-deny-ingress',
      ]),
    );
    for (const manifest of rendered.filter((m) => m.kind !== 'Namespace')) expect(manifest.metadata.namespace, `${manifest.kind}/${manifest.metadata.name}`).toBe('prosaas');
    expect(container(rendered, 'backend').image).toBe('registry.example.com/prosaas/backend:0.1.0');
    expect(named(rendered, 'Deployment', 'backend').spec.replicas).toBe(3);
  });

  it('ships the rendered example, equal to base + overlay', () => {
    expect(sorted(readManifests(RENDERED))).toEqual(sorted(rendered));
  });

  it('matches `kubectl kustomize` where kubectl is installed', () => {
    const version = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
    if (version.error || version.status !== 0) {
      console.log('note: kubectl is not installed here; the overlay was rendered by the test renderer only');
      expect(rendered.length).toBeGreaterThan(10);
      return;
    }
    const result = spawnSync('kubectl', ['kustomize', OVERLAY], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    const byKubectl = parseAllDocuments(result.stdout) as unknown as { toJS(): Manifest }[];
    expect(sorted(byKubectl.map((d) => d.toJS()))).toEqual(sorted(rendered));
  });

  it('passes every check: schemas, programs, wiring', () => {
    expect(allProblems(rendered)).toEqual([]);
  });

  it('starts every Asterisk pod with its own systemname, the pod name (rendered by the image)', () => {
    expect(renderAsteriskPods(rendered)).toEqual([
      { pod: 'asterisk-0', systemName: 'asterisk-0', error: null },
      { pod: 'asterisk-1', systemName: 'asterisk-1', error: null },
    ]);
    expect(asteriskPodProblems(rendered)).toEqual([]);
  });

  it('rejects Asterisk pods that share a systemname or leave it to the host name', () => {
    const shared = broken((m) => {
      const env = named(m, 'StatefulSet', 'asterisk').spec.template.spec.containers[0].env as { name: string; value?: string; valueFrom?: unknown }[];
      const variable = env.find((e) => e.name === 'ASTERISK_SYSTEM_NAME')!;
      delete variable.valueFrom;
      variable.value = 'asterisk';
    });
    expect(asteriskPodProblems(shared)).toEqual(['asterisk-0 and asterisk-1 get the same systemname asterisk; their channel ids would collide']);
    const unset = broken((m) => {
      const spec = named(m, 'StatefulSet', 'asterisk').spec.template.spec.containers[0];
      spec.env = (spec.env as { name: string }[]).filter((e) => e.name !== 'ASTERISK_SYSTEM_NAME');
    });
    expect(asteriskPodProblems(unset)).toEqual(
      expect.arrayContaining([expect.stringContaining("ASTERISK_SYSTEM_NAME is not set; on the host network the image would take the Kubernetes node's host name")]),
    );
    const badName = broken((m) => {
      const env = named(m, 'StatefulSet', 'asterisk').spec.template.spec.containers[0].env as { name: string; value?: string; valueFrom?: unknown }[];
      const variable = env.find((e) => e.name === 'ASTERISK_SYSTEM_NAME')!;
      delete variable.valueFrom;
      variable.value = 'asterisk.pbx';
    });
    expect(asteriskPodProblems(badName).join('\n')).toMatch(/asterisk-0: the image refuses to start: [\s\S]*ASTERISK_SYSTEM_NAME must be 1 to 19 letters/);
  });

  it('rejects a resource its schema rejects', () => {
    const bad = broken((m) => {
      container(m, 'backend').ports[0].containerPort = 'three thousand';
    });
    expect(schemaProblems(bad).join('\n')).toMatch(/Deployment\/backend: .*containerPort must be integer/);
  });

  it('rejects probes on routes or ports the programs do not serve', () => {
    const bad = broken((m) => {
      container(m, 'backend').readinessProbe.httpGet.path = '/healthz';
      container(m, 'media-gateway').livenessProbe.httpGet.port = 9999;
    });
    expect(programProblems(bad)).toEqual(
      expect.arrayContaining(['backend: readinessProbe must GET /ready on 3000', 'media-gateway: livenessProbe must GET /health on 8090']),
    );
  });

  it('rejects a variable the program does not read, and a config the program refuses', () => {
    const bad = broken((m) => {
      const env = container(m, 'media-gateway').env as { name: string }[];
      env.find((e) => e.name === 'RTP_ADVERTISE_HOST')!.name = 'RTP_ADVERTIZE_HOST';
      named(m, 'ConfigMap', 'backend-config').data.LEASE_POLL_MS = 'soon';
      named(m, 'ConfigMap', 'media-gateway-config').data.JITTER_TARGET_MS = '50';
    });
    const problems = programProblems(bad).join('\n');
    expect(problems).toMatch(/media-gateway: RTP_ADVERTIZE_HOST is not a variable the gateway reads/);
    expect(problems).toMatch(/RTP_ADVERTISE_HOST must be the pod's own address/);
    expect(problems).toMatch(/backend: its configuration is rejected: [\s\S]*LEASE_POLL_MS/);
    expect(problems).toMatch(/media-gateway: its configuration is rejected: [\s\S]*JITTER_TARGET_MS/);
  });

  it('rejects a grace period shorter than the drain, and a node list that does not match the Asterisk pods', () => {
    const bad = broken((m) => {
      named(m, 'Deployment', 'backend').spec.template.spec.terminationGracePeriodSeconds = 15;
      named(m, 'StatefulSet', 'asterisk').spec.replicas = 3;
    });
    const problems = programProblems(bad).join('\n');
    expect(problems).toMatch(/terminationGracePeriodSeconds 15 does not cover/);
    expect(problems).toMatch(/ASTERISK_NODES must list asterisk-0, asterisk-1, asterisk-2/);
  });

  it('rejects a missing secret key, a Service selecting nothing, and gateways that may reach ARI', () => {
    const bad = broken((m) => {
      delete named(m, 'Secret', 'prosaas-secrets').stringData.OPENAI_API_KEY;
      named(m, 'Service', 'backend-internal').spec.selector = { 'app.kubernetes.io/name': 'backnd' };
      named(m, 'NetworkPolicy', 'media-gateway-egress').spec.egress.push({ ports: [{ port: 8000, endPort: 9000, protocol: 'TCP' }] });
    });
    const problems = [...programProblems(bad), ...wiringProblems(bad)].join('\n');
    expect(problems).toMatch(/OPENAI_API_KEY: Secret prosaas-secrets has no key OPENAI_API_KEY/);
    expect(problems).toMatch(/Service\/backend-internal selects no pods/);
    expect(problems).toMatch(/media-gateway: may reach ARI/);
  });

  it('renders only what it understands: an unknown kustomization field fails loudly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kustomize-'));
    try {
      writeFileSync(join(dir, 'kustomization.yaml'), 'resources: []\nconfigMapGenerator:\n  - name: x\n');
      expect(() => renderKustomization(dir)).toThrow(/field "configMapGenerator" is not supported/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
