// A call's voice detectors, by the business's VAD mode. Energy: each use gets
// its own energy classifier. Silero: each use gets its own energy gate, and
// all of them share one Silero stream per call (one model state, each frame
// evaluated once however many uses look at it) on the process's one model
// session. Uses that see frames on another clock (the speech-to-text cutter
// hears packets on arrival, the others hear the media clock's ticks) take a
// call set of their own.
import { SAMPLES_PER_FRAME_8K } from '../audio/frame.js';
import type { VadMode } from '../contract/engines.js';
import { SpeechFrameClassifier } from '../conversation/vad.js';
import type { SileroModel } from './silero-model.js';
import { SileroStream } from './silero-stream.js';
import { SileroVoiceDetector } from './silero-vad.js';
import type { CallVoiceDetectors } from './voice-detector.js';

/** Energy detectors: nothing to share or release. */
export function energyDetectors(): CallVoiceDetectors {
  return { mode: 'energy', create: (options) => new SpeechFrameClassifier(options), settled: () => Promise.resolve(), stats: () => null, close: () => undefined };
}

/**
 * Silero detectors on `model`, a promise of the shared session: frames that
 * arrive before it settles are judged by the energy gate alone, and so are all
 * of them if it fails to load (`onUnavailable` is told once).
 */
export function sileroDetectors(model: Promise<SileroModel>, onUnavailable: (error: unknown) => void): CallVoiceDetectors {
  let stream: SileroStream | null = null;
  let closed = false;
  model.then(
    (loaded) => {
      if (!closed) stream = new SileroStream(loaded, SAMPLES_PER_FRAME_8K);
    },
    (error: unknown) => {
      if (!closed) onUnavailable(error);
    },
  );
  return {
    mode: 'silero',
    create: (options) => new SileroVoiceDetector(() => stream, options),
    settled: () => stream?.settled() ?? Promise.resolve(),
    stats: () => stream?.stats ?? null,
    close: () => {
      closed = true;
      stream?.close();
      stream = null;
    },
  };
}

export type VoiceDetectorsFor = (mode: VadMode) => CallVoiceDetectors;
