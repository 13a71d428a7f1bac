// What an outbound call's far end did, from what Asterisk reports (pure):
// the Q.850 cause of its channel's hangup before the answer, and AMD()'s
// AMDSTATUS / AMDCAUSE once the dialplan step hands the call back.
import type { AmdResult, CallEnding } from '../calls/call-record.js';

const BUSY = 17;
const NO_USER_RESPONDING = 18;
const NO_ANSWER = 19;
const CALL_REJECTED = 21;

/** Stasis args of an originated call's channel once answered: `outbound-dial,<callId>`. */
export const OUTBOUND_DIAL_ARG = 'outbound-dial';
/** Stasis args the dialplan gives after AMD(): `outbound,<AMDSTATUS>,<AMDCAUSE>`. */
export const OUTBOUND_AMD_ARG = 'outbound';

/** The dialplan context with the AMD() step (docker/asterisk/config/extensions.conf). */
export const OUTBOUND_AMD_CONTEXT = 'prosaas-outbound';
export const OUTBOUND_AMD_EXTENSION = 's';
export const OUTBOUND_AMD_PRIORITY = 1;

/** How an unanswered outbound call ends, from the cause of its channel's hangup. */
export function unansweredEnding(cause: number | null, causeText: string | null): Omit<CallEnding, 'at'> {
  if (cause === BUSY) return { cause: 'busy', causeCode: cause, status: 'busy' };
  if (cause === CALL_REJECTED) return { cause: 'call_rejected', causeCode: cause, status: 'busy' };
  if (cause === NO_ANSWER || cause === NO_USER_RESPONDING) return { cause: 'no_answer', causeCode: cause, status: 'no_answer' };
  const why = causeText ?? (cause === null ? 'no cause given' : `cause ${cause}`);
  return { cause: 'dial_failed', causeCode: cause, error: `the call could not be completed: ${why}` };
}

export interface AmdVerdict {
  result: AmdResult;
  cause: string | null;
}

/** AMDSTATUS (HUMAN, MACHINE, NOTSURE, HANGUP) and AMDCAUSE from the args of the StasisStart after AMD(). */
export function amdVerdict(args: readonly string[]): AmdVerdict {
  const status = (args[1] ?? '').trim().toUpperCase();
  const cause = (args[2] ?? '').trim() || null;
  if (status === 'HUMAN') return { result: 'human', cause };
  if (status === 'MACHINE') return { result: 'machine', cause };
  if (status === 'HANGUP') return { result: 'hangup', cause };
  // NOTSURE, or an AMD() that did not run: the agent speaks (a person left in silence hangs up).
  return { result: 'notsure', cause };
}
