// Whether the Asterisk nodes can be told apart by their channel ids. A call's
// row is keyed by its caller channel's id, `<systemname>-<epoch>.<counter>`
// (`<epoch>.<counter>` without asterisk.conf's systemname): two nodes without
// a systemname, or with the same one, started in the same second, hand out
// the same ids and their calls overwrite each other's rows. Each node's
// systemname is read from ARI (GET /asterisk/info, config.name) whenever a
// node of this replica connects (take-over, Asterisk restart); a node that
// clashes is reported not ready, with the reason, and the clash is logged.
// A single node cannot clash: it needs no systemname.
import type { Logger } from 'pino';
import { describeError } from '../errors.js';

export interface NodeNameSource {
  readonly name: string;
  /** The node's systemname ("" when unset); rejects when the node does not answer. */
  systemName(signal: AbortSignal): Promise<string>;
}

export interface NodeIdentity {
  /** Last systemname the node reported ("" when unset); null while unknown. */
  readonly systemName: string | null;
  /** Why the node's channel ids may collide with another node's; null when they cannot (or unknown). */
  readonly problem: string | null;
}

const UNKNOWN: NodeIdentity = { systemName: null, problem: null };

/** Problems of each node given the systemnames known (pure; unknown nodes are left out). */
export function identityProblems(names: ReadonlyMap<string, string | null>): Map<string, string> {
  const problems = new Map<string, string>();
  if (names.size < 2) return problems;
  const bySystemName = new Map<string, string[]>();
  for (const [node, systemName] of names) {
    if (systemName === null) continue;
    if (systemName === '') {
      problems.set(node, 'Asterisk reports no systemname (asterisk.conf [options]); with several nodes its channel ids can collide with another node\'s');
      continue;
    }
    bySystemName.set(systemName, [...(bySystemName.get(systemName) ?? []), node]);
  }
  for (const [systemName, nodes] of bySystemName) {
    if (nodes.length < 2) continue;
    for (const node of nodes) {
      const others = nodes.filter((other) => other !== node).join(', ');
      problems.set(node, `Asterisk reports systemname "${systemName}", as node ${others} does; their channel ids can collide`);
    }
  }
  return problems;
}

export class NodeIdentities {
  private readonly sources: readonly NodeNameSource[];
  private readonly log: Logger;
  private readonly names = new Map<string, string | null>();
  private problems = new Map<string, string>();
  private readonly stopping = new AbortController();
  private running: Promise<void> | null = null;
  private again = false;

  constructor(sources: readonly NodeNameSource[], logger: Logger) {
    this.sources = sources;
    this.log = logger.child({ component: 'node-identity' });
    for (const source of sources) this.names.set(source.name, null);
  }

  of(node: string): NodeIdentity {
    const systemName = this.names.get(node);
    if (systemName === undefined || systemName === null) return UNKNOWN;
    return { systemName, problem: this.problems.get(node) ?? null };
  }

  /** Reads every node's systemname again (coalesced: one read at a time, one more queued). Never rejects. */
  refresh(): Promise<void> {
    if (this.stopping.signal.aborted) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.readAll().finally(() => {
      this.running = null;
      if (this.again && !this.stopping.signal.aborted) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.running;
  }

  /** Abandons the reads under way; later refreshes do nothing. */
  async close(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private async readAll(): Promise<void> {
    if (this.sources.length < 2) return;
    const signal = this.stopping.signal;
    await Promise.all(
      this.sources.map(async (source) => {
        try {
          this.names.set(source.name, await source.systemName(signal));
        } catch (error) {
          // Unreachable now: the node's ARI state tells why; its last known name stands.
          if (!signal.aborted) this.log.debug({ node: source.name, err: describeError(error) }, 'cannot read the node\'s systemname');
        }
      }),
    );
    if (signal.aborted) return;
    const previous = this.problems;
    this.problems = identityProblems(this.names);
    for (const [node, problem] of this.problems) {
      if (previous.get(node) !== problem) {
        this.log.error({ node, systemName: this.names.get(node), problem }, 'Asterisk node channel ids can collide with another node\'s: give every node its own systemname');
      }
    }
    for (const node of previous.keys()) {
      if (!this.problems.has(node)) this.log.info({ node, systemName: this.names.get(node) }, 'node systemname no longer clashes');
    }
  }
}
