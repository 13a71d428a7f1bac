// Handing the caller to the business's person, as the business wants it:
// cold (the caller goes to the dialplan's transfer context; Asterisk refusing
// leaves the caller with the agent) or warm (warm-transfer.ts runs beside the
// call: the caller waits, the person is called and told who is calling; taken,
// caller and person are bridged and the agent's leg released; not taken, a new
// agent takes the caller back and offers to take a message).
import type { ActionResult } from '../../media/contract/backend.js';
import type { AgentSettings } from '../../media/contract/sessions.js';
import { describeError } from '../errors.js';
import { AGENT_MESSAGES, sendCallerToTransfer } from './agent-actions.js';
import { releaseCallResources } from './call-release.js';
import type { CallState } from './call-state.js';
import { readConversationSoFar } from './conversation-so-far.js';
import { announcementText, resumeAgentSettings } from './transfer-words.js';
import { WarmTransfer } from './warm-transfer.js';

const OK: ActionResult = { ok: true, message: null };

/** The agent's transfer action; `reason` is the agent's one-sentence summary for the person (warm). */
export async function transferCaller(state: CallState, reason: string | null): Promise<ActionResult> {
  if (state.phase !== 'active' || state.endRequest) return { ok: false, message: AGENT_MESSAGES.notConnected };
  const target = state.agent?.transferTarget ?? null;
  if (!target) return { ok: false, message: AGENT_MESSAGES.noTransferTarget };
  if (state.dialplanSends > 0 || state.warmTransfer) return { ok: false, message: AGENT_MESSAGES.transferUnderWay };
  if (state.transferMode === 'warm') {
    state.warmTransfer = runWarmTransfer(state, target, reason).finally(() => {
      state.warmTransfer = null;
    });
    return OK;
  }
  try {
    await state.sendToDialplan(() => sendCallerToTransfer(state.deps.ari, state.callerChannelId, target));
  } catch (error) {
    // The answer to `continue` can be lost although Asterisk did it: its StasisEnd tells.
    if (!state.callerInDialplan) {
      state.log.warn({ err: error, target }, 'transfer refused; the call goes on');
      return { ok: false, message: AGENT_MESSAGES.transferFailed };
    }
  }
  const ended = state.requestEnd({ cause: 'transferred', status: 'transferred', transferTarget: target, hangupReason: 'normal' });
  if (!ended) return { ok: false, message: AGENT_MESSAGES.endedBeforeTransfer };
  state.log.info({ target }, 'caller transferred');
  return OK;
}

async function runWarmTransfer(state: CallState, target: string, reason: string | null): Promise<void> {
  const agent = state.agent!;
  const callerNumber = state.parties().from;
  const transfer = new WarmTransfer(
    {
      callId: state.callId,
      businessId: state.record.businessId ?? '',
      callerChannelId: state.callerChannelId,
      callerNumber,
      bridgeId: state.bridgeId,
      mediaChannelId: state.mediaChannel,
      agent,
      deps: state.deps,
      log: state.log,
      signal: state.ending.signal,
      waitEvent: (match, options) => state.waiters.wait(match, options),
      claim: (id) => state.claim(id),
      announcementDone: (legCallId) => state.announcementFor(legCallId).promise,
    },
    target,
    announcementText({ businessName: agent.businessName, callerNumber, summary: reason }),
  );
  state.claimCallId(transfer.legCallId);
  state.log.info({ target }, 'warm transfer: calling the person');
  const result = await transfer.run();
  if (state.abandoned) return;
  state.record = { ...state.record, transferOutcome: result.outcome, transferTarget: target };
  state.persist();
  if (result.outcome === 'caller_left' || state.endRequest) return;
  if (result.outcome === 'connected') {
    state.peerChannelId = result.peerChannelId;
    await releaseAgentLeg(state);
    return;
  }
  if (result.callerStranded) {
    state.requestEnd({ cause: 'setup_failed', error: 'warm transfer: the agent could not take the caller back', hangupReason: 'normal' });
    return;
  }
  await resumeAgent(state, agent, result.outcome);
}

/** Connected to the person: the agent's externalMedia channel and gateway session go; the recording is kept. */
async function releaseAgentLeg(state: CallState): Promise<void> {
  state.agentLegReleased = true;
  const released = await releaseCallResources(
    { ari: state.deps.ari, media: state.deps.media, log: state.log },
    { callerChannelId: state.callerChannelId, callerHangup: null, mediaChannelId: state.mediaChannel, bridgeId: null, mediaSessionId: state.leg.mediaSessionId },
    () => {},
  );
  state.recordingPath = released.recordingPath;
}

/** Nobody took the call: a new agent takes the caller back and offers to take a message. */
async function resumeAgent(state: CallState, agent: AgentSettings, outcome: Parameters<typeof resumeAgentSettings>[1]): Promise<void> {
  const { turns } = await readConversationSoFar(state.deps.conversationSoFar, state.callId, state.log);
  const settings = resumeAgentSettings(agent, outcome, turns);
  state.agentGeneration += 1;
  try {
    await state.deps.media.replaceAgent(state.leg.mediaSessionId!, settings);
    state.agent = settings;
    state.log.info({ outcome }, 'warm transfer not taken; the agent offers to take a message');
  } catch (error) {
    state.log.error({ err: error }, 'the agent could not take the caller back');
    state.requestEnd({ cause: 'setup_failed', error: `warm transfer: ${describeError(error)}`, hangupReason: 'normal' });
  }
}
