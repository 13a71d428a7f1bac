// What the AI latency measurements do with a call on the system: place it,
// find the agent's voiced packets in what the ARI fake heard, read its turns,
// hang it up.
import { finalCallRow, placeBridgedCall } from '../../test/kit/calls.js';
import { DIALED, type AiLatencySystem } from './ai-latency-system.js';

export const VOICED_RMS = 300;
/** Events here are RTP packets and database rows: a short poll keeps the measured times' error small. */
export const POLL_MS = 5;

export interface Utterance {
  audio: Buffer;
  /** Where the speech starts inside `audio`, in ms. */
  onsetMs: number;
  /** Where the speech ends inside `audio` (end of its last voiced 10 ms), in ms. */
  endMs: number;
}

export async function placeCall(system: AiLatencySystem): Promise<{ channelId: string; mediaId: string; createdAtMs: number }> {
  const { channelId, mediaId } = await placeBridgedCall(system.asterisk, { from: '+15551230000', to: DIALED }, { intervalMs: POLL_MS });
  const created = system.asterisk.requests.find((r) => r.path === '/ari/channels/externalMedia' && r.query.channelId === mediaId);
  return { channelId, mediaId, createdAtMs: created!.atMs };
}

export function firstVoicedAfter(system: AiLatencySystem, mediaId: string, afterMs: number, minRms = VOICED_RMS): number | null {
  return system.asterisk.rtpHeard(mediaId).find((p) => p.atMs > afterMs && p.rms > minRms)?.atMs ?? null;
}

export async function hangUp(system: AiLatencySystem, channelId: string, intervalMs = POLL_MS): Promise<void> {
  system.asterisk.hangupCaller(channelId);
  await finalCallRow(system.db.prisma, channelId, { intervalMs });
}

export async function agentTurns(system: AiLatencySystem, channelId: string) {
  return system.db.prisma.callTurn.findMany({ where: { call: { channelId }, role: 'agent' }, orderBy: { seq: 'asc' } });
}
