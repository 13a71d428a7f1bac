// Routes ARI events to the call that owns the channel or bridge, starts a
// CallSession per caller, and keeps the backend's view of calls consistent
// with Asterisk's after every (re)connection. One manager per Asterisk node:
// it holds that node's calls while this replica holds the node's lease, adopts
// the calls in progress when it takes the lease over, and abandons them (to the
// next holder) when it loses it.
import type { Logger } from 'pino';
import type { AriEvent, StasisStartEvent } from '../ari/types.js';
import { CallSession } from './call-session.js';
import type { CallRegistry, CallSessionDeps } from './call-session-deps.js';
import type { OutboundPlan } from './call-setup.js';
import { eventChannelId } from './event-waiters.js';
import { isMediaChannel, readInboundCall } from './stasis-start.js';
import { endRecord, newInboundRecord, type CallRecord } from './call-record.js';
import { MediaGatewayError } from '../media-gateway/client.js';

export type CallManagerDeps = Omit<CallSessionDeps, 'registry' | 'logger'> & {
  logger: Logger;
  /**
   * Of these call ids, those whose CallLog row is open (a call in progress, on any node).
   * A gateway session of such a call is not a stray. Absent: only this manager's calls count.
   */
  openCallIds?: (callIds: readonly string[]) => Promise<ReadonlySet<string>>;
  /** How long a channel of the app may stay unclaimed before reconciliation hangs it up. */
  strayGraceMs?: number;
  /** How long an ended call stays known, for the gateway's reports that trail its end. */
  endedCallGraceMs?: number;
};

const DEFAULT_STRAY_GRACE_MS = 1_000;
export const DEFAULT_ENDED_CALL_GRACE_MS = 60_000;

/** What the manager knows of a call id (a call's, or one of its gateway legs'). */
export type CallLookup =
  | { state: 'live'; session: CallSession }
  | { state: 'recently_ended'; turnSeqOffset: number }
  | { state: 'unknown' };

interface Stray {
  kind: 'channel' | 'bridge' | 'media_session';
  id: string;
  gatewayUrl?: string;
}

export class CallManager implements CallRegistry {
  private readonly owners = new Map<string, CallSession>();
  private readonly sessions = new Set<CallSession>();
  private readonly byCallId = new Map<string, CallSession>();
  /** callId -> when the call ended (epoch ms) and where its agent's turns were numbered from, oldest first. */
  private readonly recentlyEnded = new Map<string, { endedAtMs: number; turnSeqOffset: number }>();
  private readonly log: Logger;
  private accepting = true;
  /** Adopted calls not checked against Asterisk and their gateway yet. */
  private readonly unverified = new Set<CallSession>();

  constructor(private readonly deps: CallManagerDeps) {
    this.log = deps.logger.child({ component: 'calls' });
  }

  get activeCalls(): number {
    return this.sessions.size;
  }

  claim(id: string, session: CallSession): void {
    this.owners.set(id, session);
    this.sessions.add(session);
    this.byCallId.set(session.callId, session);
  }

  claimCallId(callId: string, session: CallSession): void {
    this.byCallId.set(callId, session);
  }

  /** The calls whose media is on `gatewayUrl` (which stopped answering) move to another gateway. */
  moveCallsOff(gatewayUrl: string): Promise<void> {
    const moving = [...this.sessions].filter((session) => session.mediaGatewayUrl === gatewayUrl);
    if (moving.length > 0) this.log.warn({ gateway: gatewayUrl, calls: moving.length }, 'moving calls off a lost media gateway');
    return Promise.all(moving.map((session) => session.moveMediaOff(gatewayUrl))).then(() => undefined);
  }

  release(session: CallSession): void {
    for (const [id, owner] of this.owners) if (owner === session) this.owners.delete(id);
    this.sessions.delete(session);
    const endedAtMs = this.deps.now().getTime();
    for (const [callId, owner] of this.byCallId) {
      if (owner !== session) continue;
      this.byCallId.delete(callId);
      this.recentlyEnded.set(callId, { endedAtMs, turnSeqOffset: session.turnSeqOffset });
    }
    this.forgetOldEnds();
  }

  /** A live call (setting up, active or ending), one that ended within the grace period, or neither. */
  lookup(callId: string): CallLookup {
    const session = this.byCallId.get(callId);
    if (session) return { state: 'live', session };
    this.forgetOldEnds();
    const ended = this.recentlyEnded.get(callId);
    return ended ? { state: 'recently_ended', turnSeqOffset: ended.turnSeqOffset } : { state: 'unknown' };
  }

  /** Starts an outbound call whose row the outbound service has stored. */
  startOutbound(plan: OutboundPlan): CallSession {
    const session = new CallSession(plan, { ...this.deps, registry: this });
    session.start();
    return session;
  }

