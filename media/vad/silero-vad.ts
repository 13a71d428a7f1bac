// The Silero voice detector of one use (turn VAD, barge-in, utterance
// cutting): the energy classifier runs on every frame as the cheap gate (and
// keeps the noise floor and the level the echo gate needs); a frame is speech
// when the gate passes it AND the call's Silero stream says the caller speaks.
// The model only ever vetoes: coughs, clicks, noise bursts and music that are
// loud enough for the energy gate do not sound like speech to it.
//
// Until the shared model is loaded (the first Silero call of a process waits
// a few hundred ms for it) the energy gate decides alone.
import { SpeechFrameClassifier } from '../conversation/vad.js';
import type { SileroStream } from './silero-stream.js';
import type { EnergyGateOptions, VoiceDetector } from './voice-detector.js';

export class SileroVoiceDetector implements VoiceDetector {
  readonly #gate: SpeechFrameClassifier;
  readonly #stream: () => SileroStream | null;

  /** `stream`: the call's Silero stream once the model is loaded, else null. */
  constructor(stream: () => SileroStream | null, options: Partial<EnergyGateOptions> = {}) {
    this.#gate = new SpeechFrameClassifier(options);
    this.#stream = stream;
  }

  get energyDbfs(): number {
    return this.#gate.energyDbfs;
  }

  classify(frame: Int16Array, atMs: number): boolean {
    const energySpeech = this.#gate.classify(frame);
    const stream = this.#stream();
    if (stream === null) return energySpeech;
    stream.push(frame, atMs, energySpeech);
    return energySpeech && stream.speaking;
  }
}
