// A warm transfer: the caller waits with music on hold while the backend calls
// the person (a staff extension, or an outside number through the trunk); when
// the person answers, a second gateway session tells them who is calling and why
// (announcement leg, its own bridge), and only then are caller and person bridged
// and the agent's leg released. When the person does not answer, is busy,
// declines (rejects the call or hangs up during the announcement) or cannot be
// reached, everything of the attempt is released and the caller is back in the
// call bridge; the call decides what happens next (call-session.ts).
//
//   caller bridge:   caller + agent's externalMedia  -> caller alone, music on hold
//   target:          POST /channels (originate, app prosaas_ai, args transfer,<callId>)
//   leg bridge:      target + announcement externalMedia (gateway session with `announcement`)
//   connected:       target moved into the caller bridge, music stopped, leg released
//
// Aborting `signal` (the caller hung up, the call is ending) stops the attempt
// at its next step; what it acquired is released before run() settles.
import type { Logger } from 'pino';
import { isAriError } from '../ari/errors.js';
import type { AriEvent } from '../ari/types.js';
import type { AgentSettings } from '../../media/contract/sessions.js';
import type { TransferOutcome } from './call-record.js';
import type { CallSessionDeps } from './call-session-deps.js';
import { eventChannelId, type WaitOptions } from './event-waiters.js';
import { connectMediaLeg, emptyProgress, type StepRunner } from './media-leg.js';
import { releaseCallResources } from './call-release.js';

/** The originate's ring time plus this is how long the backend waits for its outcome events. */
const RING_SLACK_MS = 5_000;
const BUSY = 17;
const CALL_REJECTED = 21;
const NO_USER_RESPONDING = 18;
const NO_ANSWER = 19;

/** Stasis args of the target's channel once answered: `transfer,<callId>`. */
export const TRANSFER_LEG_ARG = 'transfer';

export interface WarmTransferScope {
  readonly callId: string;
  readonly businessId: string;
  readonly callerChannelId: string;
  readonly callerNumber: string | null;
  readonly bridgeId: string;
  readonly mediaChannelId: string;
  readonly agent: AgentSettings;
  readonly deps: CallSessionDeps;
  readonly log: Logger;
  /** Aborted when the call ends (caller gone, shutdown). */
  readonly signal: AbortSignal;
  waitEvent<T>(match: (event: AriEvent) => T | undefined, options?: WaitOptions): Promise<T | null>;
  /** Routes events about `id` (a channel or bridge) to this call. */
  claim(id: string): void;
  /** Resolves when the gateway session of leg `legCallId` reports its announcement done (true: played). */
  announcementDone(legCallId: string): Promise<boolean>;
}

export interface WarmTransferResult {
  outcome: TransferOutcome;
  /** The person's channel, now in the caller's bridge (connected only). */
  peerChannelId: string | null;
  /** Not connected, and the agent's channel could not be put back into the caller's bridge. */
  callerStranded: boolean;
}

export class WarmTransfer {
  readonly #scope: WarmTransferScope;
  readonly #target: string;
  readonly #announcement: string;
  readonly #targetChannelId: string;
  readonly #legBridgeId: string;
  readonly #legMediaId: string;
  readonly #legCallId: string;
  #connected = false;

