// The calls of every node this replica holds, seen as one: the internal API and
// the operator's view look calls up here whatever node they are on.
import type { CallLookup } from '../calls/call-manager.js';
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
    let recentlyEnded = false;
    for (const node of this.nodes) {
      const found = node.calls.lookup(callId);
      if (found.state === 'live') return found;
      if (found.state === 'recently_ended') recentlyEnded = true;
    }
    return recentlyEnded ? { state: 'recently_ended' } : { state: 'unknown' };
  }
}
