// The call's audio to and from the Realtime API, and the audio clock the API
// speaks in. Pure (no I/O): frames in, event payloads out.
//
// - ulaw calls: the caller's 20 ms mu-law frames go out as they are
//   (audio/pcmu), and the model's mu-law comes back cut into 20 ms frames: no
//   transcoding, no resampling.
// - slin calls (8 kHz L16): the API takes pcm16 at 24 kHz only, so the
//   caller's frames are resampled 8 -> 24 kHz and the model's audio 24 -> 8 kHz
//   (media/audio/resampler.ts).
// - Input audio is sent every INPUT_BATCH_FRAMES frames (fewer, larger
//   events; at most that much later to the server's VAD).
// - audio_start_ms / audio_end_ms of the server's VAD count ms of audio
//   appended since the session began: the bridge remembers when each frame
//   arrived, so those become times on our clock.
import { Resampler } from '../../audio/resampler.js';
import type { MediaFormat } from '../../contract/sessions.js';
import { PcmFramer } from '../../providers/pcm-framer.js';
import type { TtsFrame } from '../../providers/types.js';
import { UlawFramer } from '../../providers/ulaw-framer.js';

/** Frames per input_audio_buffer.append: 40 ms. */
export const INPUT_BATCH_FRAMES = 2;
/** Arrival times kept for the audio clock: the last 60 s. */
const CLOCK_FRAMES = 3_000;
const FRAME_MS = 20;

export class InputBridge {
  readonly #format: MediaFormat;
  readonly #upsampler: Resampler | null;
  readonly #pending: Buffer[] = [];
  readonly #arrivals = new Float64Array(CLOCK_FRAMES);
  #frames = 0;
  /** The frame the current session's audio clock starts at (a new session after a drop starts at 0 again). */
  #sessionStart = 0;

  constructor(format: MediaFormat) {
    this.#format = format;
    this.#upsampler = format === 'ulaw' ? null : new Resampler(8_000, 24_000);
  }

  /** Audio appended to the current session so far, ms. */
  get sentMs(): number {
    return (this.#frames - this.#sessionStart) * FRAME_MS;
  }

  /** A new session: its audio clock starts with the next frame; what was pending belonged to the old one. */
  restart(): void {
    this.#pending.length = 0;
    this.#sessionStart = this.#frames;
  }

  /** One 20 ms caller frame (mu-law bytes on ulaw calls, else PCM16 at 8 kHz); returns a payload (base64) when a batch is full. */
  push(frame: Uint8Array | Int16Array, atMs: number): string | null {
    this.#arrivals[this.#frames % CLOCK_FRAMES] = atMs;
    this.#frames += 1;
    if (this.#format === 'ulaw') this.#pending.push(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
    else {
      const upsampled = this.#upsampler!.process(frame as Int16Array);
      const bytes = Buffer.allocUnsafe(upsampled.length * 2);
      for (let i = 0; i < upsampled.length; i += 1) bytes.writeInt16LE(upsampled[i]!, i * 2);
      this.#pending.push(bytes);
    }
    return this.#pending.length >= INPUT_BATCH_FRAMES ? this.flush() : null;
  }

  /** What is pending, now (before a commit); null when nothing is. */
  flush(): string | null {
    if (this.#pending.length === 0) return null;
    const payload = Buffer.concat(this.#pending).toString('base64');
    this.#pending.length = 0;
    return payload;
  }

  /** When the audio at `audioMs` (session audio time) arrived; null when it is older than the clock keeps. */
  arrivalOf(audioMs: number): number | null {
    const frame = Math.min(this.#sessionStart + Math.max(0, Math.floor(audioMs / FRAME_MS)), this.#frames - 1);
    if (frame < 0 || this.#frames - frame > CLOCK_FRAMES) return null;
    return this.#arrivals[frame % CLOCK_FRAMES]! + (audioMs - frame * FRAME_MS);
  }
}

/** The model's audio (base64 deltas) as 20 ms frames at 8 kHz. */
export class OutputBridge {
  readonly #ulaw: UlawFramer | null;
  readonly #pcm: PcmFramer | null;

  constructor(format: MediaFormat) {
    this.#ulaw = format === 'ulaw' ? new UlawFramer() : null;
    this.#pcm = format === 'ulaw' ? null : new PcmFramer(24_000);
  }

  /** Audio ms a delta holds (the server's measure, before framing). */
  deltaMs(bytes: number): number {
    return this.#ulaw ? bytes / 8 : bytes / 48;
  }

  push(delta: Buffer): TtsFrame[] {
    if (this.#ulaw) return this.#ulaw.push(delta).map((payload) => ({ kind: 'ulaw', payload }));
    return this.#pcm!.push(delta).map((samples) => ({ kind: 'pcm', samples }));
  }

  /** The end of one response's audio: its last partial frame, padded. */
  finish(): TtsFrame[] {
    if (this.#ulaw) {
      const last = this.#ulaw.finish();
      return last ? [{ kind: 'ulaw', payload: last }] : [];
    }
    return this.#pcm!.finish().map((samples) => ({ kind: 'pcm', samples }));
  }
}
