// Moving a call's media off a gateway that was lost mid-call.
//
// Asterisk keeps the caller, the bridge and the externalMedia channel: only the
// gateway behind that channel is gone (RTP is UDP, nothing in Asterisk notices).
// The call gets a session on another gateway that continues the conversation
// (its turns, from the database), a new externalMedia channel pointed at it is
// added to the same bridge, and the old channel is hung up. The caller hears
// silence meanwhile, then the agent picking the conversation up.
import type { Logger } from 'pino';
import type { AriRest } from '../ari/rest.js';
import type { CreateSessionInput, CreateSessionResponse, ResumeContext } from '../../media/contract/sessions.js';
import type { MediaGatewayClient } from '../media-gateway/client.js';
import type { CallSettings } from './call-session-deps.js';
import { createExternalMedia, mediaRemote } from './external-media.js';
import { withTimeout } from '../timing/waiting.js';

export interface MediaMoveDeps {
  readonly ari: AriRest;
  readonly media: MediaGatewayClient;
  /** The app, transport, format and Stasis timeout of the new externalMedia channel. */
  readonly settings: CallSettings;
  readonly log: Logger;
}

export interface MediaMovePlan {
  /** The new session's request, without the conversation (added here). */
  readonly request: Omit<CreateSessionInput, 'resume'>;
  readonly resume: ResumeContext;
  readonly lostGatewayUrl: string;
  readonly bridgeId: string;
  readonly oldMediaChannelId: string;
  readonly newMediaChannelId: string;
  /** Resolves when the new channel entered Stasis (it cannot join the bridge before). */
  readonly newChannelInStasis: Promise<void>;
  /**
   * Called once the session exists, and just before the new channel is requested
   * (its StasisStart can come before the answer), so a failure later still releases them.
   */
  readonly acquired: (what: { session?: CreateSessionResponse; mediaChannel?: true }) => void;
}

/** Runs the move; throws when no other gateway takes the call or Asterisk refuses a step. */
export async function moveMedia(deps: MediaMoveDeps, plan: MediaMovePlan): Promise<CreateSessionResponse> {
  const { ari, media, settings } = deps;
  const session = await media.createSession({ ...plan.request, resume: plan.resume }, undefined, [plan.lostGatewayUrl]);
  plan.acquired({ session });
  plan.acquired({ mediaChannel: true });
  const channel = await createExternalMedia(ari, settings, session, plan.newMediaChannelId);
  await media.setRemote(session.sessionId, await mediaRemote(ari, settings, channel));
  const stasisTimeoutMs = settings.externalMediaStasisTimeoutMs;
  await withTimeout(plan.newChannelInStasis, stasisTimeoutMs, `externalMedia channel did not enter Stasis within ${stasisTimeoutMs} ms`);
  await ari.addChannels(plan.bridgeId, [plan.newMediaChannelId]);
  await hangUpQuietly(deps, plan.oldMediaChannelId);
  return session;
}

/** The old channel points at nothing; it may be gone already. */
export async function hangUpQuietly(deps: Pick<MediaMoveDeps, 'ari' | 'log'>, channelId: string): Promise<void> {
  try {
    await deps.ari.hangup(channelId, 'normal');
  } catch (error) {
    deps.log.debug({ err: error, mediaChannelId: channelId }, 'hanging up the lost gateway\'s media channel failed');
  }
}
