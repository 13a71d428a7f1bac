// How a call gets to its agent (or elsewhere), before the shared media setup:
//
// - inbound: route lookup (unknown number: rejected), the gradual rollout's
//   choice (a share of the calls goes straight to the business's person,
//   through the dialplan's transfer context, unanswered); the caller still
//   rings: the call answers once the agent's media path is ready;
// - outbound: the originate through the trunk, its ringing (busy, declined,
//   unanswered end the call here), then the dialplan's AMD() step; a machine
//   gets the business's voicemail message (an announcement leg) or a hang-up,
//   a person (or NOTSURE) gets the agent with the call's purpose.
//
// Each returns what the call continues with: the agent's settings, or null when
// the call has already been ended.
import type { Logger } from 'pino';
import type { AriEvent } from '../ari/types.js';
import type { AgentSettings } from '../../media/contract/sessions.js';
import { amdVerdict, OUTBOUND_AMD_ARG, OUTBOUND_AMD_CONTEXT, OUTBOUND_AMD_EXTENSION, OUTBOUND_AMD_PRIORITY, OUTBOUND_DIAL_ARG } from '../outbound/dial-outcome.js';
import { sendCallerToTransfer } from './agent-actions.js';
import type { BusinessRoute } from './business-directory.js';
import type { CallEnding, CallRecord } from './call-record.js';
import type { CallSessionDeps } from './call-session-deps.js';
import { eventChannelId, type WaitOptions } from './event-waiters.js';
import type { StepRunner } from './media-leg.js';
import type { InboundCall } from './stasis-start.js';

export interface EndRequestInput extends Omit<CallEnding, 'at'> {
  hangupReason: 'normal' | 'congestion' | 'unallocated';
}

export interface SetupScope {
  readonly callId: string;
  readonly callerChannelId: string;
  readonly deps: CallSessionDeps;
  readonly log: Logger;
  readonly signal: AbortSignal;
  record(): CallRecord;
  step: StepRunner;
  update(patch: Partial<CallRecord>): void;
  requestEnd(ending: EndRequestInput): boolean;
  waitEvent<T>(match: (event: AriEvent) => T | undefined, options?: WaitOptions): Promise<T | null>;
  /** Runs `send`, which makes the caller leave Stasis for the dialplan: its StasisEnd is expected. */
  sendToDialplan(send: () => Promise<void>): Promise<void>;
  /** Connects a leg whose gateway session only announces `text`; resolves whether it was played. */
  announceToCaller(text: string, agent: AgentSettings): Promise<boolean>;
}

/** What an outbound call carries from its request to its session. */
export interface OutboundPlan {
  readonly callId: string;
  readonly channelId: string;
  readonly businessId: string;
  /** The number dialed and the number presented, E.164. */
  readonly to: string;
  readonly from: string;
  /** The agent's settings with the call's purpose in them. */
  readonly agent: AgentSettings;
  /** Left on an answering machine; null: hang up on machines. */
  readonly voicemailMessage: string | null;
  readonly createdAt: Date;
}

export async function setUpInbound(scope: SetupScope, call: InboundCall): Promise<BusinessRoute | null> {
  const { ari, directory } = scope.deps;
  scope.log.info({ from: call.from, to: call.dialedRaw }, 'inbound call');
  if (!call.dialed) {
    endUnrouted(scope, `dialed number "${call.dialedRaw}" is not a phone number`);
    return null;
  }
  const dialed = call.dialed;
  const route = await scope.step('route_lookup', () => directory.findByNumber(dialed));
  if (!route) {
    endUnrouted(scope, null);
    return null;
  }
  scope.log.info({ businessId: route.businessId }, 'call routed');
  scope.update({ businessId: route.businessId });

  const person = route.agent.transferTarget;
  if (route.aiShare < 100 && person !== null && (await scope.deps.aiShare.choose(route.businessId, route.aiShare)) === 'human') {
    scope.log.info({ aiShare: route.aiShare, target: person }, 'gradual rollout: call sent to the business\'s person');
    scope.update({ routedToHuman: true });
    // Unanswered: the caller hears ringing, and Dial() answers when the person does.
    await scope.step('route_to_person', () => scope.sendToDialplan(() => sendCallerToTransfer(ari, scope.callerChannelId, person)));
    scope.requestEnd({ cause: 'routed_to_human', status: 'transferred', transferTarget: person, hangupReason: 'normal' });
    return null;
  }
  return route;
}

