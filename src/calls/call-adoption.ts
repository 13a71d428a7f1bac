// A call adopted from its row: another replica set it up, lost its node's lease
// (it died, or handed the node over), and this replica holds the lease now.
// The adopted call starts where the row says it is: connected, waiting for its
// end. A call that was still being set up cannot be finished by anyone else
// (the setup's state is gone): it is ended at once. A warm transfer's attempt
// is not in the row: an adopted call goes on with its agent, and the new
// holder's reconciliation releases the attempt's leg.
import type { CallSessionDeps } from './call-session-deps.js';
import type { CallRecord } from './call-record.js';
import type { CallState } from './call-state.js';
import { isFullySetUp } from './adopted-call.js';
import type { InboundCall } from './stasis-start.js';

/** The call's other party as the session keeps it, whichever way the call went. */
export function adoptedParty(record: CallRecord): InboundCall {
  const other = record.direction === 'outbound' ? record.toNumber : record.fromNumber;
  return { channelId: record.channelId, dialedRaw: record.toNumber, dialed: record.toNumber, from: other };
}

/** What the row says the previous holder acquired: released by the teardown. */
export function adoptLeg(state: CallState, record: CallRecord, deps: CallSessionDeps): void {
  state.leg.bridgeRequested = record.bridgeId !== null;
  state.leg.mediaChannelRequested = record.mediaChannelId !== null;
  state.leg.mediaSessionId = record.mediaSessionId ?? null;
  if (record.mediaSessionId && record.mediaGatewayUrl) deps.media.remember(record.mediaSessionId, record.mediaGatewayUrl);
}

/** An adopted call goes on as connected when its row says so; one caught in its setup ends. */
export function resumeAdopted(state: CallState): void {
  if (!isFullySetUp(state.record)) {
    state.log.warn({ status: state.record.status }, 'adopted a call that was still being set up; ending it');
    state.requestEnd({
      cause: 'backend_restart',
      status: 'interrupted',
      error: 'the backend stopped while the call was being set up',
      hangupReason: 'normal',
    });
    return;
  }
  state.log.info({ node: state.record.node }, 'call adopted');
  const businessId = state.record.businessId;
  if (businessId === null) return;
  // The agent's settings (transfer target, mode) as the business has them now.
  state.deps.directory.findById(businessId).then(
    (route) => {
      if (!route) return;
      state.agent = route.agent;
      state.transferMode = route.transferMode;
    },
    (error: unknown) => state.log.warn({ err: error }, 'looking up the business of an adopted call failed'),
  );
}
