// Option checks of the RTP processors: a bad option is a programming error,
// caught once at construction, never on the per-packet path.

/** Throws a RangeError naming `name` unless `value` is an integer in [min, max]. */
export function requireInteger(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}
