// Streaming rational sample-rate conversion by a polyphase FIR
// interpolator/decimator (R. E.
// Crochiere and L. R. Rabiner, "Multirate Digital Signal Processing", 1983,
// chapter 3: conversion by L/M with one filter at L x input rate, computing only
// the outputs kept after decimation; each output uses one of the L phases).
//
// Filter: Kaiser-windowed sinc at L x fromRate, cutoff 0.45 x the lower rate
// (-6 dB point, 3.6 kHz for 8 kHz), passband to 0.40 x and stopband from
// 0.50 x the lower rate (its Nyquist frequency), designed for 65 dB so the
// stopband is at least 60 dB down. Linear phase: every frequency is delayed by
// `delaySamples` output samples (2.5 ms for ratios that touch 8 kHz, 1.25 ms
// between 16 and 24 kHz).
//
// Streaming: the last (tapsPerPhase - 1) input samples are kept between calls,
// so feeding 20 ms frames yields exactly what one long buffer would. With a
// whole number of 20 ms of input the output is exactly input.length * L / M
// samples (no drift); other lengths give floor/ceil counts that add up.
//
// The gateway converts between its rates (8, 16 and 24 kHz); any pair of
// integer rates whose reduced ratio L/M has L <= MAX_UP_FACTOR works (the demo
// brings espeak-ng's 22.05 kHz to 8 kHz: L/M = 160/441).
//
// Coefficients are computed once per ratio and shared by every instance.
import { kaiserBeta, kaiserLowPass, kaiserOrder } from './fir-design.js';

const STOPBAND_ATTENUATION_DB = 65;
const CUTOFF_FRACTION_OF_LOWER_RATE = 0.45;
const TRANSITION_FRACTION_OF_LOWER_RATE = 0.1;
/** The dot product runs four independent sums: floating-point adds cannot be reordered otherwise. */
const UNROLL = 4;
/** Phases and input steps are kept in bytes (nextPhase, inputAdvance). */
export const MAX_UP_FACTOR = 256;

interface PolyphaseDesign {
  readonly upFactor: number;
  readonly downFactor: number;
  readonly tapsPerPhase: number;
  /** Phase p occupies [p * tapsPerPhase, (p + 1) * tapsPerPhase), taps in reverse time order. */
  readonly coefficients: Float32Array;
  /** Phase of the next output, indexed by the phase of the current one. */
  readonly nextPhase: Uint8Array;
  /** Input samples to advance after an output of the indexed phase. */
  readonly inputAdvance: Uint8Array;
  readonly delaySamples: number;
}

const designs = new Map<string, PolyphaseDesign>();

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function designPolyphase(fromRate: number, toRate: number): PolyphaseDesign {
  const divisor = gcd(fromRate, toRate);
  const upFactor = toRate / divisor;
  const downFactor = fromRate / divisor;
  if (upFactor > MAX_UP_FACTOR || Math.ceil(downFactor / upFactor) > 0xff) {
    throw new RangeError(`cannot convert ${fromRate} Hz to ${toRate} Hz: the ratio ${upFactor}/${downFactor} is too fine`);
  }
  const filterRateHz = fromRate * upFactor;
  const lowerRate = Math.min(fromRate, toRate);

  // Odd length whose centre is a multiple of the decimation factor, so the
  // delay is a whole number of output samples.
  const minimumOrder = kaiserOrder(STOPBAND_ATTENUATION_DB, TRANSITION_FRACTION_OF_LOWER_RATE * lowerRate, filterRateHz);
  const centre = Math.ceil(minimumOrder / 2 / downFactor) * downFactor;
  const taps = 2 * centre + 1;
  const prototype = kaiserLowPass({
    cutoffHz: CUTOFF_FRACTION_OF_LOWER_RATE * lowerRate,
    sampleRateHz: filterRateHz,
    taps,
    beta: kaiserBeta(STOPBAND_ATTENUATION_DB),
  });

  // Rounded up to a multiple of the inner loop's unrolling; the extra taps are zero.
  const tapsPerPhase = Math.ceil(taps / upFactor / UNROLL) * UNROLL;
  const coefficients = new Float32Array(upFactor * tapsPerPhase);
  for (let phase = 0; phase < upFactor; phase++) {
    // Each phase sums to 1: a constant input gives a constant output, with no
    // ripple at the input rate.
    let phaseSum = 0;
    for (let k = phase; k < taps; k += upFactor) phaseSum += prototype[k]!;
    for (let j = 0; j < tapsPerPhase; j++) {
      const k = phase + (tapsPerPhase - 1 - j) * upFactor;
      coefficients[phase * tapsPerPhase + j] = k < taps ? prototype[k]! / phaseSum : 0;
    }
  }

  const nextPhase = new Uint8Array(upFactor);
  const inputAdvance = new Uint8Array(upFactor);
  for (let phase = 0; phase < upFactor; phase++) {
    nextPhase[phase] = (phase + downFactor) % upFactor;
    inputAdvance[phase] = Math.floor((phase + downFactor) / upFactor);
  }

  return { upFactor, downFactor, tapsPerPhase, coefficients, nextPhase, inputAdvance, delaySamples: centre / downFactor };
}

