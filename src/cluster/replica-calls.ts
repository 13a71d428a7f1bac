// The calls of every node this replica holds, seen as one: the internal API and
// the operator's view look calls up here whatever node they are on, and an
// outbound call is placed on one of the nodes this replica holds.
import type { CallLookup } from '../calls/call-manager.js';
import type { OutboundPlan } from '../calls/call-setup.js';
import type { CallSession } from '../calls/call-session.js';
import type { NodeRuntime } from './node-runtime.js';

export class ReplicaCalls {
  private readonly nodes: readonly NodeRuntime[];

  constructor(nodes: readonly NodeRuntime[]) {
    this.nodes = nodes;
  }

  get activeCalls(): number {
    return this.nodes.reduce((total, node) => total + node.calls.activeCalls, 0);
  }

  lookup(callId: string): CallLookup {
    let recentlyEnded: CallLookup | null = null;
    for (const node of this.nodes) {
      const found = node.calls.lookup(callId);
      if (found.state === 'live') return found;
      if (found.state === 'recently_ended') recentlyEnded = found;
    }
    return recentlyEnded ?? { state: 'unknown' };
  }

  /** Nodes this replica holds with their ARI socket connected: where a call can be placed now. */
  private placeable(): NodeRuntime[] {
    return this.nodes.filter((node) => node.role === 'owner' && node.ariStatus.state === 'connected');
  }

  /** Whether an outbound call can be placed from this replica now. */
  get canPlaceCalls(): boolean {
    return this.placeable().length > 0;
  }

  /** Places an outbound call on the least busy node this replica holds; throws when it holds none connected. */
  startOutbound(plan: OutboundPlan): CallSession {
    const nodes = this.placeable();
    if (nodes.length === 0) throw new Error('this replica holds no connected Asterisk node');
    const node = nodes.reduce((best, candidate) => (candidate.activeCalls < best.activeCalls ? candidate : best));
    return node.calls.startOutbound(plan);
  }
}
