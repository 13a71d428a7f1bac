import { describe, expect, it } from 'vitest';
import { BargeInDetector, DEFAULT_BARGE_IN_OPTIONS, type BargeInEvent } from '../../../media/conversation/barge-in.js';
import {
  FRAME_SAMPLES,
  SAMPLES_PER_MS,
  callerSpeech,
  frames,
  looped,
  mixInto,
  speechOnsetMs,
  toPcm16,
  whiteNoise,
} from '../../support/conversation-signals.js';

const SPEECH = callerSpeech();
const MIN_SPEECH_MS = DEFAULT_BARGE_IN_OPTIONS.minSpeechMs;
/**
 * Decision latency allowed beyond minSpeechMs: the onset falls anywhere inside a 20 ms frame,
 * and a soft onset (the first 20-30 ms of a word) may sit under the detection threshold.
 */
const LATENCY_SLACK_MS = 50;
/** The agent's voice: the recorded speech, looped, 6 dB down (peaks near -19 dBFS, a usual TTS level). */
const AGENT_GAIN_DB = -6;
const ECHO_RETURN_LOSS_DB = 20;
const LINE_NOISE_DBFS = -65;

/** Utterances of the fixture whose onsets are voiced (start ms, length ms). */
const UTTERANCES = [
  { fromMs: 0, lengthMs: 2900 },
  { fromMs: 3440, lengthMs: 2200 },
] as const;

function agentVoice(durationMs: number): Int16Array {
  const samples = durationMs * SAMPLES_PER_MS;
  const voice = new Float64Array(samples);
  mixInto(voice, looped(SPEECH, samples), 0, AGENT_GAIN_DB);
  return toPcm16(voice);
}

interface Scenario {
  durationMs: number;
  /** The agent speaks during [from, to) ms; silent (null frames) otherwise. */
  agentFromMs?: number;
  agentToMs?: number;
  /** Delays (ms) at which the agent's audio comes back attenuated by ECHO_RETURN_LOSS_DB. */
  echoDelaysMs?: readonly number[];
  /** Caller speech: a fixture utterance placed at `atMs`. */
  caller?: { fromMs: number; lengthMs: number; atMs: number };
  /** Extra caller-side sound at `atMs`. */
  extra?: { samples: Float64Array; atMs: number };
  /** What the speech-to-text service reports, arriving at `atMs` (onset: 'true' = the caller's true onset). */
  evidence?: { atMs: number | 'onset+40'; onsetMs: number | 'true'; strong: boolean };
}

interface Outcome {
  events: BargeInEvent[];
  /** The caller's true speech onset (ms), when there is caller speech. */
  onsetMs: number | null;
}

function run(scenario: Scenario, detector = new BargeInDetector()): Outcome {
  const samples = scenario.durationMs * SAMPLES_PER_MS;
  const agentFromMs = scenario.agentFromMs ?? 0;
  const agentToMs = scenario.agentToMs ?? scenario.durationMs;
  const voice = agentVoice(scenario.durationMs);
  const sent = new Float64Array(samples);
  mixInto(sent, voice.subarray(agentFromMs * SAMPLES_PER_MS, agentToMs * SAMPLES_PER_MS), agentFromMs * SAMPLES_PER_MS);
  const agent = toPcm16(sent);

  const callerSide = whiteNoise(samples, LINE_NOISE_DBFS, 11);
  for (const delayMs of scenario.echoDelaysMs ?? []) mixInto(callerSide, agent, delayMs * SAMPLES_PER_MS, -ECHO_RETURN_LOSS_DB);
  let onsetMs: number | null = null;
  if (scenario.caller !== undefined) {
    const { fromMs, lengthMs, atMs } = scenario.caller;
    const clean = new Float64Array(samples);
    mixInto(clean, SPEECH.subarray(fromMs * SAMPLES_PER_MS, (fromMs + lengthMs) * SAMPLES_PER_MS), atMs * SAMPLES_PER_MS);
    onsetMs = speechOnsetMs(clean, atMs);
    mixInto(callerSide, clean, 0);
  }
  if (scenario.extra !== undefined) mixInto(callerSide, scenario.extra.samples, scenario.extra.atMs * SAMPLES_PER_MS);

  const events: BargeInEvent[] = [];
  const evidence = scenario.evidence;
  const evidenceAtMs = evidence === undefined ? Number.POSITIVE_INFINITY : evidence.atMs === 'onset+40' ? onsetMs! + 40 : evidence.atMs;
  let corroborated = false;
  for (const { frame, atMs } of frames(toPcm16(callerSide))) {
    if (evidence !== undefined && !corroborated && atMs >= evidenceAtMs) {
      corroborated = true;
      detector.corroborate(evidence.onsetMs === 'true' ? onsetMs! : evidence.onsetMs, evidence.strong);
    }
    const speaking = atMs >= agentFromMs && atMs < agentToMs;
    const start = atMs * SAMPLES_PER_MS;
    const event = detector.process(frame, speaking ? agent.subarray(start, start + FRAME_SAMPLES) : null, atMs);
    if (event !== null) events.push(event);
  }
  return { events, onsetMs };
}

