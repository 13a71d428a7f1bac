// The high-availability part of the backend's configuration: the Asterisk nodes
// (each with its ARI URL and credentials), this replica's identity, and the lease
// timings. Read by loadConfig (src/config.ts) from the same environment.
//
// One node, as every single-node deployment has it: ASTERISK_ARI_URL with
// ASTERISK_ARI_USERNAME / ASTERISK_ARI_PASSWORD, named ASTERISK_NODE_NAME.
// Several: ASTERISK_NODES=a=http://ast-a:8088,b=http://ast-b:8088; every node
// logs in with ASTERISK_ARI_USERNAME / ASTERISK_ARI_PASSWORD unless
// ASTERISK_ARI_USERNAME_<NODE> / ASTERISK_ARI_PASSWORD_<NODE> (the name upper-cased,
// '-' as '_') say otherwise.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { nodeLockKey } from './node-lock-key.js';

export interface AsteriskNode {
  /** Lower-case name: in CallLog rows, /ready, logs and the lease key. */
  readonly name: string;
  readonly url: string;
  readonly username: string;
  readonly password: string;
}

export interface ClusterConfig {
  readonly nodes: readonly AsteriskNode[];
  /** This backend process among the replicas (the pod name in Kubernetes). */
  readonly replicaId: string;
  /** Where the other replicas reach this one's HTTP API (agent actions are forwarded there); null: not reachable. */
  readonly advertiseUrl: string | null;
  /** MEDIA_GATEWAY_URL names every gateway behind one host name (a headless Service): spread calls over its addresses. */
  readonly resolveGatewayAddresses: boolean;
  readonly lease: {
    /** How often free nodes are looked for (and the share of nodes rebalanced). */
    readonly pollMs: number;
    /** How often the lock connection proves that it still holds the leases. */
    readonly proofIntervalMs: number;
    /** A proof not answered within this stops the ARI sockets of every node held. */
    readonly proofTimeoutMs: number;
    /** The lock connection's database, when DATABASE_URL goes through a transaction pooler. */
    readonly databaseUrl: string | undefined;
  };
}

const NODE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const ms = (fallback: number, min: number) =>
  z.coerce.number({ error: 'must be a whole number of milliseconds' }).int().min(min).default(fallback);

export const ClusterEnvSchema = z.object({
  ASTERISK_NODES: z.string().optional(),
  ASTERISK_NODE_NAME: z.string().regex(NODE_NAME, 'must be lower-case letters, digits and "-" (at most 32)').default('asterisk'),
  BACKEND_REPLICA_ID: z.string().regex(/^[A-Za-z0-9._-]{1,48}$/, 'must be 1-48 letters, digits, ".", "_" or "-"').optional(),
  BACKEND_ADVERTISE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  LEASE_POLL_MS: ms(1_000, 50),
  LEASE_PROOF_INTERVAL_MS: ms(1_000, 50),
  LEASE_PROOF_TIMEOUT_MS: ms(4_000, 50),
  LEASE_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL').optional(),
  MEDIA_GATEWAY_RESOLVE_ALL: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
});