function sharedDesign(fromRate: number, toRate: number): PolyphaseDesign {
  const key = `${fromRate}>${toRate}`;
  let design = designs.get(key);
  if (design === undefined) {
    design = designPolyphase(fromRate, toRate);
    designs.set(key, design);
  }
  return design;
}

/** Input capacity preallocated for history plus one call: 20 ms at 24 kHz. */
const INITIAL_INPUT_CAPACITY = 480;

export class Resampler {
  readonly fromRate: number;
  readonly toRate: number;
  /** L: interpolation factor of the rational ratio toRate / fromRate = L / M. */
  readonly upFactor: number;
  /** M: decimation factor. */
  readonly downFactor: number;
  readonly tapsPerPhase: number;
  /** Group delay in output samples: output n reproduces the input at time (n - delaySamples) / toRate. */
  readonly delaySamples: number;
  /** Filter table shared by every resampler of this ratio; read-only. */
  readonly coefficients: Readonly<Float32Array>;

  readonly #design: PolyphaseDesign;
  /** [history: tapsPerPhase - 1 samples | current input], as float so the dot product reads no conversions. */
  #work: Float32Array;
  /** Index, relative to the next input's first sample, of the newest input the next output reads. */
  #nextInputIndex = 0;
  #nextPhase = 0;

  /** Rates in Hz, positive integers (the gateway's are SampleRate). */
  constructor(fromRate: number, toRate: number) {
    for (const rate of [fromRate, toRate]) {
      if (!Number.isInteger(rate) || rate <= 0) throw new RangeError(`a sample rate must be a positive integer of Hz, got ${rate}`);
    }
    if (fromRate === toRate) throw new RangeError(`no conversion needed from ${fromRate} Hz to ${toRate} Hz`);
    this.fromRate = fromRate;
    this.toRate = toRate;
    this.#design = sharedDesign(fromRate, toRate);
    this.upFactor = this.#design.upFactor;
    this.downFactor = this.#design.downFactor;
    this.tapsPerPhase = this.#design.tapsPerPhase;
    this.delaySamples = this.#design.delaySamples;
    this.coefficients = this.#design.coefficients;
    this.#work = new Float32Array(this.tapsPerPhase - 1 + INITIAL_INPUT_CAPACITY);
  }

  /** Samples that the next call with `inputLength` samples will produce. */
  outputLength(inputLength: number): number {
    const { upFactor, downFactor } = this.#design;
    const start = this.#nextInputIndex * upFactor + this.#nextPhase;
    const span = inputLength * upFactor - start;
    return span > 0 ? Math.ceil(span / downFactor) : 0;
  }

  /** Converts `input`, continuing the stream; returns a new array of outputLength(input.length) samples. */
  process(input: Int16Array): Int16Array {
    const output = new Int16Array(this.outputLength(input.length));
    this.processInto(input, output);
    return output;
  }