describe('BargeInDetector', () => {
  for (const utterance of UTTERANCES) {
    for (const atMs of [1500, 2730, 4110]) {
      const name = `utterance at ${utterance.fromMs} ms, placed at ${atMs} ms`;
      it(`interrupts within minSpeechMs + 50 ms when the caller talks over the agent (${name})`, () => {
        const { events, onsetMs } = run({ durationMs: 8000, caller: { ...utterance, atMs } });
        expect(events).toHaveLength(1);
        const [bargeIn] = events;
        expect(bargeIn!.decidedAtMs - onsetMs!).toBeGreaterThanOrEqual(MIN_SPEECH_MS - 20);
        expect(bargeIn!.decidedAtMs - onsetMs!).toBeLessThanOrEqual(MIN_SPEECH_MS + LATENCY_SLACK_MS);
        expect(Math.abs(bargeIn!.onsetMs - onsetMs!)).toBeLessThanOrEqual(LATENCY_SLACK_MS);
      });
    }
  }

  it('ignores a 100 ms noise burst, during agent speech and in a pause', () => {
    for (const atMs of [1010, 2500, 3330]) {
      const burst = whiteNoise(100 * SAMPLES_PER_MS, -20, atMs);
      expect(run({ durationMs: 4000, echoDelaysMs: [60], extra: { samples: burst, atMs } }).events, `burst at ${atMs}`).toEqual([]);
    }
  });

  for (const delayMs of [60, 200]) {
    it(`ignores the agent's own voice coming back ${ECHO_RETURN_LOSS_DB} dB down after ${delayMs} ms`, () => {
      expect(run({ durationMs: 12_000, echoDelaysMs: [delayMs] }).events).toEqual([]);
    });

    it(`interrupts on caller speech over the agent's echo at ${delayMs} ms (double talk)`, () => {
      for (const utterance of UTTERANCES) {
        const { events, onsetMs } = run({ durationMs: 8000, echoDelaysMs: [delayMs], caller: { ...utterance, atMs: 2730 } });
        expect(events).toHaveLength(1);
        expect(events[0]!.decidedAtMs - onsetMs!).toBeLessThanOrEqual(MIN_SPEECH_MS + LATENCY_SLACK_MS);
      }
    });
  }

  it('needs an echo gate: without it the same echo interrupts the agent', () => {
    // The check above can fail: with no assumed return loss the echo is taken for the caller.
    const detector = new BargeInDetector({ echoReturnLossDb: 0, echoMarginDb: -30 });
    expect(run({ durationMs: 6000, echoDelaysMs: [60] }, detector).events.length).toBeGreaterThan(0);
  });

  it('does not report caller speech while the agent is silent', () => {
    const { events } = run({ durationMs: 6000, agentFromMs: 6000, caller: { ...UTTERANCES[0], atMs: 1000 } });
    expect(events).toEqual([]);
  });

  it('reports a caller who is already talking as soon as the agent starts', () => {
    const { events, onsetMs } = run({ durationMs: 5000, agentFromMs: 2000, caller: { ...UTTERANCES[0], atMs: 1000 } });
    expect(events).toHaveLength(1);
    expect(events[0]!.decidedAtMs).toBe(2020);
    expect(Math.abs(events[0]!.onsetMs - onsetMs!)).toBeLessThanOrEqual(40);
  });

  it('reports once per caller segment and again after the caller pauses', () => {
    // The first utterance has a 400 ms pause at 3.06 s: two segments, two barge-ins.
    const { events } = run({ durationMs: 8000, caller: { fromMs: 0, lengthMs: 6000, atMs: 1000 } });
    expect(events).toHaveLength(2);
    expect(events[1]!.onsetMs).toBeGreaterThan(events[0]!.decidedAtMs + 1000);
  });

  it('reset() forgets the segment so a new agent turn can be interrupted by the same speech', () => {
    const detector = new BargeInDetector();
    const caller = toPcm16(Float64Array.from(SPEECH.subarray(0, 2000 * SAMPLES_PER_MS)));
    const agent = agentVoice(2000);
    const decided: number[] = [];
    for (const { frame, atMs } of frames(caller)) {
      if (atMs === 1000) detector.reset();
      const start = atMs * SAMPLES_PER_MS;
      const event = detector.process(frame, agent.subarray(start, start + FRAME_SAMPLES), atMs);
      if (event !== null) decided.push(event.decidedAtMs);
    }
    expect(decided).toHaveLength(2);
    expect(decided[1]).toBeGreaterThanOrEqual(1000 + MIN_SPEECH_MS);
  });

  describe('with speech-to-text evidence', () => {
    const CORROBORATED_MS = DEFAULT_BARGE_IN_OPTIONS.corroboratedMinSpeechMs;

    for (const utterance of UTTERANCES) {
      it(`decides after ${CORROBORATED_MS} ms of speech once the service heard it start (utterance at ${utterance.fromMs} ms)`, () => {
        const { events, onsetMs } = run({
          durationMs: 6000,
          echoDelaysMs: [60],
          caller: { ...utterance, atMs: 2730 },
          evidence: { atMs: 'onset+40', onsetMs: 'true', strong: false },
        });
        expect(events).toHaveLength(1);
        expect(events[0]!.decidedAtMs - onsetMs!).toBeLessThanOrEqual(CORROBORATED_MS + LATENCY_SLACK_MS);
        expect(events[0]!.decidedAtMs - onsetMs!).toBeLessThan(MIN_SPEECH_MS - 20);
      });
    }

    it('does not count evidence about speech from before the agent began', () => {
      const { events, onsetMs } = run({
        durationMs: 6000,
        agentFromMs: 2000,
        caller: { ...UTTERANCES[1], atMs: 3000 },
        evidence: { atMs: 3040, onsetMs: 1500, strong: true },
      });
      expect(events).toHaveLength(1);
      expect(events[0]!.decidedAtMs - onsetMs!).toBeGreaterThanOrEqual(MIN_SPEECH_MS - 20);
    });

    it("never decides on the agent's echo, even when the service reports speech", () => {
      for (const delayMs of [60, 200]) {
        expect(run({ durationMs: 6000, echoDelaysMs: [delayMs], evidence: { atMs: 3000, onsetMs: 2950, strong: false } }).events).toEqual([]);
      }
    });

    it('words the agent did not say interrupt even a caller the echo gate holds back', () => {
      const { events } = run({ durationMs: 4000, echoDelaysMs: [60], evidence: { atMs: 2500, onsetMs: 2200, strong: true } });
      expect(events).toEqual([{ type: 'barge_in', onsetMs: 2200, decidedAtMs: 2520 }]);
    });
  });

  it('rejects invalid options', () => {
    expect(() => new BargeInDetector({ echoReturnLossDb: Number.NaN })).toThrow(RangeError);
    expect(() => new BargeInDetector({ echoTailMs: -20 })).toThrow(RangeError);
    expect(() => new BargeInDetector({ minSpeechMs: -1 })).toThrow(RangeError);
  });
});