/** The node name as it appears in a variable name: ASTERISK_ARI_PASSWORD_<this>. */
export function nodeVariableSuffix(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

export interface ClusterInputs {
  /** Already validated by the main schema. */
  readonly ariUrl: string;
  readonly ariUsername: string | undefined;
  readonly ariPassword: string | undefined;
  readonly appName: string;
  readonly host: string;
  readonly port: number;
}

/** Parses the cluster variables; pushes every problem to `problems` and returns null when there is one. */
export function readClusterConfig(set: Readonly<Record<string, string | undefined>>, inputs: ClusterInputs, problems: string[]): ClusterConfig | null {
  const parsed = ClusterEnvSchema.safeParse(set);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
    return null;
  }
  const e = parsed.data;
  const before = problems.length;
  const declared = e.ASTERISK_NODES === undefined ? [{ name: e.ASTERISK_NODE_NAME, url: inputs.ariUrl }] : parseNodeList(e.ASTERISK_NODES, problems);
  const nodes: AsteriskNode[] = [];
  for (const node of declared) {
    const suffix = nodeVariableSuffix(node.name);
    const username = set[`ASTERISK_ARI_USERNAME_${suffix}`] ?? inputs.ariUsername;
    const password = set[`ASTERISK_ARI_PASSWORD_${suffix}`] ?? inputs.ariPassword;
    if (username === undefined) problems.push(`ASTERISK_ARI_USERNAME_${suffix}: is required for node "${node.name}" (or ASTERISK_ARI_USERNAME)`);
    if (password === undefined) problems.push(`ASTERISK_ARI_PASSWORD_${suffix}: is required for node "${node.name}" (or ASTERISK_ARI_PASSWORD)`);
    nodes.push({ name: node.name, url: node.url, username: username ?? '', password: password ?? '' });
  }
  const keys = new Map<number, string>();
  for (const node of nodes) {
    const key = nodeLockKey(inputs.appName, node.name);
    const other = keys.get(key);
    if (other !== undefined) problems.push(`ASTERISK_NODES: nodes "${other}" and "${node.name}" share a lease key; rename one`);
    keys.set(key, node.name);
  }
  if (e.LEASE_PROOF_TIMEOUT_MS <= e.LEASE_PROOF_INTERVAL_MS) {
    problems.push('LEASE_PROOF_TIMEOUT_MS: must exceed LEASE_PROOF_INTERVAL_MS');
  }
  if (e.LEASE_PROOF_TIMEOUT_MS > LEASE_PROOF_TIMEOUT_MAX_MS) {
    problems.push(`LEASE_PROOF_TIMEOUT_MS: must not exceed ${LEASE_PROOF_TIMEOUT_MAX_MS} (PostgreSQL drops the lock connection after ${SERVER_DROP_MS} ms)`);
  }
  if (problems.length > before) return null;
  const replicaId = e.BACKEND_REPLICA_ID ?? `${hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 38)}-${randomBytes(4).toString('hex')}`;
  const advertiseUrl =
    e.BACKEND_ADVERTISE_URL?.replace(/\/+$/, '') ??
    (inputs.host === '0.0.0.0' || inputs.host === '::' || inputs.port === 0 ? null : `http://${inputs.host}:${inputs.port}`);
  return {
    nodes,
    replicaId,
    advertiseUrl,
    resolveGatewayAddresses: e.MEDIA_GATEWAY_RESOLVE_ALL === 'true',
    lease: {
      pollMs: e.LEASE_POLL_MS,
      proofIntervalMs: e.LEASE_PROOF_INTERVAL_MS,
      proofTimeoutMs: e.LEASE_PROOF_TIMEOUT_MS,
      databaseUrl: e.LEASE_DATABASE_URL,
    },
  };
}

/**
 * PostgreSQL drops a lock connection it has not heard from for this long (tcp_user_timeout and
 * keepalives, set on that connection): the lease is released only then. The holder stops its ARI
 * sockets after LEASE_PROOF_TIMEOUT_MS without proof, well before (see node-lease.ts).
 */
export const SERVER_DROP_MS = 10_000;
export const LEASE_PROOF_TIMEOUT_MAX_MS = 5_000;

function parseNodeList(text: string, problems: string[]): { name: string; url: string }[] {
  const nodes: { name: string; url: string }[] = [];
  const entries = text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.length === 0) problems.push('ASTERISK_NODES: must list at least one node as name=url');
  for (const entry of entries) {
    const at = entry.indexOf('=');
    const name = at < 0 ? '' : entry.slice(0, at).trim();
    const url = at < 0 ? '' : entry.slice(at + 1).trim();
    if (!NODE_NAME.test(name)) {
      problems.push(`ASTERISK_NODES: "${entry.slice(0, 40)}" must be name=url with a lower-case name (letters, digits, "-")`);
      continue;
    }
    if (!/^https?:\/\/[^\s/]+/.test(url) || !URL.canParse(url)) {
      problems.push(`ASTERISK_NODES: node "${name}" must have an http(s) URL`);
      continue;
    }
    if (new URL(url).username !== '' || new URL(url).password !== '') {
      problems.push(`ASTERISK_NODES: node "${name}": put credentials in ASTERISK_ARI_USERNAME_${nodeVariableSuffix(name)} / ASTERISK_ARI_PASSWORD_${nodeVariableSuffix(name)}, not in the URL`);
      continue;
    }
    if (nodes.some((node) => node.name === name)) problems.push(`ASTERISK_NODES: node "${name}" is listed twice`);
    else nodes.push({ name, url });
  }
  return nodes;
}
