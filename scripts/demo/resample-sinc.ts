// Sample-rate conversion for any pair of rates, by direct evaluation of a
// Blackman-windowed sinc low-pass at each output instant (J. O. Smith,
// "Digital Audio Resampling", bandlimited interpolation). The gateway's own
// resampler (media/audio/resampler.ts) only knows 8, 16 and 24 kHz, and
// espeak-ng speaks at 22.05 kHz. Offline and short (a few seconds of a
// scripted caller), so clarity wins over speed: no tables, no streaming.

/** Cutoff as a fraction of the lower rate: the band a telephone line keeps. */
const CUTOFF_FRACTION_OF_LOWER_RATE = 0.45;
/** Zero crossings of the sinc kept on each side of the centre. */
const ZERO_CROSSINGS_PER_SIDE = 16;

function blackman(x: number): number {
  // x in [0, 1]
  return 0.42 - 0.5 * Math.cos(2 * Math.PI * x) + 0.08 * Math.cos(4 * Math.PI * x);
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** Converts mono PCM16 from `fromRate` to `toRate` (Hz); output length is floor(n * to / from). */
export function resampleSinc(input: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (!(fromRate > 0 && toRate > 0)) throw new RangeError('sample rates must be positive');
  if (fromRate === toRate) return input.slice();
  const step = fromRate / toRate;
  /** Cutoff in cycles per input sample. */
  const cutoff = (CUTOFF_FRACTION_OF_LOWER_RATE * Math.min(fromRate, toRate)) / fromRate;
  const halfWidth = Math.ceil(ZERO_CROSSINGS_PER_SIDE / (2 * cutoff));
  const output = new Int16Array(Math.floor((input.length * toRate) / fromRate));
  for (let n = 0; n < output.length; n += 1) {
    const t = n * step;
    const centre = Math.floor(t);
    let sum = 0;
    const first = Math.max(0, centre - halfWidth + 1);
    const last = Math.min(input.length - 1, centre + halfWidth);
    for (let k = first; k <= last; k += 1) {
      const distance = t - k;
      if (Math.abs(distance) >= halfWidth) continue;
      const window = blackman((distance / halfWidth + 1) / 2);
      sum += input[k]! * 2 * cutoff * sinc(2 * cutoff * distance) * window;
    }
    output[n] = Math.max(-32768, Math.min(32767, Math.round(sum)));
  }
  return output;
}
