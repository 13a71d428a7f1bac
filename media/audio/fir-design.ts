// Linear-phase low-pass FIR design by the window method with a Kaiser window
// (J. F. Kaiser, "Nonrecursive digital filter design using the I0-sinh window
// function", 1974; formulas as in Oppenheim & Schafer, Discrete-Time Signal
// Processing, 3rd ed., section 7.6). Pure math, run once per resampling ratio.

/** Modified Bessel function of the first kind, order 0 (power series, converges fast for x < 50). */
export function besselI0(x: number): number {
  const halfX = x / 2;
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 100; k++) {
    const factor = halfX / k;
    term *= factor * factor;
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Kaiser's beta for a stopband attenuation in dB (O&S eq. 7.62). */
export function kaiserBeta(attenuationDb: number): number {
  if (attenuationDb > 50) return 0.1102 * (attenuationDb - 8.7);
  if (attenuationDb >= 21) {
    return 0.5842 * Math.pow(attenuationDb - 21, 0.4) + 0.07886 * (attenuationDb - 21);
  }
  return 0;
}

/**
 * Filter order (taps - 1) that reaches `attenuationDb` with a transition band of
 * `transitionHz` at `sampleRateHz` (O&S eq. 7.63).
 */
export function kaiserOrder(attenuationDb: number, transitionHz: number, sampleRateHz: number): number {
  const transitionRadians = (2 * Math.PI * transitionHz) / sampleRateHz;
  return Math.ceil((attenuationDb - 8) / (2.285 * transitionRadians));
}

export interface LowPassSpec {
  /** -6 dB point of the filter, in Hz. */
  readonly cutoffHz: number;
  readonly sampleRateHz: number;
  /** Number of taps; odd, so the filter is symmetric about an integer centre. */
  readonly taps: number;
  readonly beta: number;
}

/**
 * Kaiser-windowed ideal low-pass (sinc) with unity gain at DC before any
 * normalisation the caller applies. Symmetric: delay (taps - 1) / 2 samples.
 */
export function kaiserLowPass(spec: LowPassSpec): Float64Array {
  const { cutoffHz, sampleRateHz, taps, beta } = spec;
  if (!Number.isInteger(taps) || taps < 1 || taps % 2 === 0) {
    throw new RangeError(`taps must be a positive odd integer, got ${taps}`);
  }
  const centre = (taps - 1) / 2;
  const normalisedCutoff = (2 * cutoffHz) / sampleRateHz;
  const windowScale = 1 / besselI0(beta);
  const h = new Float64Array(taps);
  for (let n = 0; n < taps; n++) {
    const offset = n - centre;
    const sinc = offset === 0 ? 1 : Math.sin(Math.PI * normalisedCutoff * offset) / (Math.PI * normalisedCutoff * offset);
    const ratio = centre === 0 ? 0 : offset / centre;
    const window = besselI0(beta * Math.sqrt(Math.max(0, 1 - ratio * ratio))) * windowScale;
    h[n] = normalisedCutoff * sinc * window;
  }
  return h;
}
