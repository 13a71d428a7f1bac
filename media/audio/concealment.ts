// Packet loss concealment for 20 ms PCM16 frames by attenuated repetition, in
// the spirit of ITU-T G.711 Appendix I (which repeats pitch periods of the last
// good signal, overlap-adds at the joins, attenuates over time and mutes after
// 60 ms). This simpler form repeats the whole last good frame:
//
// - the gain ramps down inside each concealed frame, from 2^-(k-1) at its start
//   to 2^-k at its end for the k-th consecutive lost frame (-6 dB per frame,
//   continuous from one frame to the next), and to 0 at the end of the last
//   concealed frame, so muting is click-free;
// - at the join, the previous frame ended on last[n-1] and the repetition starts
//   on last[0]; their difference is added back at full weight on the first sample
//   and faded out linearly over the first 2.5 ms (1/8 of the frame), so the
//   output crossfades from the old level into the repetition without a click;
// - after CONCEALED_FRAMES_MAX frames (60 ms) the output is silence.
//
// Pure: the caller keeps the last good frame and counts consecutive losses
// (1 for the first lost frame). The first good frame after a loss is the
// caller's to play as is.

/** Consecutive lost frames filled from the last good frame; later ones are silent. */
export const CONCEALED_FRAMES_MAX = 3;

/** Gain factor per concealed frame: -6.02 dB. */
export const CONCEALMENT_GAIN_PER_FRAME = 0.5;

/** The crossfade at the start of a concealed frame lasts 1/8 of the frame (2.5 ms). */
const CROSSFADE_FRACTION = 1 / 8;

/**
 * Writes the concealment for the `consecutiveLost`-th lost frame in a row into
 * `out`. `last` is the last good frame (same length as `out`), or null when no
 * frame has been received yet, which gives silence.
 */
export function conceal(last: Int16Array | null, consecutiveLost: number, out: Int16Array): void {
  if (!Number.isInteger(consecutiveLost) || consecutiveLost < 1) {
    throw new RangeError(`consecutiveLost must be an integer >= 1, got ${consecutiveLost}`);
  }
  if (last === null || consecutiveLost > CONCEALED_FRAMES_MAX) {
    out.fill(0);
    return;
  }
  const n = out.length;
  if (last.length !== n) throw new RangeError(`last frame has ${last.length} samples, output ${n}`);
  if (n === 0) return;

  const startGain = Math.pow(CONCEALMENT_GAIN_PER_FRAME, consecutiveLost - 1);
  const endGain = consecutiveLost === CONCEALED_FRAMES_MAX ? 0 : startGain * CONCEALMENT_GAIN_PER_FRAME;
  const gainStep = (endGain - startGain) / n;

  // The previous frame (the good one, or the previous concealment) ended on
  // last[n - 1] at startGain; the repetition starts on last[0] at startGain.
  const joinStep = startGain * (last[n - 1]! - last[0]!);
  const crossfadeLength = Math.max(1, Math.round(n * CROSSFADE_FRACTION));
  const crossfadeDenominator = crossfadeLength + 1;

  for (let i = 0; i < n; i++) {
    let value = (startGain + gainStep * i) * last[i]!;
    if (i < crossfadeLength) value += (joinStep * (crossfadeLength - i)) / crossfadeDenominator;
    const rounded = Math.round(value);
    out[i] = rounded > 32767 ? 32767 : rounded < -32768 ? -32768 : rounded;
  }
}
