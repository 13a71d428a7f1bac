// RFC 3550 interarrival jitter (section 6.4.1, reference code in appendix A.8).
//
// For packets i-1 and i with RTP timestamps S and arrival times R, both in
// timestamp units:
//   D(i-1, i) = (R_i - R_i-1) - (S_i - S_i-1)
//   J += (|D(i-1, i)| - J) / 16
// The estimate is kept in timestamp units, as the RFC does, and reported in ms.
// The timestamp difference is taken modulo 2^32 (tsDiff), so a wrap of the
// sender's timestamp is an ordinary +samplesPerFrame step, not a 2^32 jump.
// Packets are taken in arrival order, reordered ones included, as in A.8.
import { tsDiff } from './sequence.js';

export class InterarrivalJitter {
  readonly clockRateHz: number;
  readonly #unitsPerMs: number;
  #jitterUnits = 0;
  #hasPrevious = false;
  #previousTimestamp = 0;
  #previousArrivalMs = 0;

  constructor(clockRateHz: number) {
    if (!(clockRateHz > 0) || !Number.isFinite(clockRateHz)) {
      throw new RangeError(`clockRateHz must be a positive number, got ${clockRateHz}`);
    }
    this.clockRateHz = clockRateHz;
    this.#unitsPerMs = clockRateHz / 1000;
  }

  /** Feeds one received packet: its RTP timestamp and when it arrived (ms, any fixed time base). */
  update(rtpTimestamp: number, arrivalMs: number): void {
    if (this.#hasPrevious) {
      const arrivalUnits = (arrivalMs - this.#previousArrivalMs) * this.#unitsPerMs;
      const d = arrivalUnits - tsDiff(rtpTimestamp, this.#previousTimestamp);
      this.#jitterUnits += (Math.abs(d) - this.#jitterUnits) / 16;
    }
    this.#hasPrevious = true;
    this.#previousTimestamp = rtpTimestamp;
    this.#previousArrivalMs = arrivalMs;
  }

  /** The current estimate in RTP timestamp units (the value RTCP reports carry). */
  get jitterUnits(): number {
    return this.#jitterUnits;
  }

  get jitterMs(): number {
    return this.#jitterUnits / this.#unitsPerMs;
  }

  /** Forgets the stream (a new SSRC starts from zero). */
  reset(): void {
    this.#jitterUnits = 0;
    this.#hasPrevious = false;
    this.#previousTimestamp = 0;
    this.#previousArrivalMs = 0;
  }
}
