// The agent's recent audio levels, for the barge-in detector's echo gate
// (barge-in.ts): the energy of the frame sent on each of the last ticks, in a
// small ring (one slot per tick: O(frame) per tick, nothing allocated), and
// when the agent's current stretch of audio began.
import { FRAME_MS, FULL_SCALE } from '../audio/frame.js';

const SILENT_DBFS = -Infinity;

/** Mean-square energy of a frame in dBFS; -Infinity for digital silence. */
export function meanSquareDbfs(frame: Int16Array): number {
  const n = frame.length;
  if (n === 0) return SILENT_DBFS;
  let sumOfSquares = 0;
  for (let i = 0; i < n; i++) {
    const s = frame[i]!;
    sumOfSquares += s * s;
  }
  if (sumOfSquares === 0) return SILENT_DBFS;
  return 10 * Math.log10(sumOfSquares / n / (FULL_SCALE * FULL_SCALE));
}

export class AgentLevels {
  /** Energy (dBFS) of the agent frame sent on each of the last ticks; -Infinity when silent. */
  readonly #levels: Float64Array;
  #index = 0;
  /** Ticks since the agent last sent audio (saturates at the ring's length). */
  #ticksSinceAudio: number;
  /** When the agent's current stretch of audio began: only speech after it interrupts it. */
  #audibleSinceMs = Number.POSITIVE_INFINITY;

  /** Keeps the current tick plus every tick whose audio may still come back within `echoTailMs`. */
  constructor(echoTailMs: number) {
    this.#levels = new Float64Array(Math.ceil(echoTailMs / FRAME_MS) + 1).fill(SILENT_DBFS);
    this.#ticksSinceAudio = this.#levels.length;
  }

  /** The agent sent audio within the echo tail (its echo may still come back). */
  get audible(): boolean {
    return this.#ticksSinceAudio < this.#levels.length;
  }

  get audibleSinceMs(): number {
    return this.#audibleSinceMs;
  }

  /** What the agent sent on the tick at `atMs` (null: nothing). */
  tick(agentFrame: Int16Array | null, atMs: number): void {
    const level = agentFrame === null ? SILENT_DBFS : meanSquareDbfs(agentFrame);
    const ring = this.#levels;
    ring[this.#index] = level;
    this.#index = (this.#index + 1) % ring.length;
    if (level !== SILENT_DBFS) {
      if (this.#ticksSinceAudio >= ring.length) this.#audibleSinceMs = atMs;
      this.#ticksSinceAudio = 0;
    } else if (this.#ticksSinceAudio < ring.length) this.#ticksSinceAudio++;
  }

  /** The loudest agent frame of the echo tail, in dBFS (-Infinity when it was silent). */
  loudestDbfs(): number {
    const ring = this.#levels;
    let loudest = SILENT_DBFS;
    for (let i = 0; i < ring.length; i++) if (ring[i]! > loudest) loudest = ring[i]!;
    return loudest;
  }

  reset(): void {
    this.#levels.fill(SILENT_DBFS);
    this.#index = 0;
    this.#ticksSinceAudio = this.#levels.length;
    this.#audibleSinceMs = Number.POSITIVE_INFINITY;
  }
}
