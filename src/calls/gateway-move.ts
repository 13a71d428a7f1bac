// A call's media leg leaving a lost gateway: the call decides whether and when
// it moves (media-move.ts does the ARI and gateway steps). A move continues
// the agent the caller is talking to, with the business's tools and the
// conversation so far, over the call's transport; only when no other gateway
// takes the call does it end `media_lost`.
//
// Two things start a move: the gateway pool finding the gateway lost (RTP is
// UDP: Asterisk notices nothing, the externalMedia channel stays), or Asterisk
// hanging the externalMedia channel up while the caller is still in the bridge.
// The second is how a websocket call learns of a dead gateway: chan_websocket
// hangs its channel up as soon as the gateway's TCP connection closes, well
// before the pool's polls give up on the gateway, so waiting for the pool would
// leave the call without its channel. Either way the call's gateway is avoided:
// a gateway whose connection dropped is not trusted with the call again.
import { SpanStatusCode } from '@opentelemetry/api';
import { describeError } from '../errors.js';
import { childContext, traceParentOf } from '../../media/contract/tracing.js';
import type { CallState } from './call-state.js';
import { hangUpQuietly, moveMedia } from './media-move.js';
import { deferred } from '../timing/waiting.js';
import { readConversationSoFar } from './conversation-so-far.js';

/**
 * A call whose media leg was lost this many times ends `media_lost`: a leg that
 * keeps dying (a gateway that accepts calls and drops them) would otherwise
 * move between gateways for as long as the caller stays, each move costing a
 * few seconds of silence and an apology.
 */
export const MAX_MEDIA_MOVES = 3;

/**
 * The call's externalMedia channel left while the call is active (Asterisk hung
 * it up). Returns false when there is nothing to move (the call is setting up
 * or ending, or the agent's leg is released): the caller of this ends the call.
 */
export function replaceGoneMediaChannel(state: CallState): boolean {
  if (state.moving) return true;
  const gatewayUrl = state.mediaGatewayUrl;
  if (state.phase !== 'active' || state.endRequest || gatewayUrl === null) return false;
  state.log.warn({ gateway: gatewayUrl, mediaChannelId: state.mediaChannel }, 'externalMedia channel hung up mid-call; moving the call to another gateway');
  void moveMediaOff(state, gatewayUrl);
  return true;
}

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
  state.mediaMoves += 1;
  if (state.mediaMoves > MAX_MEDIA_MOVES) {
    state.log.error({ gateway: lostGatewayUrl, moves: state.mediaMoves - 1 }, 'media leg lost too many times; ending the call');
    await hangUpQuietly({ ari, log: state.log }, oldChannel);
    state.requestEnd({
      cause: 'media_lost',
      error: `media gateway lost after ${MAX_MEDIA_MOVES} moves of the call's media`,
      hangupReason: 'normal',
    });
    return;
  }
  const newChannel = state.deps.newId();
  const startedAt = performance.now();
  const span = state.tracer.startSpan('media move', { attributes: { 'media.lost_gateway': lostGatewayUrl } }, childContext(state.span));
  state.log.warn({ gateway: lostGatewayUrl }, 'media gateway lost mid-call; moving the call to another gateway');
  try {
    const businessId = state.record.businessId;
    const route = businessId === null ? null : await state.deps.directory.findById(businessId);
    if (!route) throw new Error("the call's business is gone");
    const stored = await readConversationSoFar(state.deps.conversationSoFar, state.callId, state.log);
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