  private forgetOldEnds(): void {
    const oldest = this.deps.now().getTime() - (this.deps.endedCallGraceMs ?? DEFAULT_ENDED_CALL_GRACE_MS);
    for (const [callId, ended] of this.recentlyEnded) {
      if (ended.endedAtMs > oldest) return;
      this.recentlyEnded.delete(callId);
    }
  }

  /** Calls in progress (setting up, active or ending). */
  get calls(): readonly CallSession[] {
    return [...this.sessions];
  }

  /**
   * Takes over the calls of these open rows (another replica's, which lost the node's lease).
   * Each is checked against Asterisk and its gateway at the next reconcile(). Rows of calls
   * this manager still holds are skipped.
   */
  adopt(records: readonly CallRecord[]): number {
    let adopted = 0;
    for (const record of records) {
      if (this.byCallId.has(record.id) || this.owners.has(record.channelId)) continue;
      const session = new CallSession({ kind: 'adopted', record }, { ...this.deps, registry: this });
      this.unverified.add(session);
      session.start();
      adopted += 1;
    }
    return adopted;
  }

  /**
   * The node's lease is lost: every call is left as it is (no teardown, no row written) for
   * the next holder to adopt. Returns their call ids (for the writer to forget).
   */
  abandonAll(): string[] {
    const ids = [...this.sessions].map((session) => session.callId);
    for (const session of [...this.sessions]) void session.abandon();
    this.unverified.clear();
    return ids;
  }

