import { describe, expect, it } from 'vitest';
import {
  BARGE_IN_MIN_SPEECH_MS,
  DEFAULT_HANGOVER_MS,
  SpeechSegmenter,
  TURN_ONSET_MIN_SPEECH_MS,
  VoiceActivityDetector,
  type VadEvent,
  type VadOptions,
} from '../../../media/conversation/vad.js';
import {
  SAMPLES_PER_MS,
  callerSpeech,
  frames,
  mixInto,
  speechEndMs,
  speechOnsetMs,
  toPcm16,
  whiteNoise,
} from '../../support/conversation-signals.js';

const SPEECH = callerSpeech();
const LEAD_MS = 1000;

interface Observed {
  event: VadEvent;
  /** Start of the frame on which the event was returned. */
  frameAtMs: number;
}

function runVad(signal: Int16Array, options: Partial<VadOptions> = {}): Observed[] {
  const vad = new VoiceActivityDetector(options);
  const observed: Observed[] = [];
  for (const { frame, atMs } of frames(signal)) {
    const event = vad.process(frame, atMs);
    if (event !== null) observed.push({ event, frameAtMs: atMs });
  }
  return observed;
}

/** `durationMs` of line noise at `noiseDbfs` (or digital silence) with the caller speech at `speechAtMs`. */
function lineWithSpeech(durationMs: number, noiseDbfs: number | null, speechAtMs: number | null): Int16Array {
  const samples = durationMs * SAMPLES_PER_MS;
  const signal = noiseDbfs === null ? new Float64Array(samples) : whiteNoise(samples, noiseDbfs, 7);
  if (speechAtMs !== null) mixInto(signal, SPEECH, speechAtMs * SAMPLES_PER_MS);
  return toPcm16(signal);
}

function starts(observed: Observed[]): Extract<VadEvent, { type: 'speech_start' }>[] {
  return observed.flatMap(({ event }) => (event.type === 'speech_start' ? [event] : []));
}

describe('VoiceActivityDetector on recorded caller speech', () => {
  // Clean fixture: the caller starts talking ~10 ms into the recording.
  const firstOnsetMs = LEAD_MS + speechOnsetMs(SPEECH, 0);

  for (const noiseDbfs of [null, -65, -50]) {
    for (const minSpeechMs of [TURN_ONSET_MIN_SPEECH_MS, BARGE_IN_MIN_SPEECH_MS]) {
      it(`finds the onset within 60 ms (line noise ${noiseDbfs ?? 'none'} dBFS, minSpeechMs ${minSpeechMs})`, () => {
        const observed = runVad(lineWithSpeech(8000, noiseDbfs, LEAD_MS), { minSpeechMs });
        const first = observed[0]?.event;
        expect(first?.type).toBe('speech_start');
        if (first?.type !== 'speech_start') return;
        expect(Math.abs(first.atMs - firstOnsetMs)).toBeLessThanOrEqual(60);
        expect(first.confirmedAtMs - first.atMs).toBeGreaterThanOrEqual(minSpeechMs);
        expect(first.confirmedAtMs - first.atMs).toBeLessThanOrEqual(minSpeechMs + 60);
        expect(observed[0]!.frameAtMs + 20).toBe(first.confirmedAtMs);
      });
    }
  }

  it('reports the end after hangoverMs of quiet and finds the next onset', () => {
    const observed = runVad(lineWithSpeech(8000, -65, LEAD_MS), { minSpeechMs: TURN_ONSET_MIN_SPEECH_MS });
    // The fixture pauses for 200 ms at 0.58 s (shorter than the hangover) and for 400 ms at 3.06 s.
    const trueEndMs = LEAD_MS + speechEndMs(SPEECH, 0, DEFAULT_HANGOVER_MS);
    const secondOnsetMs = LEAD_MS + speechOnsetMs(SPEECH, trueEndMs - LEAD_MS + DEFAULT_HANGOVER_MS);
    expect(trueEndMs).toBeGreaterThan(LEAD_MS + 3000);
    expect(observed.map(({ event }) => event.type).slice(0, 3)).toEqual(['speech_start', 'speech_end', 'speech_start']);
    const end = observed[1]!;
    if (end.event.type !== 'speech_end') throw new Error('expected speech_end');
    expect(Math.abs(end.event.atMs - trueEndMs)).toBeLessThanOrEqual(40);
    // Reported on the frame that completes the hangover.
    expect(end.frameAtMs + 20 - end.event.atMs).toBe(DEFAULT_HANGOVER_MS);
    const second = observed[2]!.event;
    if (second.type !== 'speech_start') throw new Error('expected speech_start');
    expect(Math.abs(second.atMs - secondOnsetMs)).toBeLessThanOrEqual(60);
  });

  it('ends speech at a 200 ms pause when the hangover is shorter than the pause', () => {
    const observed = runVad(lineWithSpeech(3000, -65, LEAD_MS), { minSpeechMs: TURN_ONSET_MIN_SPEECH_MS, hangoverMs: 100 });
    const pauseEndMs = LEAD_MS + speechEndMs(SPEECH, 0, 100);
    expect(pauseEndMs).toBeLessThan(LEAD_MS + 700);
    const end = observed.find(({ event }) => event.type === 'speech_end');
    expect(end?.event.atMs).toBeDefined();
    expect(Math.abs(end!.event.atMs - pauseEndMs)).toBeLessThanOrEqual(40);
  });

  it('tracks speaking and speechStartedAtMs', () => {
    const vad = new VoiceActivityDetector({ minSpeechMs: TURN_ONSET_MIN_SPEECH_MS });
    const signal = lineWithSpeech(6000, -65, LEAD_MS);
    let onsetMs: number | null = null;
    for (const { frame, atMs } of frames(signal)) {
      const event = vad.process(frame, atMs);
      if (event?.type === 'speech_start') onsetMs = event.atMs;
      if (atMs < LEAD_MS) {
        expect(vad.speaking).toBe(false);
        expect(vad.speechStartedAtMs).toBeNull();
      }
      if (atMs === LEAD_MS + 2000) {
        expect(vad.speaking).toBe(true);
        expect(vad.speechStartedAtMs).toBe(onsetMs);
      }
    }
  });
});

