// Releases what a call acquired, in the order a real client does: the caller
// first (what they hear matters most), then the externalMedia channel, then
// the bridge; the media gateway session in parallel. A failing step is logged
// and the others still run: nothing here throws.
import type { Logger } from 'pino';
import type { AriRest } from '../ari/rest.js';
import type { HangupReason } from '../ari/types.js';
import type { MediaGatewayClient } from '../media-gateway/client.js';

export interface CallResources {
  callerChannelId: string;
  /** How to hang up the caller; null when the caller is not ours to hang up (gone, or sent on in the dialplan). */
  callerHangup: HangupReason | null;
  /** Each null when it was never requested. */
  mediaChannelId: string | null;
  bridgeId: string | null;
  mediaSessionId: string | null;
  /** Other parties of the call to hang up after the caller (a person a warm transfer connected). */
  otherChannelIds?: readonly string[];
}

export interface ReleaseDeps {
  ari: AriRest;
  media: MediaGatewayClient;
  log: Logger;
}

/**
 * Releases `resources`; `onCallerReleased` is told as soon as the caller's
 * channel is dealt with (false when hanging it up failed). Resolves with the
 * recording path the gateway reported, if any.
 */
export async function releaseCallResources(
  deps: ReleaseDeps,
  resources: CallResources,
  onCallerReleased: (released: boolean) => void,
): Promise<{ recordingPath: string | null }> {
  const { ari, media, log } = deps;
  const attempt = async (what: string, run: () => Promise<unknown>): Promise<boolean> => {
    try {
      await run();
      return true;
    } catch (error) {
      log.warn({ err: error }, `${what} failed`);
      return false;
    }
  };
  const releaseAsterisk = async (): Promise<void> => {
    const { callerHangup, mediaChannelId, bridgeId } = resources;
    const callerReleased =
      callerHangup === null ? true : await attempt('hang up caller', () => ari.hangup(resources.callerChannelId, callerHangup));
    onCallerReleased(callerReleased);
    for (const other of resources.otherChannelIds ?? []) await attempt('hang up the other party', () => ari.hangup(other, 'normal'));
    if (mediaChannelId !== null) await attempt('hang up externalMedia channel', () => ari.hangup(mediaChannelId));
    if (bridgeId !== null) await attempt('destroy bridge', () => ari.destroyBridge(bridgeId));
  };
  const closeMedia = async (): Promise<string | null> => {
    if (resources.mediaSessionId === null) return null;
    const closed = await media.closeSession(resources.mediaSessionId);
    return closed?.recordingPath ?? null;
  };
  const [, recording] = await Promise.allSettled([releaseAsterisk(), closeMedia()]);
  if (recording.status === 'rejected') log.warn({ err: recording.reason }, 'closing the media session failed');
  return { recordingPath: recording.status === 'fulfilled' ? recording.value : null };
}
