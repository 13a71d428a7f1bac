// A call's setup, from its first event to connected: the way in (call-setup.ts:
// route and rollout for inbound, dial and AMD for outbound), then the agent's
// media leg (media-leg.ts). An inbound caller still rings meanwhile: the media
// path is ready before the answer, which comes last, and the whole setup is
// bounded (CALL_SETUP_TIMEOUT_MS) so that the caller never rings on. A failed
// step becomes the call's end request; the teardown releases what it acquired.
import { isAriError } from '../ari/errors.js';
import { describeError } from '../errors.js';
import type { AgentSettings, SessionTools } from '../../media/contract/sessions.js';
import { traceParentOf } from '../../media/contract/tracing.js';
import type { BusinessRoute } from './business-directory.js';
import { markAnswered } from './call-record.js';
import type { CallState, EndRequest } from './call-state.js';
import { setUpInbound, setUpOutbound, type SetupScope } from './call-setup.js';
import { connectMediaLeg } from './media-leg.js';
import { EndRequested, StepError } from './setup-step.js';

/** Sets the call up; a failure is returned as the call's end request (an end requested meanwhile wins). */
export async function runSetup(state: CallState): Promise<EndRequest | null> {
  const timeoutMs = state.deps.settings.setupTimeoutMs;
  // An inbound caller rings until the media path is ready. Every step's request
  // has its own timeout; this bounds their sum, so the caller never rings on.
  // The step in flight ends by itself (its result is released by the teardown);
  // the wait for the Stasis entry ends at once. An outbound call's setup is
  // bounded by its ring and AMD timeouts instead.
  const setupTimer = state.inbound ? setTimeout(() => giveUpSetup(state, timeoutMs), timeoutMs) : null;
  try {
    await setUp(state);
    return null;
  } catch (error) {
    return await endingForSetupFailure(state, error);
  } finally {
    if (setupTimer) clearTimeout(setupTimer);
  }
}

async function setUp(state: CallState): Promise<void> {
  const scope = setupScope(state);
  let agent: AgentSettings | null;
  let route: BusinessRoute | null;
  let businessId: string;
  if (state.inbound) {
    route = await setUpInbound(scope, state.inbound);
    if (!route) return;
    agent = route.agent;
    businessId = route.businessId;
  } else {
    const plan = state.outbound!;
    state.persist();
    agent = await setUpOutbound(scope, plan);
    if (!agent) return;
    businessId = plan.businessId;
    route = await state.deps.directory.findById(businessId).catch(() => null);
  }
  state.agent = agent;
  state.record = { ...state.record, engine: agent.engine?.name ?? 'cascade' };
  state.transferMode = route?.transferMode ?? 'cold';
  // Inbound: the media path is built while the caller still rings, and the
  // answer comes last: the caller's first moment on the line is the greeting,
  // not the time the setup takes. Outbound: the callee answered already.
  const ringing = state.inbound !== null;
  await connectAgentLeg(state, businessId, agent, null, { tools: route?.tools, awaitAnswer: ringing });
  const sessionId = state.leg.mediaSessionId;
  state.record = {
    ...state.record,
    bridgeId: state.bridgeId,
    mediaChannelId: state.mediaChannel,
    mediaSessionId: sessionId,
    mediaGatewayUrl: sessionId === null ? null : state.deps.media.gatewayUrlOf(sessionId),
  };
  if (ringing && sessionId !== null) {
    await state.step('answer', () => state.deps.ari.answer(state.callerChannelId));
    // The greeting's first packet leaves as soon as the gateway hears of the
    // answer. When this request is lost the caller's first packet tells it.
    state.deps.media.answered(sessionId).catch((error: unknown) => {
      state.log.warn({ err: error }, 'the media gateway was not told of the answer; it starts on the caller audio');
    });
    state.record = markAnswered(state.record, state.deps.now());
  }
  state.persist();
}

