// A Kustomize renderer for the subset docker/k8s uses, so the manifests can be
// checked where kubectl is not installed: `resources` (files and directories
// holding a kustomization.yaml), `namespace`, `labels` (metadata only, no
// selectors: Kustomize's default for `labels`), `images` and `patches` as
// inline JSON 6902 operations with a kind/name target. Any other field throws,
// so a kustomization this renderer does not understand never passes silently.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';

export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } } & Record<string, unknown>;

const KNOWN_FIELDS = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'labels', 'images', 'patches']);
/** Kinds that live outside namespaces (Kustomize leaves their metadata.namespace unset). */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass']);

interface Kustomization {
  namespace?: string;
  resources?: string[];
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  images?: { name: string; newName?: string; newTag?: string }[];
  patches?: { target: { kind: string; name: string }; patch: string }[];
}

interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

/** The resources `dir`'s kustomization.yaml produces, in the order its resources list them. */
export function renderKustomization(dir: string): Manifest[] {
  const file = join(dir, 'kustomization.yaml');
  const spec = parse(readFileSync(file, 'utf8')) as Kustomization & Record<string, unknown>;
  for (const key of Object.keys(spec)) {
    if (!KNOWN_FIELDS.has(key)) throw new Error(`${file}: field "${key}" is not supported by this renderer`);
  }
  let manifests: Manifest[] = [];
  for (const entry of spec.resources ?? []) {
    const path = join(dir, entry);
    if (!existsSync(path)) throw new Error(`${file}: resource ${entry} does not exist`);
    manifests.push(...(statSync(path).isDirectory() ? renderKustomization(path) : readManifests(path)));
  }
  for (const label of spec.labels ?? []) {
    if (label.includeSelectors || label.includeTemplates) throw new Error(`${file}: labels with selectors or templates are not supported by this renderer`);
    for (const manifest of manifests) manifest.metadata.labels = { ...manifest.metadata.labels, ...label.pairs };
  }
  if (spec.namespace !== undefined) {
    for (const manifest of manifests) {
      if (!CLUSTER_SCOPED.has(manifest.kind)) manifest.metadata.namespace = spec.namespace;
    }
  }
  for (const image of spec.images ?? []) manifests = manifests.map((manifest) => replaceImages(manifest, image));
  for (const patch of spec.patches ?? []) {
    const targets = manifests.filter((m) => m.kind === patch.target.kind && m.metadata.name === patch.target.name);
    if (targets.length !== 1) throw new Error(`${file}: patch target ${patch.target.kind}/${patch.target.name} matches ${targets.length} resources`);
    for (const operation of parse(patch.patch) as PatchOperation[]) applyOperation(targets[0]!, operation);
  }
  return manifests;
}

export function readManifests(path: string): Manifest[] {
  const documents = parseAllDocuments(readFileSync(path, 'utf8'));
  if (!Array.isArray(documents)) throw new Error(`${path}: not a YAML stream`);
  const manifests: Manifest[] = [];
  for (const document of documents) {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0]!.message}`);
    const value = document.toJS() as Manifest | null;
    if (value === null) continue;
    if (typeof value.kind !== 'string' || typeof value.metadata?.name !== 'string') throw new Error(`${path}: a document without kind or metadata.name`);
    manifests.push(value);
  }
  return manifests;
}

function replaceImages(manifest: Manifest, image: { name: string; newName?: string; newTag?: string }): Manifest {
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'image' && typeof inner === 'string') {
        const [name, tag] = splitImage(inner);
        out[key] = name === image.name ? `${image.newName ?? name}:${image.newTag ?? tag}` : inner;
      } else {
        out[key] = visit(inner);
      }
    }
    return out;
  };
  return visit(manifest) as Manifest;
}

function splitImage(reference: string): [string, string] {
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  return colon > slash ? [reference.slice(0, colon), reference.slice(colon + 1)] : [reference, 'latest'];
}

/** RFC 6901 pointer segments (`~1` is `/`, `~0` is `~`). */
function pointer(path: string): string[] {
  if (!path.startsWith('/')) throw new Error(`patch path ${path} must start with /`);
  return path.slice(1).split('/').map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function applyOperation(target: Manifest, operation: PatchOperation): void {
  const segments = pointer(operation.path);
  const last = segments.pop()!;
  let parent: unknown = target;
  for (const segment of segments) {
    parent = (parent as Record<string, unknown>)?.[segment];
    if (parent === undefined || parent === null || typeof parent !== 'object') throw new Error(`patch path ${operation.path} does not exist`);
  }
  const container = parent as Record<string, unknown> | unknown[];
  if (Array.isArray(container)) {
    const index = last === '-' ? container.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > container.length) throw new Error(`patch path ${operation.path}: bad index`);
    if (operation.op === 'add') container.splice(index, 0, operation.value);
    else if (index >= container.length) throw new Error(`patch path ${operation.path} does not exist`);
    else if (operation.op === 'replace') container[index] = operation.value;
    else container.splice(index, 1);
    return;
  }
  if (operation.op !== 'add' && !(last in container)) throw new Error(`patch path ${operation.path} does not exist`);
  if (operation.op === 'remove') delete container[last];
  else container[last] = operation.value;
}
