// The backend side of the gateway -> backend internal API: which calls accept
// which reports and actions, and what each one does.
//
// - Actions that act on the call (hangup, transfer) need a live call that is
//   not ending: the call's session performs them through ARI. An announcement
//   session's `announcement_done` (a warm transfer's leg, a voicemail) goes to
//   the live call that owns the session's callId.
// - A call whose agent was replaced (back from a warm transfer nobody took)
//   stores the new agent's turns after the first one's (turnSeqOffset).
// - Reports (turns, failures) and take_message are also accepted for a call
//   that ended less than the manager's grace period ago (60 s by default):
//   the gateway reports the last turn, a failure or a message just taken right
//   after the hang-up, and nothing of that must be lost.
// - A call another replica holds (its node is theirs): reports are stored here
//   all the same (they only need the database), actions are forwarded to that
//   replica (cluster/call-forwarding.ts), or retry_later while its node is
//   being taken over.
// - A call no replica knows (or that ended longer ago) is unknown.
// - When the database cannot store a report right now (unreachable, or the
//   call's row not written yet), the gateway is told to retry later.
import type { Logger } from 'pino';
import { isTransientDbError } from '../db/index.js';
import type { ActionResult, CallAction, FailureReport, TurnReport } from '../../media/contract/backend.js';
import { AGENT_MESSAGES } from './agent-actions.js';
import type { CallLookup } from './call-manager.js';
import { CallRowMissingError, type ConversationStore } from './conversation-store.js';
import type { CallsElsewhere } from '../cluster/call-forwarding.js';

export type InternalOutcome<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'unknown_call'; message: string }
  | { kind: 'retry_later'; message: string };

export interface InternalApi {
  recordTurn(callId: string, turn: TurnReport): Promise<InternalOutcome<void>>;
  recordFailure(callId: string, failure: FailureReport): Promise<InternalOutcome<void>>;
  /** `forwarded`: another replica sent it here; it is never forwarded again. */
  performAction(callId: string, action: CallAction, forwarded?: boolean): Promise<InternalOutcome<ActionResult>>;
}

export interface InternalApiDeps {
  calls: { lookup(callId: string): CallLookup };
  store: ConversationStore;
  logger: Logger;
  /** The other replicas' calls; absent: only this replica's calls are known. */
  elsewhere?: CallsElsewhere;
}

const UNKNOWN_CALL = { kind: 'unknown_call', message: 'no such call, or the call already ended' } as const;

export function createInternalApi(deps: InternalApiDeps): InternalApi {
  const log = deps.logger.child({ component: 'internal-api' });

  /** Runs a write for a call that accepts reports; database trouble becomes retry_later. */
  const storeReport = async <T>(callId: string, what: string, write: () => Promise<T>): Promise<InternalOutcome<T>> => {
    if (deps.calls.lookup(callId).state === 'unknown') {
      const state = await deps.elsewhere?.rowState(callId).catch((error: unknown) => {
        if (isTransientDbError(error)) return 'unavailable' as const;
        throw error;
      });
      if (state === 'unavailable') return { kind: 'retry_later', message: `the database is unavailable; retry the ${what}` };
      if (state === undefined || state === 'unknown') return UNKNOWN_CALL;
    }
    try {
      return { kind: 'ok', value: await write() };
    } catch (error) {
      if (error instanceof CallRowMissingError) {
        return { kind: 'retry_later', message: `the call log row is not stored yet; retry the ${what}` };
      }
      if (isTransientDbError(error)) {
        log.warn({ callId, err: error }, `database unavailable; ${what} not stored`);
        return { kind: 'retry_later', message: `the database is unavailable; retry the ${what}` };
      }
      throw error;
    }
  };

  return {
    recordTurn(callId, turn) {
      return storeReport(callId, 'turn report', async () => {
        const found = deps.calls.lookup(callId);
        const offset = found.state === 'live' ? found.session.turnSeqOffset : found.state === 'recently_ended' ? found.turnSeqOffset : 0;
        await deps.store.saveTurn(callId, offset === 0 ? turn : { ...turn, seq: turn.seq + offset });
        log.debug(
          { callId, seq: turn.seq, role: turn.role, interrupted: turn.interrupted, latency: turn.latency, text: turn.text },
          'turn stored',
        );
      });
    },

    recordFailure(callId, failure) {
      return storeReport(callId, 'failure report', async () => {
        await deps.store.saveFailure(callId, failure);
        log.warn({ callId, provider: failure.provider, failure: failure.error }, 'conversation provider failed');
      });
    },

    async performAction(callId, action, forwarded = false) {
      if (action.type === 'take_message') {
        const message = { callerName: action.callerName, callbackNumber: action.callbackNumber, reason: action.reason };
        const saved = await storeReport(callId, 'message', () => deps.store.saveMessage(callId, message));
        if (saved.kind === 'unknown_call') return saved;
        if (saved.kind === 'retry_later') {
          // The caller is still on the line: the agent must say so now, and the
          // message stays in the log (PII fields that redaction removes).
          log.error({ callId, caller: { name: message.callerName, number: message.callbackNumber }, text: message.reason }, 'message not stored');
          return { kind: 'ok', value: { ok: false, message: AGENT_MESSAGES.messageNotSaved } };
        }
        log.info({ callId }, 'message taken');
        return { kind: 'ok', value: { ok: true, message: null } };
      }
      const found = deps.calls.lookup(callId);
      if (found.state === 'unknown' && deps.elsewhere) {
        if (forwarded) return { kind: 'retry_later', message: 'this replica does not hold the call (any more); retry the action' };
        return deps.elsewhere.forwardAction(callId, action).catch((error: unknown) => {
          if (isTransientDbError(error)) return { kind: 'retry_later', message: 'the database is unavailable; retry the action' } as const;
          throw error;
        });
      }
      if (action.type === 'announcement_done') {
        if (found.state !== 'live') return UNKNOWN_CALL;
        found.session.onAnnouncementDone(callId, action.played);
        return { kind: 'ok', value: { ok: true, message: null } };
      }
      if (found.state !== 'live' || !found.session.acceptsActions) return UNKNOWN_CALL;
      const value =
        action.type === 'hangup' ? await found.session.hangUpForAgent(action.reason) : await found.session.transfer(action.reason);
      return { kind: 'ok', value };
    },
  };
}
