// Routes ARI events to the call that owns the channel or bridge, starts a
// CallSession per caller, and keeps the backend's view of calls consistent
// with Asterisk's after every (re)connection.
import type { Logger } from 'pino';
import type { AriRest } from '../ari/rest.js';
import type { AriEvent, StasisStartEvent } from '../ari/types.js';
import { CallSession } from './call-session.js';
import type { CallRegistry, CallSessionDeps } from './call-session-deps.js';
import type { OutboundPlan } from './call-setup.js';
import { eventChannelId } from './event-waiters.js';
import { isMediaChannel, readInboundCall } from './stasis-start.js';
import { endRecord, newInboundRecord } from './call-record.js';

export type CallManagerDeps = Omit<CallSessionDeps, 'registry' | 'logger'> & {
  logger: Logger;
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
}

export class CallManager implements CallRegistry {
  private readonly owners = new Map<string, CallSession>();
  private readonly sessions = new Set<CallSession>();
  private readonly byCallId = new Map<string, CallSession>();
  /** callId -> when the call ended (epoch ms) and where its agent's turns were numbered from, oldest first. */
  private readonly recentlyEnded = new Map<string, { endedAtMs: number; turnSeqOffset: number }>();
  private readonly log: Logger;
  private accepting = true;

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
        void session.end({
          cause: 'asterisk_disconnected',
          status: 'interrupted',
          error: 'the caller channel disappeared while the ARI connection was down',
          hangupReason: 'normal',
        });
      }
    }
    const gatewaySessions = await this.deps.media.listSessions().then(
      (list) => list.sessions,
      (err: unknown) => {
        this.log.warn({ err }, 'listing media gateway sessions failed');
        return [];
      },
    );
    const unowned = (): Stray[] => [
      ...app.channel_ids.filter((id) => !this.owners.has(id)).map((id) => ({ kind: 'channel' as const, id })),
      ...app.bridge_ids.filter((id) => !this.owners.has(id)).map((id) => ({ kind: 'bridge' as const, id })),
      ...gatewaySessions
        .filter((gs) => !this.ownsCall(gs.callId))
        .map((gs) => ({ kind: 'media_session' as const, id: gs.sessionId })),
    ];
    if (unowned().length === 0) return;
    // A call whose StasisStart is still on its way is not a stray: give its
    // event time to arrive before deciding.
    await new Promise((resolve) => setTimeout(resolve, this.deps.strayGraceMs ?? DEFAULT_STRAY_GRACE_MS));
    await Promise.all(unowned().map((stray) => this.releaseStray(stray)));
  }

  private ownsCall(callId: string): boolean {
    for (const session of this.sessions) if (session.callId === callId) return true;
    return false;
  }

  private async releaseStray({ kind, id }: Stray): Promise<void> {
    this.log.warn({ kind, id }, 'releasing a resource no call owns');
    try {
      if (kind === 'channel') await this.deps.ari.hangup(id, 'normal');
      else if (kind === 'bridge') await this.deps.ari.destroyBridge(id);
      else await this.deps.media.closeSession(id);
    } catch (err) {
      this.log.warn({ err, kind, id }, 'releasing a resource no call owns failed');
    }
  }

  /** Ends every call (the ARI application was lost to another process, or shutdown). */
  async endAll(request: Parameters<CallSession['end']>[0]): Promise<void> {
    await Promise.all([...this.sessions].map((session) => session.end(request)));
  }

  /** Stops accepting calls, waits up to `drainMs` for active calls to end, then ends the rest. */
  async drain(drainMs: number): Promise<void> {
    this.accepting = false;
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
