// Readiness of the Asterisk nodes as one replica sees them, for /ready: a node this
// replica owns is ready once its ARI socket is connected and the app registered; a
// node another live replica holds is that replica's business (it answers for it in
// its own /ready); a node nobody holds is not ready anywhere.
import type { AriStatus } from '../ari/status.js';
import type { NodeIdentity } from './node-identity.js';

export interface NodeView {
  readonly name: string;
  readonly role: 'standby' | 'owner';
  readonly ariStatus: AriStatus;
  readonly activeCalls: number;
  readonly identity?: NodeIdentity;
}

export interface NodeReport {
  readonly name: string;
  readonly owner: 'this replica' | 'another replica' | 'none';
  readonly ari: AriStatus['state'] | null;
  /** Calls this replica holds on the node. */
  readonly calls: number;
  /** asterisk.conf systemname the node reported ("" when unset); null while unknown. */
  readonly systemName: string | null;
  /** Null when ready. */
  readonly problem: string | null;
}

/**
 * `lockedByAnyone`: the node lease is held (by this replica or another); null when unknown.
 * `heldHere`: this replica holds it, though it may not have taken the node over yet.
 */
export function describeNode(node: NodeView, lockedByAnyone: boolean | null, appName: string, heldHere = false): NodeReport {
  const systemName = node.identity?.systemName ?? null;
  if (node.role === 'owner') {
    return {
      name: node.name,
      owner: 'this replica',
      ari: node.ariStatus.state,
      calls: node.activeCalls,
      systemName,
      problem: describeAriStatus(node.ariStatus, appName) ?? node.identity?.problem ?? null,
    };
  }
  // Our own lease, before take() made us the owner: not ready until the app is registered.
  if (heldHere) return { name: node.name, owner: 'this replica', ari: node.ariStatus.state, calls: node.activeCalls, systemName, problem: 'taking the node over' };
  if (lockedByAnyone === true) return { name: node.name, owner: 'another replica', ari: null, calls: 0, systemName, problem: null };
  return {
    name: node.name,
    owner: 'none',
    ari: null,
    calls: 0,
    systemName,
    problem: lockedByAnyone === null ? 'node leases unknown (database unreachable)' : 'no backend holds the node yet',
  };
}

export function describeAriStatus(status: AriStatus, appName: string): string | null {
  if (status.state === 'connected' && status.registered) return null;
  if (status.state === 'replaced') return `another process took over the ARI application "${appName}"`;
  return status.lastError ? `${status.state}: ${status.lastError}` : status.state;
}

/** One line for the `ari` check: null when every node is ready. */
export function nodesProblem(reports: readonly NodeReport[], single: boolean): string | null {
  const problems = reports.filter((report) => report.problem !== null);
  if (problems.length === 0) return null;
  if (single) return problems[0]!.problem;
  return problems.map((report) => `node ${report.name}: ${report.problem}`).join('; ');
}
