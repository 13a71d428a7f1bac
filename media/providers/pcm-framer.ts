// Turns one utterance of PCM16 little-endian audio at `sourceRate`, arriving
// in chunks of any byte size (a sample may be split across chunks), into 20 ms
// frames of 160 samples at 8 kHz. Pure.
//
// The resampler is time-aligned (AlignedResampler): an utterance of N source
// samples gives exactly floor(N * 8000 / sourceRate) samples, in step with the
// source, the last frame padded with zeros. One framer per utterance (or
// reset() between them): utterances are synthesized independently, so no
// filter history should leak from one into the next.

import { SAMPLES_PER_FRAME_8K, type SampleRate } from '../audio/frame.js';
import { AlignedResampler } from '../audio/resampler.js';
import { FrameCutter } from './frame-cutter.js';

export const PCM_FRAME_SAMPLES = SAMPLES_PER_FRAME_8K;
const OUTPUT_RATE: SampleRate = 8000;

export class PcmFramer {
  private readonly resampler: AlignedResampler | null;
  private carry: number | null = null;
  private readonly cutter = new FrameCutter<Int16Array>(PCM_FRAME_SAMPLES, (length) => new Int16Array(length));

  constructor(readonly sourceRate: SampleRate) {
    this.resampler = sourceRate === OUTPUT_RATE ? null : new AlignedResampler(sourceRate, OUTPUT_RATE);
  }

  /** Whole 8 kHz frames completed by `bytes` (each a new 160-sample array). */
  push(bytes: Uint8Array): Int16Array[] {
    const samples = this.decode(bytes);
    const frames: Int16Array[] = [];
    this.cutter.push(this.resampler === null ? samples : this.resampler.process(samples), frames);
    return frames;
  }

  /** The utterance's remaining frames, the last padded with zeros; the framer starts afresh. */
  finish(): Int16Array[] {
    const frames: Int16Array[] = [];
    if (this.resampler !== null) this.cutter.push(this.resampler.finish(), frames);
    const last = this.cutter.finish(0);
    if (last !== null) frames.push(last);
    this.reset();
    return frames;
  }

  reset(): void {
    this.resampler?.reset();
    this.carry = null;
    this.cutter.reset();
  }

  /** Little-endian byte pairs to samples; an odd last byte waits for the next chunk. */
  private decode(bytes: Uint8Array): Int16Array {
    const total = bytes.length + (this.carry === null ? 0 : 1);
    const samples = new Int16Array(total >> 1);
    let index = 0;
    let offset = 0;
    if (this.carry !== null && bytes.length > 0) {
      samples[index++] = ((bytes[0]! << 8) | this.carry) << 16 >> 16;
      offset = 1;
      this.carry = null;
    }
    for (; offset + 1 < bytes.length; offset += 2) samples[index++] = ((bytes[offset + 1]! << 8) | bytes[offset]!) << 16 >> 16;
    if (offset < bytes.length) this.carry = bytes[offset]!;
    return samples;
  }
}
