// Turns one utterance of PCM16 little-endian audio at `sourceRate`, arriving
// in chunks of any byte size (a sample may be split across chunks), into 20 ms
// frames of 160 samples at 8 kHz. Pure.
//
// The resampler delays its output by `delaySamples`; the framer compensates:
// it drops that many leading outputs and, at finish(), feeds zeros to push out
// the utterance's last samples. An utterance of N source samples therefore
// gives exactly floor(N * 8000 / sourceRate) samples, time-aligned with the
// source, the last frame padded with zeros. One framer per utterance (or
// reset() between them): utterances are synthesized independently, so no
// filter history should leak from one into the next.

import { samplesPerFrame, type SampleRate } from '../audio/frame.js';
import { Resampler } from '../audio/resampler.js';

export const PCM_FRAME_SAMPLES = samplesPerFrame(8000);
const OUTPUT_RATE: SampleRate = 8000;

export class PcmFramer {
  private readonly resampler: Resampler | null;
  private carry: number | null = null;
  private sourceSamples = 0;
  private outputSamples = 0;
  private warmupLeft: number;
  private partial = new Int16Array(PCM_FRAME_SAMPLES);
  private filled = 0;

  constructor(readonly sourceRate: SampleRate) {
    this.resampler = sourceRate === OUTPUT_RATE ? null : new Resampler(sourceRate, OUTPUT_RATE);
    this.warmupLeft = this.resampler?.delaySamples ?? 0;
  }

  /** Whole 8 kHz frames completed by `bytes` (each a new 160-sample array). */
  push(bytes: Uint8Array): Int16Array[] {
    const samples = this.decode(bytes);
    this.sourceSamples += samples.length;
    const frames: Int16Array[] = [];
    this.emit(this.resampler === null ? samples : this.resampler.process(samples), frames);
    return frames;
  }

  /** The utterance's remaining frames, the last padded with zeros; the framer starts afresh. */
  finish(): Int16Array[] {
    const frames: Int16Array[] = [];
    if (this.resampler !== null && this.sourceSamples > 0) {
      // Zeros push the filter's last `delaySamples` outputs out; emit() drops any warm-up still pending.
      const wanted = Math.floor((this.sourceSamples * OUTPUT_RATE) / this.sourceRate);
      let needed = this.warmupLeft + Math.max(0, wanted - this.outputSamples);
      const zeros = new Int16Array(this.resampler.downFactor * (this.resampler.delaySamples + 1));
      while (needed > 0) {
        const tail = this.resampler.process(zeros);
        const keep = Math.min(tail.length, needed);
        this.emit(tail.subarray(0, keep), frames);
        needed -= keep;
      }
    }
    if (this.filled > 0) {
      this.partial.fill(0, this.filled);
      frames.push(this.partial);
    }
    this.reset();
    return frames;
  }

  reset(): void {
    this.resampler?.reset();
    this.carry = null;
    this.sourceSamples = 0;
    this.outputSamples = 0;
    this.warmupLeft = this.resampler?.delaySamples ?? 0;
    this.partial = new Int16Array(PCM_FRAME_SAMPLES);
    this.filled = 0;
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

  private emit(samples: Int16Array, frames: Int16Array[]): void {
    let offset = Math.min(this.warmupLeft, samples.length);
    this.warmupLeft -= offset;
    while (offset < samples.length) {
      const take = Math.min(PCM_FRAME_SAMPLES - this.filled, samples.length - offset);
      this.partial.set(samples.subarray(offset, offset + take), this.filled);
      this.filled += take;
      this.outputSamples += take;
      offset += take;
      if (this.filled === PCM_FRAME_SAMPLES) {
        frames.push(this.partial);
        this.partial = new Int16Array(PCM_FRAME_SAMPLES);
        this.filled = 0;
      }
    }
  }
}