  /** Resolves once every call this manager holds has finished (or after `timeoutMs`). */
  async settled(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.sessions].map((session) => session.done)),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Accepts calls again (a node taken over after a graceful hand-over of this replica's). */
  resume(): void {
    this.accepting = true;
  }

  handleEvent(event: AriEvent): void {
    if (event.type === 'StasisStart') {
      this.onStasisStart(event);
      return;
    }
    const id = event.type === 'BridgeDestroyed' ? event.bridge.id : eventChannelId(event);
    if (id !== null) this.owners.get(id)?.onEvent(event);
  }

  private onStasisStart(event: StasisStartEvent): void {
    const owner = this.owners.get(event.channel.id);
    if (owner) {
      owner.onEvent(event);
      return;
    }
    if (isMediaChannel(event)) {
      // Its call has already given up on it: the externalMedia request timed out and Asterisk
      // carried it out later, after the teardown found no channel to hang up. Nobody else would
      // ever hang it up (reconciliation runs only after a reconnection).
      this.log.warn({ channelId: event.channel.id, name: event.channel.name }, 'media channel of no known call entered Stasis');
      void this.releaseStray({ kind: 'channel', id: event.channel.id });
      return;
    }
    if (!this.accepting) {
      void this.rejectWhileDraining(event);
      return;
    }
    new CallSession(event, { ...this.deps, registry: this }).start();
  }

  /** A call arriving during shutdown: hung up at once (SIP 503) and logged as failed. */
  private async rejectWhileDraining(event: StasisStartEvent): Promise<void> {
    const { ari, writer, now, newId, settings } = this.deps;
    const call = readInboundCall(event, settings.defaultCountryCode);
    const at = now();
    const record = endRecord(
      newInboundRecord({
        id: newId(),
        channelId: call.channelId,
        businessId: null,
        fromNumber: call.from,
        toNumber: call.dialed ?? call.dialedRaw,
        status: 'ringing',
        createdAt: at,
        node: settings.node ?? null,
      }),
      { at, cause: 'backend_shutdown', error: 'backend is shutting down' },
    );
    await ari.hangup(call.channelId, 'congestion').catch((err: unknown) => {
      this.log.warn({ err }, 'hanging up a call that arrived during shutdown failed');
    });
    await writer.save(record).catch((err: unknown) => this.log.error({ err, record }, 'call log record not stored'));
  }

  /**
   * Called after every (re)connection of the events socket. Calls whose
   * caller channel disappeared while the socket was down are ended; channels
   * and bridges of the app, and media gateway sessions, that no call owns
   * (left over by a crash, or by a call that ended meanwhile) are released.
   */
  async reconcile(): Promise<void> {
    const { ari, settings } = this.deps;
    const app = await ari.getApplication(settings.appName);
    if (!app) {
      this.log.warn('application not registered during reconciliation');
      return;
    }
    const live = new Set(app.channel_ids);
    for (const session of [...this.sessions]) {
      if (session.phase === 'ending' || session.phase === 'ended') continue;
      if (!live.has(session.callerChannelId)) {
        this.unverified.delete(session);
        void session.end({
          cause: 'asterisk_disconnected',
          status: 'interrupted',
          error: 'the caller channel disappeared while the ARI connection was down',
          hangupReason: 'normal',
        });
      }
    }
    await this.verifyAdopted(live, new Set(app.bridge_ids));
    const gatewaySessions = await this.listGatewaySessions();
    const unowned = async (): Promise<Stray[]> => {
      const foreign = gatewaySessions.filter((gs) => !this.ownsCall(gs.callId));
      const open = foreign.length === 0 || !this.deps.openCallIds ? new Set<string>() : await this.deps.openCallIds(foreign.map((gs) => gs.callId));
      return [
        ...app.channel_ids.filter((id) => !this.owners.has(id)).map((id) => ({ kind: 'channel' as const, id })),
        ...app.bridge_ids.filter((id) => !this.owners.has(id)).map((id) => ({ kind: 'bridge' as const, id })),
        ...foreign
          .filter((gs) => !open.has(gs.callId) && !this.ownsCall(gs.callId))
          .map((gs) => ({ kind: 'media_session' as const, id: gs.sessionId, gatewayUrl: gs.gatewayUrl })),
      ];
    };
    if ((await unowned()).length === 0) return;
    // A call whose StasisStart is still on its way is not a stray: give its
    // event time to arrive (and its row time to be stored) before deciding.
    await new Promise((resolve) => setTimeout(resolve, this.deps.strayGraceMs ?? DEFAULT_STRAY_GRACE_MS));
    await Promise.all((await unowned()).map((stray) => this.releaseStray(stray)));
  }

  /** Adopted calls whose externalMedia channel, bridge or gateway session is gone cannot go on. */
  private async verifyAdopted(liveChannels: ReadonlySet<string>, liveBridges: ReadonlySet<string>): Promise<void> {
    const checks = [...this.unverified].map(async (session) => {
      this.unverified.delete(session);
      if (!session.acceptsActions) return;
      let missing: string | null = null;
      if (!liveChannels.has(session.mediaChannelId)) missing = 'externalMedia channel';
      else if (!liveBridges.has(session.bridgeId)) missing = 'bridge';
      else if (!(await this.gatewayHolds(session))) missing = 'media gateway session';
      if (missing === null) return;
      this.log.warn({ callId: session.callId, missing }, 'adopted call lost part of its media; ending it');
      await session.end({ cause: 'media_lost', error: `the ${missing} was gone when the call was adopted`, hangupReason: 'normal' });
    });
    await Promise.all(checks);
  }

  private async gatewayHolds(session: CallSession): Promise<boolean> {
    const sessionId = session.mediaSession;
    if (sessionId === null) return false;
    try {
      await this.deps.media.stats(sessionId);
      return true;
    } catch (error) {
      // Only a gateway that answers "no such session" proves it gone; an unreachable one may come back.
      return !(error instanceof MediaGatewayError && error.status === 404);
    }
  }

  /** Every session of every gateway this manager knows of, each with the gateway holding it. */
  private async listGatewaySessions(): Promise<{ sessionId: string; callId: string; gatewayUrl: string }[]> {
    const lists = await Promise.all(
      this.deps.media.gatewayUrls.map((gatewayUrl) =>
        this.deps.media.listSessions(undefined, gatewayUrl).then(
          (list) => list.sessions.map((gs) => ({ sessionId: gs.sessionId, callId: gs.callId, gatewayUrl })),
          (err: unknown) => {
            this.log.warn({ err, gatewayUrl }, 'listing media gateway sessions failed');
            return [];
          },
        ),
      ),
    );
    return lists.flat();
  }

  private ownsCall(callId: string): boolean {
    for (const session of this.sessions) if (session.callId === callId) return true;
    return false;
  }

  private async releaseStray({ kind, id, gatewayUrl }: Stray): Promise<void> {
    this.log.warn({ kind, id }, 'releasing a resource no call owns');
    try {
      if (kind === 'channel') await this.deps.ari.hangup(id, 'normal');
      else if (kind === 'bridge') await this.deps.ari.destroyBridge(id);
      else {
        if (gatewayUrl) this.deps.media.remember(id, gatewayUrl);
        await this.deps.media.closeSession(id);
      }
    } catch (err) {
      this.log.warn({ err, kind, id }, 'releasing a resource no call owns failed');
    }
  }

  /** Ends every call (the ARI application was lost to another process, or shutdown). */
  async endAll(request: Parameters<CallSession['end']>[0]): Promise<void> {
    await Promise.all([...this.sessions].map((session) => session.end(request)));
  }

  /** From now on a call that arrives is hung up (SIP 503) and logged as failed. */
  refuseNewCalls(): void {
    this.accepting = false;
  }

  /** Stops accepting calls, waits up to `drainMs` for active calls to end, then ends the rest. */
  async drain(drainMs: number): Promise<void> {
    this.refuseNewCalls();
    const remaining = [...this.sessions];
    if (remaining.length === 0) return;
    this.log.info({ activeCalls: remaining.length, drainMs }, 'waiting for active calls to end');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(remaining.map((session) => session.done)),
      new Promise((resolve) => {
        timer = setTimeout(resolve, drainMs);
      }),
    ]);
    clearTimeout(timer);
    await this.endAll({ cause: 'backend_shutdown', error: null, hangupReason: 'normal' });
  }
}