  constructor(scope: WarmTransferScope, target: string, announcement: string) {
    this.#scope = scope;
    this.#target = target;
    this.#announcement = announcement;
    const { newId } = scope.deps;
    this.#targetChannelId = newId();
    this.#legBridgeId = newId();
    this.#legMediaId = newId();
    this.#legCallId = newId();
    for (const id of [this.#targetChannelId, this.#legBridgeId, this.#legMediaId]) scope.claim(id);
  }

  get targetChannelId(): string {
    return this.#targetChannelId;
  }

  get legCallId(): string {
    return this.#legCallId;
  }

  async run(): Promise<WarmTransferResult> {
    const log = this.#scope.log.child({ transferTarget: this.#target, targetChannelId: this.#targetChannelId });
    const leg = emptyProgress();
    let outcome: TransferOutcome;
    try {
      await this.#hold();
      outcome = await this.#ring(log);
      if (outcome === 'connected') outcome = await this.#announce(leg, log);
      if (outcome === 'connected') await this.#connect();
    } catch (error) {
      outcome = this.#scope.signal.aborted ? 'caller_left' : 'failed';
      if (outcome === 'failed') log.warn({ err: error }, 'warm transfer failed');
    }
    const connected = outcome === 'connected' && this.#connected;
    if (outcome === 'connected' && !connected) outcome = 'failed';
    const agentBack = await this.#release(leg, connected, log);
    log.info({ outcome }, 'warm transfer ended');
    return {
      outcome,
      peerChannelId: connected ? this.#targetChannelId : null,
      callerStranded: !connected && !agentBack && !this.#scope.signal.aborted,
    };
  }

  /** The agent leaves the caller's bridge; the caller hears music on hold. */
  async #hold(): Promise<void> {
    const { ari } = this.#scope.deps;
    await ari.removeChannels(this.#scope.bridgeId, [this.#scope.mediaChannelId]);
    try {
      await ari.startBridgeMoh(this.#scope.bridgeId);
    } catch (error) {
      // Silence is worse than no music, but not a reason to leave the caller without the transfer.
      this.#scope.log.warn({ err: error }, 'music on hold could not be started');
    }
  }

  /** Calls the person; 'connected' once they answered (their channel is in Stasis). */
  async #ring(log: Logger): Promise<TransferOutcome> {
    const { ari, settings } = this.#scope.deps;
    const id = this.#targetChannelId;
    try {
      await ari.originate({
        endpoint: this.#target,
        app: settings.appName,
        appArgs: [TRANSFER_LEG_ARG, this.#scope.callId],
        callerId: this.#scope.callerNumber ?? undefined,
        timeoutS: settings.transferRingTimeoutS,
        channelId: id,
      });
    } catch (error) {
      if (this.#scope.signal.aborted) throw error;
      log.warn({ err: error }, 'the transfer target could not be called');
      return 'failed';
    }
    const result = await this.#scope.waitEvent<TransferOutcome>(
      (event) => {
        if (eventChannelId(event) !== id) return undefined;
        if (event.type === 'StasisStart') return 'connected';
        if (event.type === 'ChannelDestroyed' || (event.type === 'ChannelHangupRequest' && event.cause !== undefined)) {
          return ringOutcome(event.cause ?? 0);
        }
        return undefined;
      },
      { timeoutMs: settings.transferRingTimeoutS * 1000 + RING_SLACK_MS, signal: this.#scope.signal },
    );
    return result ?? 'no_answer';
  }

  /** The person hears who is calling and why; 'declined' when they hang up meanwhile. */
  async #announce(leg: ReturnType<typeof emptyProgress>, log: Logger): Promise<TransferOutcome> {
    const { deps, signal } = this.#scope;
    const targetGone = this.#scope.waitEvent(
      (event) =>
        eventChannelId(event) === this.#targetChannelId &&
        (event.type === 'ChannelHangupRequest' || event.type === 'StasisEnd' || event.type === 'ChannelDestroyed')
          ? ('declined' as const)
          : undefined,
      { signal },
    );
    targetGone.catch(() => {});
    const legInStasis = this.#scope.waitEvent((event) => (event.type === 'StasisStart' && event.channel.id === this.#legMediaId ? true : undefined), { signal });
    legInStasis.catch(() => {});
    const step: StepRunner = (_step, run) => run();
    const setUp = connectMediaLeg(
      deps,
      {
        phoneChannelId: this.#targetChannelId,
        bridgeId: this.#legBridgeId,
        mediaChannelId: this.#legMediaId,
        bridgeName: `transfer-${this.#scope.callId}`,
        session: {
          callId: this.#legCallId,
          businessId: this.#scope.businessId,
          channelId: this.#targetChannelId,
          caller: { from: this.#scope.callerNumber, to: this.#target },
          agent: this.#scope.agent,
          announcement: { text: this.#announcement },
          record: false,
        },
        mediaInStasis: () => legInStasis,
      },
      leg,
      step,
    );
    const first = await Promise.race([setUp.then(() => 'ready' as const), targetGone]);
    if (first === 'declined') {
      setUp.catch(() => {});
      return 'declined';
    }
    const done = this.#scope.announcementDone(this.#legCallId);
    const timeout = new Promise<'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), deps.settings.announcementTimeoutMs);
      signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
    });
    const heard = await Promise.race([done.then((played) => (played ? 'played' : 'unplayed')), targetGone, timeout]);
    if (signal.aborted) throw signal.reason;
    if (heard === 'declined') return 'declined';
    // Unplayed or too slow: the person answered and is waiting; connecting them is better than hanging up.
    if (heard !== 'played') log.warn({ heard }, 'the announcement was not played; connecting anyway');
    return 'connected';
  }

  /** Caller and person in one bridge, the music stopped. */
  async #connect(): Promise<void> {
    const { ari } = this.#scope.deps;
    await ari.stopBridgeMoh(this.#scope.bridgeId);
    await ari.addChannels(this.#scope.bridgeId, [this.#targetChannelId]);
    this.#connected = true;
  }

  /**
   * Releases the announcement leg; when not connected, also the person's channel, and puts the
   * agent's channel back into the caller's bridge. Resolves whether the agent is back (never throws).
   */
  async #release(leg: ReturnType<typeof emptyProgress>, connected: boolean, log: Logger): Promise<boolean> {
    const { ari, media } = this.#scope.deps;
    const legRelease = releaseCallResources(
      { ari, media, log },
      {
        callerChannelId: this.#targetChannelId,
        // Connected: the person stays (now in the caller's bridge); otherwise hang up whatever answered or still rings.
        callerHangup: connected ? null : 'normal',
        mediaChannelId: leg.mediaChannelRequested ? this.#legMediaId : null,
        bridgeId: leg.bridgeRequested ? this.#legBridgeId : null,
        mediaSessionId: leg.mediaSessionId,
      },
      () => {},
    );
    await legRelease;
    if (connected || this.#scope.signal.aborted) return false;
    try {
      await ari.stopBridgeMoh(this.#scope.bridgeId);
      await ari.addChannels(this.#scope.bridgeId, [this.#scope.mediaChannelId]);
      return true;
    } catch (error) {
      log.warn({ err: isAriError(error) ? error : String(error) }, 'the agent could not be put back into the call');
      return false;
    }
  }
}

/** Q.850 cause of the target's hangup before it answered -> the attempt's outcome. */
export function ringOutcome(cause: number): TransferOutcome {
  if (cause === BUSY) return 'busy';
  if (cause === CALL_REJECTED) return 'declined';
  if (cause === NO_ANSWER || cause === NO_USER_RESPONDING) return 'no_answer';
  return 'failed';
}
