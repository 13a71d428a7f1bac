// BargeInControl fed as the gateway feeds it: the caller's packets on arrival,
// the agent's frames and the ticks through the media thread's events ring
// (in order, handed over in batches that share one arrival time). A caller
// who sends nothing between utterances (silence suppression, or the ARI fake)
// must still be heard stopping, or the next utterance is never reported.
import { describe, expect, it } from 'vitest';
import { BargeInControl, type BargeInSettings } from '../../../media/agents/ai-agent-barge-in.js';
import { encodeUlaw } from '../../../media/codec/g711.js';
import type { ConversationEvent } from '../../../media/conversation/conversation-types.js';
import { FRAME_MS, FRAME_SAMPLES, callerSpeech, looped } from '../../support/conversation-signals.js';

const SETTINGS: BargeInSettings = {
  minSpeechMs: 200,
  sttEvidence: 'words',
  sttMinSpeechMs: 60,
  pauseMinSpeechMs: 0,
  resumeAfterMs: 700,
  sttEndpointingMs: 400,
};
const SPEECH = callerSpeech();
/** Two seconds of the recording's first utterance: the packets stop while it is still loud. */
const UTTERANCE_FRAMES = 100;
/** The recording's first frame at speech level (its first 100 ms are quieter). */
const LOUD_FROM_FRAME = 5;

type BargeIn = Extract<ConversationEvent, { type: 'barge_in' }>;

/**
 * One call: the agent talks all along (its voice 12 dB down, no echo); the caller says the
 * utterance at `firstAtTick`, sends nothing for `quietTicks`, and says it again. Events are handed
 * to the control `batch` ticks at a time, with the batch's arrival time.
 */
function call(options: { batch: number; quietTicks: number; onArrival: boolean }): BargeIn[] {
  const bargeIns: BargeIn[] = [];
  const control = new BargeInControl({
    settings: SETTINGS,
    currentTurn: () => null,
    audible: () => true,
    heard: () => '',
    bargeIn: (event) => bargeIns.push(event),
    count: () => undefined,
  });
  const agent = looped(SPEECH, 2_000 * FRAME_SAMPLES);
  for (let i = 0; i < agent.length; i++) agent[i] = agent[i]! >> 2;
  const firstAtTick = 50;
  const secondAtTick = firstAtTick + UTTERANCE_FRAMES + options.quietTicks;
  const lastTick = secondAtTick + UTTERANCE_FRAMES + 50;
  const silence = new Int16Array(FRAME_SAMPLES);
  const pending: ((nowMs: number) => void)[] = [];
  for (let tick = 0; tick < lastTick; tick++) {
    const inFirst = tick >= firstAtTick && tick < firstAtTick + UTTERANCE_FRAMES;
    const inSecond = tick >= secondAtTick && tick < secondAtTick + UTTERANCE_FRAMES;
    // The second time, the packets start loud (mid-word), as after a sender's silence suppression.
    const from = (inFirst ? tick - firstAtTick : tick - secondAtTick + LOUD_FROM_FRAME) * FRAME_SAMPLES;
    const caller = inFirst || inSecond ? SPEECH.slice(from, from + FRAME_SAMPLES) : silence;
    const ulaw = new Uint8Array(FRAME_SAMPLES);
    encodeUlaw(caller, ulaw);
    const sent = agent.slice(tick * FRAME_SAMPLES, (tick + 1) * FRAME_SAMPLES);
    // The tick's caller frame (the jitter buffer's; silence while nothing arrives), then the packet sent.
    pending.push((nowMs) => control.onTick(caller, nowMs));
    pending.push(() => control.onAgentFrameSent(sent));
    // Packets arrive only while the caller talks.
    if (options.onArrival && (inFirst || inSecond)) pending.push((nowMs) => control.onArrival(ulaw, nowMs));
    if ((tick + 1) % options.batch === 0) {
      const nowMs = (tick + 1) * FRAME_MS;
      for (const event of pending.splice(0)) event(nowMs);
    }
  }
  return bargeIns;
}

describe('BargeInControl on arrival', () => {
  for (const batch of [1, 5]) {
    it(`hears a caller who sends nothing between utterances stop, and reports the next utterance (batches of ${batch})`, () => {
      const bargeIns = call({ batch, quietTicks: 40, onArrival: true });
      expect(bargeIns).toHaveLength(2);
      // Each decided on its own utterance, about the barge-in minimum after it began.
      expect(bargeIns[0]!.onsetMs).toBeLessThan(bargeIns[1]!.onsetMs);
      expect(bargeIns[1]!.atMs).toBeGreaterThan((50 + UTTERANCE_FRAMES + 40) * FRAME_MS);
    });
  }

  it('decides the same utterances as the jitter buffer\'s frames do', () => {
    expect(call({ batch: 1, quietTicks: 40, onArrival: false })).toHaveLength(2);
  });
});