function endUnrouted(scope: SetupScope, error: string | null): void {
  scope.log.info({ to: scope.record().toNumber }, 'no business owns the dialed number; rejecting the call');
  scope.requestEnd({ cause: 'unrouted', status: 'unrouted', error, hangupReason: 'unallocated' });
}

/** Dials, waits for the answer, runs the AMD step; the agent's settings when a person (or nobody knows who) answered. */
export async function setUpOutbound(scope: SetupScope, plan: OutboundPlan): Promise<AgentSettings | null> {
  const { ari, settings } = scope.deps;
  const { callerChannelId: channelId } = scope;
  const outbound = settings.outbound;
  scope.log.info({ to: plan.to }, 'outbound call');
  // Events of the new channel can beat the originate's answer: wait from before the request.
  const answered = scope.waitEvent(
    (event) => (event.type === 'StasisStart' && event.channel.id === channelId && event.args[0] === OUTBOUND_DIAL_ARG ? true : undefined),
    { signal: scope.signal },
  );
  answered.catch(() => {});
  await scope.step('originate', () =>
    ari.originate({
      endpoint: `PJSIP/${plan.to}@${outbound.trunk}`,
      app: settings.appName,
      appArgs: [OUTBOUND_DIAL_ARG, plan.callId],
      callerId: plan.from,
      timeoutS: outbound.ringTimeoutS,
      channelId,
    }),
  );
  // Busy, declined or unanswered: the channel's hangup ends the call (CallSession.onCallerLeft).
  await scope.step('originate', () => answered);
  scope.update({ status: 'answered', answeredAt: scope.deps.now() });

  const verdictEvent = scope.waitEvent(
    (event) => (event.type === 'StasisStart' && eventChannelId(event) === channelId && event.args[0] === OUTBOUND_AMD_ARG ? event.args : undefined),
    { signal: scope.signal, timeoutMs: outbound.amdTimeoutMs },
  );
  verdictEvent.catch(() => {});
  await scope.step('amd', () =>
    scope.sendToDialplan(() =>
      ari.continueInDialplan(channelId, { context: OUTBOUND_AMD_CONTEXT, extension: OUTBOUND_AMD_EXTENSION, priority: OUTBOUND_AMD_PRIORITY }),
    ),
  );
  const args = await scope.step('amd', () => verdictEvent);
  if (args === null) {
    // The callee may have hung up during the analysis: the app is not told then.
    const gone = (await ari.getChannel(channelId).catch(() => undefined)) === null;
    scope.update({ amdResult: gone ? 'hangup' : null });
    scope.requestEnd(
      gone
        ? { cause: 'caller_hangup', causeCode: null, hangupReason: 'normal' }
        : { cause: 'amd_timeout', error: `the AMD step did not hand the call back within ${outbound.amdTimeoutMs} ms`, hangupReason: 'normal' },
    );
    return null;
  }
  const verdict = amdVerdict(args);
  scope.update({ amdResult: verdict.result, amdCause: verdict.cause });
  scope.log.info({ amd: verdict.result, amdCause: verdict.cause }, 'answering machine detection');
  if (verdict.result === 'human' || verdict.result === 'notsure') return plan.agent;
  if (verdict.result === 'machine' && plan.voicemailMessage) {
    const played = await scope.announceToCaller(plan.voicemailMessage, plan.agent);
    scope.requestEnd(
      played
        ? { cause: 'voicemail_left', hangupReason: 'normal' }
        : { cause: 'machine_detected', error: 'the voicemail message could not be played', hangupReason: 'normal' },
    );
    return null;
  }
  scope.requestEnd({ cause: verdict.result === 'hangup' ? 'caller_hangup' : 'machine_detected', hangupReason: 'normal' });
  return null;
}