/** The caller's leg to the gateway: the agent, or an announcement (voicemail) when `announcement` is set. */
async function connectAgentLeg(
  state: CallState,
  businessId: string,
  agent: AgentSettings,
  announcement: string | null,
  options: { tools?: SessionTools | undefined; awaitAnswer?: boolean } = {},
): Promise<void> {
  await connectMediaLeg(
    state.deps,
    {
      phoneChannelId: state.callerChannelId,
      bridgeId: state.bridgeId,
      mediaChannelId: state.mediaChannel,
      bridgeName: `call-${state.callId}`,
      session: {
        callId: state.callId,
        businessId,
        channelId: state.callerChannelId,
        caller: state.parties(),
        agent,
        announcement: announcement === null ? null : { text: announcement },
        ...(options.tools ? { tools: options.tools } : {}),
        traceparent: traceParentOf(state.span),
        ...(options.awaitAnswer ? { awaitAnswer: true } : {}),
      },
      mediaInStasis: () => Promise.race([state.mediaInStasis.promise, state.endSignal.promise]),
    },
    state.leg,
    (step, run) => state.step(step, run),
  );
}

function setupScope(state: CallState): SetupScope {
  return {
    callId: state.callId,
    callerChannelId: state.callerChannelId,
    deps: state.deps,
    log: state.log,
    signal: state.ending.signal,
    record: () => state.record,
    step: (step, run) => state.step(step, run),
    update: (patch) => {
      state.record = { ...state.record, ...patch };
      state.persist();
    },
    requestEnd: (ending) => state.requestEnd(ending),
    waitEvent: (match, options) => state.waiters.wait(match, options),
    sendToDialplan: (send) => state.sendToDialplan(send),
    announceToCaller: async (text, agent) => {
      await connectAgentLeg(state, state.outbound?.businessId ?? state.record.businessId ?? '', agent, text);
      return state.step('external_media', () =>
        Promise.race([state.announcementFor(state.callId).promise, state.endSignal.promise.then(() => false)]),
      );
    },
  };
}

/**
 * The setup took too long: the caller stops ringing now (congestion), not
 * when the step in flight returns; the rest is released after it. A caller
 * already on their way to a person (the gradual rollout) is left to them.
 */
function giveUpSetup(state: CallState, timeoutMs: number): void {
  if (state.phase !== 'setting_up' || state.endRequest || state.dialplanSends > 0 || state.callerInDialplan) return;
  state.log.error({ timeoutMs }, 'call setup did not finish in time');
  state.requestEnd({
    cause: 'setup_failed',
    error: new StepError('setup_timeout', new Error(`the call was not set up within ${timeoutMs} ms`)).message,
    hangupReason: 'congestion',
  });
  if (state.callerGone) return;
  state.callerHangupEarly = state.deps.ari.hangup(state.callerChannelId, 'congestion').then(
    () => true,
    (error: unknown) => {
      state.log.warn({ err: error }, 'hanging up the caller at the setup timeout failed; retried at the teardown');
      return false;
    },
  );
}

async function endingForSetupFailure(state: CallState, error: unknown): Promise<EndRequest> {
  if (state.abandoned || (error instanceof EndRequested && state.endRequest)) return state.endRequest as EndRequest;
  // A refused request on the caller's channel often means the caller hung
  // up and the event is still on its way: ask Asterisk before calling it a failure.
  if (isAriError(error instanceof StepError ? error.original : error) && (await callerHasLeft(state))) {
    state.callerGone = true;
    return { at: state.deps.now(), cause: 'caller_hangup', causeCode: null, hangupReason: 'normal' };
  }
  const message = describeError(error);
  state.log.error({ err: error instanceof StepError ? error.original : error, step: (error as StepError).step }, 'call setup failed');
  const dialFailed = error instanceof StepError && error.step === 'originate';
  return {
    at: state.deps.now(),
    cause: dialFailed ? 'dial_failed' : 'setup_failed',
    error: message,
    hangupReason: state.record.answeredAt ? 'normal' : 'congestion',
  };
}

async function callerHasLeft(state: CallState): Promise<boolean> {
  if (state.callerGone) return true;
  try {
    return (await state.deps.ari.getChannel(state.callerChannelId)) === null;
  } catch {
    return false;
  }
}
