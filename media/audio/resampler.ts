// Streaming rational sample-rate conversion between the gateway's rates
// (8, 16 and 24 kHz) by a polyphase FIR interpolator/decimator (R. E.
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
// Coefficients are computed once per ratio and shared by every instance.
import { kaiserBeta, kaiserLowPass, kaiserOrder } from './fir-design.js';
import type { SampleRate } from './frame.js';

const STOPBAND_ATTENUATION_DB = 65;
const CUTOFF_FRACTION_OF_LOWER_RATE = 0.45;
const TRANSITION_FRACTION_OF_LOWER_RATE = 0.1;
/** The dot product runs four independent sums: floating-point adds cannot be reordered otherwise. */
const UNROLL = 4;

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

function designPolyphase(fromRate: SampleRate, toRate: SampleRate): PolyphaseDesign {
  const divisor = gcd(fromRate, toRate);
  const upFactor = toRate / divisor;
  const downFactor = fromRate / divisor;
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

function sharedDesign(fromRate: SampleRate, toRate: SampleRate): PolyphaseDesign {
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
  readonly fromRate: SampleRate;
  readonly toRate: SampleRate;
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

  constructor(fromRate: SampleRate, toRate: SampleRate) {
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