describe('VoiceActivityDetector on non-speech', () => {
  it('stays quiet on digital silence and on line noise up to -50 dBFS', () => {
    for (const noiseDbfs of [null, -70, -60, -50]) {
      for (const minSpeechMs of [TURN_ONSET_MIN_SPEECH_MS, BARGE_IN_MIN_SPEECH_MS]) {
        expect(runVad(lineWithSpeech(10_000, noiseDbfs, null), { minSpeechMs }), `noise ${noiseDbfs}`).toEqual([]);
      }
    }
  });

  it('learns the noise floor of the line', () => {
    const vad = new VoiceActivityDetector();
    for (const { frame, atMs } of frames(lineWithSpeech(3000, -55, null))) vad.process(frame, atMs);
    expect(Math.abs(vad.noiseFloorDbfs - -55)).toBeLessThan(2);
  });

  it('ignores a train of single-sample clicks (impulsive frames are not speech)', () => {
    const signal = whiteNoise(3000 * SAMPLES_PER_MS, -65, 3);
    // One click in every frame for 1 s: loud enough, long enough, but impulsive.
    for (let ms = 500; ms < 1500; ms += 20) signal[(ms + 7) * SAMPLES_PER_MS] = 30000;
    expect(runVad(toPcm16(signal), { minSpeechMs: TURN_ONSET_MIN_SPEECH_MS })).toEqual([]);
  });

  it('ignores a click or a cough shorter than minSpeechMs, and only because it is short', () => {
    // A 30 ms burst aligned to a frame boundary covers 2 frames (< 60 ms); a 100 ms burst
    // starting mid-frame covers 6 frames (< 200 ms).
    const click = whiteNoise(30 * SAMPLES_PER_MS, -15, 4);
    const cough = whiteNoise(100 * SAMPLES_PER_MS, -20, 5);
    const withClick = whiteNoise(2000 * SAMPLES_PER_MS, -65, 6);
    mixInto(withClick, click, 1000 * SAMPLES_PER_MS);
    const withCough = whiteNoise(2000 * SAMPLES_PER_MS, -65, 6);
    mixInto(withCough, cough, 1010 * SAMPLES_PER_MS);
    expect(runVad(toPcm16(withClick), { minSpeechMs: TURN_ONSET_MIN_SPEECH_MS })).toEqual([]);
    expect(runVad(toPcm16(withCough), { minSpeechMs: BARGE_IN_MIN_SPEECH_MS })).toEqual([]);
    const coughAsTurn = starts(runVad(toPcm16(withCough), { minSpeechMs: TURN_ONSET_MIN_SPEECH_MS }));
    expect(coughAsTurn).toHaveLength(1);
    expect(coughAsTurn[0]!.atMs).toBe(1000);
  });

  it('stops treating a sustained loud noise as speech within 2.5 s', () => {
    const signal = whiteNoise(8000 * SAMPLES_PER_MS, -65, 8);
    // A fan switches on at 2 s: stationary noise 25 dB louder, above the absolute threshold.
    mixInto(signal, whiteNoise(6000 * SAMPLES_PER_MS, -40, 9), 2000 * SAMPLES_PER_MS);
    const observed = runVad(toPcm16(signal), { minSpeechMs: BARGE_IN_MIN_SPEECH_MS });
    const last = observed.at(-1);
    expect(last?.event.type).toBe('speech_end');
    expect(last!.frameAtMs).toBeLessThan(4500);
    expect(starts(observed)).toHaveLength(1);
  });
});

describe('SpeechSegmenter', () => {
  it('abandons an onset after a gap longer than maxOnsetGapMs and keeps it after a shorter one', () => {
    const run = (pattern: string): VadEvent[] => {
      const segmenter = new SpeechSegmenter({ minSpeechMs: 80, hangoverMs: 100, maxOnsetGapMs: 40 });
      return [...pattern].flatMap((c, k) => segmenter.update(c === 'x', k * 20) ?? []);
    };
    // 2 speech frames, 2 quiet (40 ms, tolerated), 2 speech: confirmed at the 4th speech frame.
    expect(run('xx..xx......')).toEqual([
      { type: 'speech_start', atMs: 0, confirmedAtMs: 120 },
      { type: 'speech_end', atMs: 120 },
    ]);
    // A 60 ms gap starts over: the onset moves to the second burst.
    expect(run('xx...xxxx')).toEqual([{ type: 'speech_start', atMs: 100, confirmedAtMs: 180 }]);
  });

  it('rejects invalid options', () => {
    expect(() => new SpeechSegmenter({ minSpeechMs: -1 })).toThrow(RangeError);
    expect(() => new VoiceActivityDetector({ hangoverMs: Number.NaN })).toThrow(RangeError);
    expect(() => new VoiceActivityDetector({ absoluteThresholdDbfs: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => new VoiceActivityDetector().process(new Int16Array(0), 0)).toThrow(RangeError);
  });
});
