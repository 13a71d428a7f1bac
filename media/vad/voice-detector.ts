// What the barge-in detector, the turn VAD and the self-hosted speech-to-text
// ask of a voice activity detector: is this 20 ms frame (160 samples at
// 8 kHz) speech? The energy classifier (conversation/vad.ts) is one; the
// Silero detector (silero-vad.ts) is another, behind the same energy gate.
//
// `energyDbfs` is the level of the last frame classified: the barge-in
// detector's echo gate compares it with the agent's own level, whatever
// decided that the frame is speech.
import type { VadMode } from '../contract/engines.js';

export interface VoiceDetector {
  /**
   * Classifies the frame whose first sample is at `atMs` (media time, ms) and
   * learns from it (noise floor, model state). Each frame once, in order.
   */
  classify(frame: Int16Array, atMs: number): boolean;
  /** Level of the last classified frame (dBFS, DC removed; -100 for silence). */
  readonly energyDbfs: number;
}

/** The energy classifier's tuning a detector is built with (see FrameClassifierOptions in vad.ts). */
export interface EnergyGateOptions {
  readonly thresholdAboveFloorDb: number;
  readonly absoluteThresholdDbfs: number;
  readonly initialNoiseFloorDbfs: number;
}

/** Builds one detector per use (turn VAD, barge-in, utterance cutting) of one call. */
export type VoiceDetectorFactory = (options?: Partial<EnergyGateOptions>) => VoiceDetector;

/** A call's detectors: `create` gives each use its own; close() releases the call's model state. */
export interface CallVoiceDetectors {
  readonly mode: VadMode;
  readonly create: VoiceDetectorFactory;
  /** Resolves once the model has decided on every frame given so far (at once for energy). */
  settled(): Promise<void>;
  /** The model's work so far (null for energy, or while the model loads). */
  stats(): { windows: number; dropped: number; failures: number } | null;
  close(): void;
}
