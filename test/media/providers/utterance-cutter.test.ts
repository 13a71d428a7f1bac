// The utterance cutter on its own: a scripted voice detector decides which
// frames are speech, so every rule is checked frame by frame.
import { describe, expect, it } from 'vitest';
import { MAX_UTTERANCE_MS, PRE_ROLL_MS, TAIL_MS, UTTERANCE_MIN_SPEECH_MS, UtteranceCutter, type CutEvent } from '../../../media/providers/utterance-cutter.js';
import type { VoiceDetector } from '../../../media/vad/voice-detector.js';

/** Speech where `speech(atMs)` says so; each frame's samples carry its index, to find them in the cut. */
function run(speech: (atMs: number) => boolean, ms: number, endpointingMs = 300): CutEvent[] {
  const detector: VoiceDetector = { classify: (_frame, atMs) => speech(atMs), energyDbfs: -20 };
  const cutter = new UtteranceCutter({ detector, endpointingMs, samplesPerFrame: 160 });
  const events: CutEvent[] = [];
  for (let frame = 0; frame < ms / 20; frame += 1) events.push(...cutter.push(new Int16Array(160).fill(frame)));
  return events;
}

const utterances = (events: CutEvent[]) => events.filter((e): e is Extract<CutEvent, { type: 'utterance' }> => e.type === 'utterance');

describe('UtteranceCutter', () => {
  it('cuts one utterance with its pre-roll and tail, after the endpointing silence', () => {
    const events = run((atMs) => atMs >= 1_000 && atMs < 2_000, 3_000);
    expect(events[0]).toEqual({ type: 'speech_started', audioMs: 1_000 });
    const [cut] = utterances(events);
    expect(cut).toMatchObject({ audioStartMs: 1_000 - PRE_ROLL_MS, audioEndMs: 2_000 + TAIL_MS, final: true });
    // The samples are the frames of that span, in order: the first is the pre-roll's first frame.
    expect(cut!.pcm.length).toBe(((2_000 + TAIL_MS - (1_000 - PRE_ROLL_MS)) * 8));
    expect(cut!.pcm[0]).toBe((1_000 - PRE_ROLL_MS) / 20);
    expect(cut!.pcm.at(-1)).toBe(Math.floor((2_000 + TAIL_MS - 1) / 20));
  });

  it('never sends a click or a cough shorter than the onset confirmation', () => {
    const events = run((atMs) => atMs >= 1_000 && atMs < 1_000 + UTTERANCE_MIN_SPEECH_MS - 20, 2_000);
    expect(events).toEqual([]);
  });

  it('keeps a pause shorter than the endpointing inside the utterance', () => {
    const events = run((atMs) => (atMs >= 1_000 && atMs < 1_500) || (atMs >= 1_700 && atMs < 2_200), 3_000);
    expect(utterances(events)).toHaveLength(1);
  });

  it('cuts a caller who talks longer than the bound, not final, and goes on without a gap', () => {
    const events = run((atMs) => atMs >= 500 && atMs < 500 + MAX_UTTERANCE_MS + 3_000, MAX_UTTERANCE_MS + 5_000);
    const cuts = utterances(events);
    expect(cuts.map((c) => c.final)).toEqual([false, true]);
    expect(cuts[0]!.audioEndMs - cuts[0]!.audioStartMs).toBe(MAX_UTTERANCE_MS);
    expect(cuts[1]!.audioStartMs).toBe(cuts[0]!.audioEndMs);
    expect(cuts[1]!.pcm[0]).toBe(cuts[0]!.audioEndMs / 20);
    expect(events.filter((e) => e.type === 'speech_started')).toHaveLength(1);
  });
});
