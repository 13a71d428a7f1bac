// One Asterisk node as this replica sees it: its calls (a CallManager for the
// node, always there) and, while this replica holds the node's lease, its ARI
// connection. Taking the lease adopts the node's calls in progress from the
// database and then registers the Stasis app; losing it stops the ARI socket at
// once and abandons the calls to the next holder; handing it over does the same
// in order, and drain() ends the calls as a sole backend does at shutdown.
import type { Logger } from 'pino';
import { AriClient, type AriClientOptions } from '../ari/client.js';
import type { AriStatus } from '../ari/status.js';
import type { CallManager } from '../calls/call-manager.js';
import type { CallLogWriter } from '../calls/call-log-writer.js';
import type { CallRecord } from '../calls/call-record.js';
import type { AsteriskNode } from './cluster-config.js';
import type { NodeIdentities, NodeIdentity } from './node-identity.js';
import { nodeLockKey } from './node-lock-key.js';

export type NodeRole = 'standby' | 'owner';

export interface NodeRuntimeDeps {
  node: AsteriskNode;
  /** AriClient options but the node's own URL and credentials. */
  ari: Omit<AriClientOptions, 'url' | 'username' | 'password' | 'logger'>;
  calls: CallManager;
  writer: CallLogWriter;
  /** The node's open CallLog rows (the calls in progress to adopt). */
  openRows: () => Promise<CallRecord[]>;
  /** Reads the nodes' systemnames again whenever this node connects (a clash makes it not ready). */
  identities?: NodeIdentities;
  logger: Logger;
}

/** How long abandoned calls may take to let go before the node's rows are adopted again. */
const ABANDON_SETTLE_MS = 2_000;

export class NodeRuntime {
  readonly name: string;
  readonly key: number;
  readonly calls: CallManager;
  private readonly deps: NodeRuntimeDeps;
  private readonly log: Logger;
  private client: AriClient;
  private detach: (() => void)[] = [];
  private generation = 0;
  private roleValue: NodeRole = 'standby';

  constructor(deps: NodeRuntimeDeps) {
    this.deps = deps;
    this.name = deps.node.name;
    this.key = nodeLockKey(deps.ari.appName, deps.node.name);
    this.calls = deps.calls;
    this.log = deps.logger.child({ node: deps.node.name });
    this.client = this.newClient();
  }

  get role(): NodeRole {
    return this.roleValue;
  }

  /** The current ARI client (an idle one while standing by). */
  get ari(): AriClient {
    return this.client;
  }

  get ariStatus(): AriStatus {
    return this.client.status;
  }

  get activeCalls(): number {
    return this.calls.activeCalls;
  }

  /** The node's systemname as last read, and whether it clashes with another node's. */
  get identity(): NodeIdentity {
    return this.deps.identities?.of(this.name) ?? { systemName: null, problem: null };
  }

  /** The lease is ours: adopt the calls in progress, then register the app. Throws when the rows cannot be read. */
  async take(): Promise<void> {
    const generation = ++this.generation;
    this.roleValue = 'owner';
    this.calls.resume();
    await this.calls.settled(ABANDON_SETTLE_MS);
    const rows = await this.deps.openRows();
    if (generation !== this.generation) return;
    const adopted = this.calls.adopt(rows);
    this.log.info({ adopted }, 'node lease taken; registering the Stasis application');
    this.connect();
  }

  /** The lease is gone: the socket is closed at once and the calls are left to the next holder. */
  lose(reason: string): void {
    if (this.roleValue !== 'owner') return;
    this.log.error({ reason }, 'node lease lost; closing its ARI socket and leaving its calls to the next holder');
    void this.disconnect();
    this.abandonCalls();
  }

  /** Gives the node up in order: socket closed (app unregistered) first, then the calls left as they are. */
  async handOver(): Promise<void> {
    if (this.roleValue !== 'owner') return;
    this.log.info({ calls: this.calls.activeCalls }, 'handing the node over');
    const closing = this.disconnect();
    this.abandonCalls();
    await closing;
  }

  /** Sole backend stopping: calls arriving from now on are refused while the rest of the backend stops. */
  refuseNewCalls(): void {
    this.calls.refuseNewCalls();
  }

  /** Sole backend stopping: new calls refused, active ones given `drainMs`, then ended; socket closed. */
  async drain(drainMs: number): Promise<void> {
    await this.calls.drain(drainMs);
    this.generation += 1;
    this.roleValue = 'standby';
    await this.disconnect();
  }

  private connect(): void {
    const client = this.client;
    this.detach.push(client.onEvent((event) => this.calls.handleEvent(event)));
    this.detach.push(
      client.onStatus((status, previous) => {
        if (status.state === 'connected' && previous.state !== 'connected') {
          void this.deps.identities?.refresh();
          this.calls.reconcile().catch((err: unknown) => this.log.warn({ err }, 'reconciliation after connecting failed'));
        }
        if (status.state === 'replaced' && previous.state !== 'replaced') {
          void this.calls.endAll({
            cause: 'app_replaced',
            status: 'interrupted',
            error: 'another process took over the ARI application',
            hangupReason: 'normal',
          });
        }
      }),
    );
    client.start();
  }

  private disconnect(): Promise<void> {
    this.generation += 1;
    this.roleValue = 'standby';
    for (const detach of this.detach.splice(0)) detach();
    const client = this.client;
    this.client = this.newClient();
    return client.close();
  }

  private abandonCalls(): void {
    this.deps.writer.forget(this.calls.abandonAll());
  }

  private newClient(): AriClient {
    const { node } = this.deps;
    return new AriClient({ ...this.deps.ari, url: node.url, username: node.username, password: node.password, logger: this.log });
  }
}
