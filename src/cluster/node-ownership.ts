// Which Asterisk nodes this replica owns. Every LEASE_POLL_MS it looks at the
// leases (who holds what, how many replicas are alive) and:
// - takes a free node while it holds fewer than its fair share,
//   ceil(nodes / live replicas); a node nobody takes for two polls is taken by
//   whoever sees it, so no node stays without an owner (a standby takes a dead
//   replica's nodes within about two polls);
// - hands one node over when it has held more than its share for three polls (a
//   replica joined): the node with the fewest calls, whose calls the taker adopts.
// Nodes are tried in an order of this replica's own (a hash of its id and the
// node's name), so replicas starting together reach for different nodes first.
// A node is only ever started after its lease was taken, and stopped at once
// when the lease is lost.
import type { Logger } from 'pino';
import { describeError } from '../errors.js';
import type { NodeLeases } from './node-lease.js';
import { nodeLockKey } from './node-lock-key.js';
import type { NodeRuntime } from './node-runtime.js';

export interface NodeOwnershipOptions {
  leases: NodeLeases;
  nodes: readonly NodeRuntime[];
  replicaId: string;
  pollMs: number;
  logger: Logger;
  /** Records that this replica took `node` (for the other replicas). */
  recordOwner: (node: string) => Promise<void>;
}

/** Polls a node may stay free before any replica takes it, whatever its share. */
const FREE_POLLS_BEFORE_ANYONE_TAKES = 2;
/** Polls above its fair share before a replica hands a node over. */
const OVER_SHARE_POLLS_BEFORE_HANDOVER = 3;

export class NodeOwnership {
  private readonly options: NodeOwnershipOptions;
  private readonly log: Logger;
  private readonly order: readonly NodeRuntime[];
  private readonly freePolls = new Map<string, number>();
  private overSharePolls = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private lastError: string | null = null;
  private replicas = 0;
  private locked: Set<number> | null = null;

  constructor(options: NodeOwnershipOptions) {
    this.options = options;
    this.log = options.logger.child({ component: 'node-ownership', replicaId: options.replicaId });
    this.order = [...options.nodes].sort(
      (a, b) => nodeLockKey(options.replicaId, a.name) - nodeLockKey(options.replicaId, b.name) || a.name.localeCompare(b.name),
    );
    options.leases.onLost((keys, reason) => {
      for (const node of options.nodes) if (keys.includes(node.key)) node.lose(reason);
    });
  }

  /** Why the leases could not be looked at last time (null when they could). */
  get problem(): string | null {
    return this.lastError;
  }

  /** Live replicas seen at the last poll. */
  get liveReplicas(): number {
    return this.replicas;
  }

  /** Whether anyone held the node's lease at the last poll; null when the leases could not be read. */
  isLocked(node: NodeRuntime): boolean | null {
    if (this.options.leases.holds(node.key)) return true;
    return this.locked === null ? null : this.locked.has(node.key);
  }

  /** This replica holds the node's lease (it may still be taking the node over). */
  holds(node: NodeRuntime): boolean {
    return this.options.leases.holds(node.key);
  }

  owned(): NodeRuntime[] {
    return this.options.nodes.filter((node) => this.options.leases.holds(node.key));
  }

  start(): void {
    if (this.timer || this.stopped) return;
    const tick = (): void => {
      this.running = this.poll().finally(() => {
        this.running = null;
        if (!this.stopped) this.timer = setTimeout(tick, this.options.pollMs);
      });
    };
    tick();
  }

  /** No more polls; resolves when the one under way is over. Leases are kept (see the backend's stop). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Hands every owned node over (the replica stops and another one is alive). */
  async handOverAll(): Promise<void> {
    await Promise.all(this.owned().map((node) => this.handOver(node)));
  }

  private async poll(): Promise<void> {
    const { leases, nodes } = this.options;
    let locked: Set<number>;
    try {
      [locked, this.replicas] = await Promise.all([leases.lockedKeys(), leases.liveReplicas()]);
      this.locked = locked;
      this.lastError = null;
    } catch (error) {
      this.locked = null;
      const message = describeError(error);
      if (message !== this.lastError) this.log.warn({ err: message }, 'cannot look at the node leases; retrying');
      this.lastError = message;
      return;
    }
    const share = Math.ceil(nodes.length / Math.max(1, this.replicas));
    let held = this.owned().length;
    for (const node of this.order) {
      if (this.stopped) return;
      if (leases.holds(node.key) || locked.has(node.key)) {
        this.freePolls.delete(node.name);
        continue;
      }
      const polls = (this.freePolls.get(node.name) ?? 0) + 1;
      this.freePolls.set(node.name, polls);
      if (held >= share && polls < FREE_POLLS_BEFORE_ANYONE_TAKES) continue;
      if (await this.take(node)) held += 1;
    }
    this.overSharePolls = held > share ? this.overSharePolls + 1 : 0;
    if (this.overSharePolls >= OVER_SHARE_POLLS_BEFORE_HANDOVER && !this.stopped) {
      this.overSharePolls = 0;
      const quietest = this.owned().sort((a, b) => a.activeCalls - b.activeCalls)[0];
      if (quietest) {
        this.log.info({ node: quietest.name, held, share, replicas: this.replicas }, 'more nodes than this replica\'s share; handing one over');
        await this.handOver(quietest);
      }
    }
  }

  private async take(node: NodeRuntime): Promise<boolean> {
    const { leases } = this.options;
    try {
      if (!(await leases.tryAcquire(node.key))) return false;
    } catch (error) {
      this.log.warn({ node: node.name, err: describeError(error) }, 'taking a node lease failed');
      return false;
    }
    this.freePolls.delete(node.name);
    this.log.info({ node: node.name, replicas: this.replicas }, 'node lease taken');
    try {
      await this.options.recordOwner(node.name);
      await node.take();
      return true;
    } catch (error) {
      this.log.error({ node: node.name, err: describeError(error) }, 'starting a node failed; giving its lease back');
      await node.handOver();
      await leases.release(node.key).catch(() => undefined);
      return false;
    }
  }

  private async handOver(node: NodeRuntime): Promise<void> {
    await node.handOver();
    await this.options.leases.release(node.key).catch((error: unknown) => {
      this.log.warn({ node: node.name, err: describeError(error) }, 'releasing a node lease failed');
    });
  }
}