  /**
   * Converts `input` into the start of `output` (which must hold at least
   * outputLength(input.length) samples) and returns the number written.
   */
  processInto(input: Int16Array, output: Int16Array): number {
    const expected = this.outputLength(input.length);
    if (output.length < expected) {
      throw new RangeError(`output holds ${output.length} samples, ${expected} needed`);
    }
    const { tapsPerPhase, coefficients, nextPhase, inputAdvance } = this.#design;
    const historyLength = tapsPerPhase - 1;
    const inputLength = input.length;
    const needed = historyLength + inputLength;
    if (this.#work.length < needed) {
      const grown = new Float32Array(needed);
      grown.set(this.#work.subarray(0, historyLength));
      this.#work = grown;
    }
    const work = this.#work;
    work.set(input, historyLength);

    let inputIndex = this.#nextInputIndex;
    let phase = this.#nextPhase;
    let written = 0;
    while (inputIndex < inputLength) {
      // Newest input sample read is work[historyLength + inputIndex], the oldest work[inputIndex].
      const base = phase * tapsPerPhase;
      let acc0 = 0;
      let acc1 = 0;
      let acc2 = 0;
      let acc3 = 0;
      for (let j = 0; j < tapsPerPhase; j += UNROLL) {
        const c = base + j;
        const w = inputIndex + j;
        acc0 += coefficients[c]! * work[w]!;
        acc1 += coefficients[c + 1]! * work[w + 1]!;
        acc2 += coefficients[c + 2]! * work[w + 2]!;
        acc3 += coefficients[c + 3]! * work[w + 3]!;
      }
      const acc = acc0 + acc1 + acc2 + acc3;
      output[written++] = acc >= 32767 ? 32767 : acc <= -32768 ? -32768 : Math.round(acc);
      inputIndex += inputAdvance[phase]!;
      phase = nextPhase[phase]!;
    }

    this.#nextInputIndex = inputIndex - inputLength;
    this.#nextPhase = phase;
    work.copyWithin(0, inputLength, needed);
    return written;
  }

  /** Forgets the stream: the next call starts from silence, as a new instance would. */
  reset(): void {
    this.#work.fill(0);
    this.#nextInputIndex = 0;
    this.#nextPhase = 0;
  }
}

/**
 * A Resampler whose output is time-aligned with its input: the filter's delay is
 * dropped from the start, and finish() pushes the last outputs out with silence,
 * so N input samples give exactly floor(N * toRate / fromRate) outputs. For
 * audio with an end (an utterance, a recording); a call's stream uses a Resampler.
 */
export class AlignedResampler {
  readonly #resampler: Resampler;
  #warmupLeft: number;
  #inputSamples = 0;
  #outputSamples = 0;

  constructor(fromRate: number, toRate: number) {
    this.#resampler = new Resampler(fromRate, toRate);
    this.#warmupLeft = this.#resampler.delaySamples;
  }

  /** The aligned outputs `input` completes (fewer than a Resampler's while the delay is skipped). */
  process(input: Int16Array): Int16Array {
    this.#inputSamples += input.length;
    return this.#aligned(this.#resampler.process(input));
  }

  /** The remaining outputs of the audio; the instance starts afresh. */
  finish(): Int16Array {
    const { fromRate, toRate, downFactor, delaySamples } = this.#resampler;
    const wanted = Math.floor((this.#inputSamples * toRate) / fromRate);
    const tail: Int16Array[] = [];
    let needed = this.#inputSamples === 0 ? 0 : this.#warmupLeft + Math.max(0, wanted - this.#outputSamples);
    const zeros = new Int16Array(downFactor * (delaySamples + 1));
    while (needed > 0) {
      const out = this.#resampler.process(zeros);
      const keep = Math.min(out.length, needed);
      needed -= keep;
      tail.push(this.#aligned(out.subarray(0, keep)));
    }
    this.reset();
    return concatSamples(tail);
  }

  reset(): void {
    this.#resampler.reset();
    this.#warmupLeft = this.#resampler.delaySamples;
    this.#inputSamples = 0;
    this.#outputSamples = 0;
  }

  #aligned(output: Int16Array): Int16Array {
    const skip = Math.min(this.#warmupLeft, output.length);
    this.#warmupLeft -= skip;
    const kept = output.subarray(skip);
    this.#outputSamples += kept.length;
    return kept;
  }
}

function concatSamples(parts: readonly Int16Array[]): Int16Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Int16Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A whole recording converted at once, time-aligned: floor(n * toRate / fromRate) samples. */
export function resampleRecording(input: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate) return input.slice();
  const resampler = new AlignedResampler(fromRate, toRate);
  return concatSamples([resampler.process(input), resampler.finish()]);
}
