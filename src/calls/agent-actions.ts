// What the agent's actions do to a call on the Asterisk side, and what the
// agent is told when one cannot be done.
import type { AriRest } from '../ari/rest.js';
import type { CallAction } from '../../media/contract/backend.js';
import type { HangupCause } from './call-record.js';

export type AgentHangupReason = Extract<CallAction, { type: 'hangup' }>['reason'];

/** Each reason has its own hangup_cause, so staff can tell why the agent ended a call. */
export const AGENT_HANGUP_CAUSES: Readonly<Record<AgentHangupReason, HangupCause>> = {
  agent_goodbye: 'agent_hangup',
  caller_silence: 'caller_silence',
  max_duration: 'max_duration',
  provider_failure: 'provider_failure',
};

/**
 * The dialplan context that dials the transfer target. The deployment's
 * dialplan provides it, e.g.
 *   [prosaas-transfer]
 *   exten => s,1,Dial(${TRANSFER_TARGET},30)
 *    same => n,Hangup()
 */
export const TRANSFER_CONTEXT = 'prosaas-transfer';
export const TRANSFER_EXTENSION = 's';
export const TRANSFER_PRIORITY = 1;
/** Channel variable the transfer context dials. */
export const TRANSFER_TARGET_VARIABLE = 'TRANSFER_TARGET';

/** Told to the agent (as the tool's result) so that it can say so to the caller. */
export const AGENT_MESSAGES = {
  noTransferTarget: 'No one is available to take the call: this business has no transfer number. Offer to take a message instead.',
  transferFailed: 'The transfer did not go through; the call goes on. Offer to take a message instead.',
  notConnected: 'The call is not connected yet; try again in a moment.',
  transferUnderWay: 'A transfer is already under way.',
  endedBeforeTransfer: 'The call ended before the transfer.',
  hangupFailed: 'Hanging up the caller failed; the call was released on our side.',
  messageNotSaved: 'The message could not be saved. Apologize and ask the caller to call back later.',
} as const;

/**
 * Sends the caller to the transfer context: sets TRANSFER_TARGET on the
 * caller's channel, then makes it leave Stasis for the dialplan. The caller is
 * not hung up: from then on the dialplan owns the channel. Throws the ARI error
 * of the step that failed (the caller is then still in Stasis).
 */
export async function sendCallerToTransfer(ari: AriRest, callerChannelId: string, target: string): Promise<void> {
  await ari.request<void>('POST', `/channels/${encodeURIComponent(callerChannelId)}/variable`, {
    query: { variable: TRANSFER_TARGET_VARIABLE, value: target },
  });
  await ari.continueInDialplan(callerChannelId, {
    context: TRANSFER_CONTEXT,
    extension: TRANSFER_EXTENSION,
    priority: TRANSFER_PRIORITY,
  });
}
