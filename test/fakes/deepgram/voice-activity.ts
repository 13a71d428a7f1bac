// Energy-based voice activity on audio time: PCM samples in, one verdict per 10 ms frame out.
// Pure and synchronous; the caller passes the samples in arrival order and the detector keeps
// the partial frame between calls, so the verdicts depend only on the audio, not on how fast
// or in what chunk sizes it was sent.

import { rms } from './audio-codec.js';

export const VAD_FRAME_MS = 10;

export interface VadFrame {
  /** Audio time of the frame's first sample, seconds from the start of the stream. */
  startSec: number;
  endSec: number;
  rms: number;
  voiced: boolean;
}

export class EnergyVoiceDetector {
  private readonly frameSamples: number;
  private readonly partial: Int16Array;
  private partialLength = 0;
  private framesDone = 0;

  constructor(
    private readonly sampleRate: number,
    private readonly thresholdRms: number,
  ) {
    this.frameSamples = Math.max(1, Math.round((sampleRate * VAD_FRAME_MS) / 1000));
    this.partial = new Int16Array(this.frameSamples);
  }

  /** Seconds of audio received so far, including a partial frame. */
  get receivedSec(): number {
    return (this.framesDone * this.frameSamples + this.partialLength) / this.sampleRate;
  }

  push(samples: Int16Array): VadFrame[] {
    const frames: VadFrame[] = [];
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(this.frameSamples - this.partialLength, samples.length - offset);
      this.partial.set(samples.subarray(offset, offset + take), this.partialLength);
      this.partialLength += take;
      offset += take;
      if (this.partialLength === this.frameSamples) {
        const level = rms(this.partial);
        const startSec = (this.framesDone * this.frameSamples) / this.sampleRate;
        this.framesDone += 1;
        this.partialLength = 0;
        frames.push({
          startSec,
          endSec: (this.framesDone * this.frameSamples) / this.sampleRate,
          rms: level,
          voiced: level >= this.thresholdRms,
        });
      }
    }
    return frames;
  }
}
