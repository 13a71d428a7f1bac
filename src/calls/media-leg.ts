// Connects one phone channel to the media gateway: a mixing bridge, a gateway
// session, the externalMedia channel (RTP or websocket, external-media.ts), the
// gateway told where Asterisk's side is, then both channels bridged once the
// externalMedia channel is in Stasis. Every call's agent leg goes through here,
// and so do the legs that only announce (a warm transfer's target, a voicemail).
//
// What each step acquired is recorded in `progress` as soon as it is requested,
// so whoever tears the leg down releases exactly that, whichever step failed.
import type { AriRest } from '../ari/rest.js';
import type { MediaGatewayClient } from '../media-gateway/client.js';
import type { CreateSessionInput } from '../../media/contract/sessions.js';
import type { CallSettings } from './call-session-deps.js';
import { createExternalMedia, mediaRemote } from './external-media.js';
import type { SetupStep } from './setup-step.js';
import { withTimeout } from '../timing/waiting.js';

/** Runs one step of the leg; the call decides what a failure (or the call ending meanwhile) means. */
export type StepRunner = <T>(step: SetupStep, run: () => Promise<T>) => Promise<T>;

export interface MediaLegPlan {
  /** The phone side: the caller, or a channel the backend originated. */
  phoneChannelId: string;
  bridgeId: string;
  mediaChannelId: string;
  bridgeName: string;
  /** The gateway session; format and transport are filled in from the settings. */
  session: Omit<CreateSessionInput, 'format' | 'transport'>;
  /** Resolves when the externalMedia channel entered Stasis (its own StasisStart). */
  mediaInStasis: () => Promise<unknown>;
}

export interface MediaLegProgress {
  bridgeRequested: boolean;
  mediaChannelRequested: boolean;
  mediaSessionId: string | null;
}

export interface MediaLegDeps {
  ari: AriRest;
  media: MediaGatewayClient;
  settings: CallSettings;
}

export function emptyProgress(): MediaLegProgress {
  return { bridgeRequested: false, mediaChannelRequested: false, mediaSessionId: null };
}

export async function connectMediaLeg(deps: MediaLegDeps, plan: MediaLegPlan, progress: MediaLegProgress, step: StepRunner): Promise<void> {
  const { ari, media, settings } = deps;
  progress.bridgeRequested = true;
  await step('bridge', () => ari.createBridge({ type: 'mixing', bridgeId: plan.bridgeId, name: plan.bridgeName }));
  const session = await step('media_session', () =>
    media.createSession({ ...plan.session, format: settings.mediaFormat, transport: settings.mediaTransport }),
  );
  progress.mediaSessionId = session.sessionId;

  progress.mediaChannelRequested = true;
  const channel = await step('external_media', () => createExternalMedia(ari, settings, session, plan.mediaChannelId));
  const remote = await step('external_media', () => mediaRemote(ari, settings, channel));
  // Websocket: resolves once the gateway's media websocket is connected, which is what puts
  // the channel into Stasis.
  await step('media_remote', () => media.setRemote(session.sessionId, remote));
  // Adding the channel before its own StasisStart can be refused with 422
  // "Channel not in Stasis application" by a real Asterisk.
  await step('external_media', () =>
    withTimeout(
      plan.mediaInStasis(),
      settings.externalMediaStasisTimeoutMs,
      `externalMedia channel did not enter Stasis within ${settings.externalMediaStasisTimeoutMs} ms`,
    ),
  );
  await step('bridge_channels', () => ari.addChannels(plan.bridgeId, [plan.phoneChannelId, plan.mediaChannelId]));
}
