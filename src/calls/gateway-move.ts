// A call's media leg leaving a lost gateway: the call decides whether and when
// it moves (media-move.ts does the ARI and gateway steps). A move continues
// the agent the caller is talking to, with the business's tools and the
// conversation so far, over the call's transport; only when no other gateway
// takes the call does it end `media_lost`.
import { SpanStatusCode } from '@opentelemetry/api';
import { describeError } from '../errors.js';
import { childContext, traceParentOf } from '../../media/contract/tracing.js';
import type { CallState } from './call-state.js';
import { hangUpQuietly, moveMedia } from './media-move.js';
import { deferred } from '../timing/waiting.js';

/**
 * The call's gateway stopped answering: its media goes to another gateway.
 * A warm transfer under way (the agent's channel out of the bridge) finishes
 * first; a call whose agent leg is gone (connected to a person) has nothing to move.
 */
export function moveMediaOff(state: CallState, lostGatewayUrl: string): Promise<void> {
  if (state.moving) return state.moving;
  if (state.phase !== 'active' || state.endRequest || state.mediaGatewayUrl !== lostGatewayUrl) return Promise.resolve();
  const transfer = state.warmTransfer ?? Promise.resolve();
  state.moving = transfer
    .then(() => {
      if (state.endRequest || state.mediaGatewayUrl !== lostGatewayUrl) return;
      return moveMediaNow(state, lostGatewayUrl);
    })
    .finally(() => {
      state.moving = null;
    });
  return state.moving;
}

async function moveMediaNow(state: CallState, lostGatewayUrl: string): Promise<void> {
  const { ari, media, settings } = state.deps;
  const oldChannel = state.mediaChannel;
  const oldSession = state.leg.mediaSessionId;
  const newChannel = state.deps.newId();
  const startedAt = performance.now();
  const span = state.tracer.startSpan('media move', { attributes: { 'media.lost_gateway': lostGatewayUrl } }, childContext(state.span));
  state.log.warn({ gateway: lostGatewayUrl }, 'media gateway lost mid-call; moving the call to another gateway');
  try {
    const businessId = state.record.businessId;
    const route = businessId === null ? null : await state.deps.directory.findById(businessId);
    if (!route) throw new Error("the call's business is gone");
    const stored = (await state.deps.conversationSoFar?.(state.callId)) ?? { turns: [], nextSeq: 0 };
    // The gateway numbers the current agent's turns; the backend adds turnSeqOffset when storing them.
    const resume = { turns: stored.turns, nextSeq: Math.max(0, stored.nextSeq - state.turnSeqOffset) };
    state.mediaInStasis = deferred();
    const session = await moveMedia(
      { ari, media, settings, log: state.log },
      {
        request: {
          callId: state.callId,
          businessId: route.businessId,
          channelId: state.callerChannelId,
          format: settings.mediaFormat,
          transport: settings.mediaTransport,
          caller: state.parties(),
          // The agent the caller was talking to (after an untaken warm transfer, the one taking a message).
          agent: state.agent ?? route.agent,
          ...(route.tools ? { tools: route.tools } : {}),
          traceparent: traceParentOf(state.span),
        },
        resume,
        lostGatewayUrl,
        bridgeId: state.bridgeId,
        oldMediaChannelId: oldChannel,
        newMediaChannelId: newChannel,
        newChannelInStasis: Promise.race([state.mediaInStasis.promise, state.endSignal.promise]),
        acquired: ({ session: created, mediaChannel }) => {
          if (created) state.leg.mediaSessionId = created.sessionId;
          if (mediaChannel) {
            // From here the old channel's events (its hang-up) are no loss of media.
            state.mediaChannel = newChannel;
            state.mediaChannels.push(newChannel);
            state.claim(newChannel);
          }
        },
      },
    );
    state.record = {
      ...state.record,
      mediaChannelId: newChannel,
      mediaSessionId: session.sessionId,
      mediaGatewayUrl: media.gatewayUrlOf(session.sessionId),
    };
    state.persist();
    // A gateway that was only hung may come back: its session of this call must not linger there.
    if (oldSession !== null) {
      media.closeSession(oldSession).catch((error: unknown) => state.log.debug({ err: error }, 'closing the session on the lost gateway failed'));
    }
    state.log.info({ gateway: state.record.mediaGatewayUrl, moveMs: Math.round(performance.now() - startedAt) }, 'call moved to another media gateway');
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: describeError(error) });
    state.log.error({ err: error }, 'moving the call to another media gateway failed');
    if (state.mediaChannel !== oldChannel) await hangUpQuietly({ ari, log: state.log }, oldChannel);
    state.requestEnd({
      cause: 'media_lost',
      error: `media gateway lost and the call could not move: ${describeError(error)}`,
      hangupReason: 'normal',
    });
  } finally {
    span.end();
  }
}
