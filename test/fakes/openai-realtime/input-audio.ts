// The input audio buffer of one Realtime connection: decoding per the session's
// input format, the audio time (ms since the first byte of the session, as
// audio_start_ms / audio_end_ms count it) and the server VAD's turn detection.
// Pure and synchronous; verdicts depend on the audio only, never on how fast
// it was sent.
import { decodeSamples, type RawEncoding } from '../deepgram/audio-codec.js';
import { EnergyVoiceDetector, VAD_FRAME_MS } from '../deepgram/voice-activity.js';

export type InputFormat = 'audio/pcm' | 'audio/pcmu' | 'audio/pcma';

export const FORMAT_ENCODING: Record<InputFormat, { encoding: RawEncoding; rate: number }> = {
  'audio/pcm': { encoding: 'linear16', rate: 24_000 },
  'audio/pcmu': { encoding: 'mulaw', rate: 8_000 },
  'audio/pcma': { encoding: 'alaw', rate: 8_000 },
};

export type VadVerdict = { type: 'speech_started'; audioStartMs: number } | { type: 'speech_stopped'; audioEndMs: number };

export interface VadSettings {
  thresholdRms: number;
  onsetMs: number;
  prefixPaddingMs: number;
  silenceDurationMs: number;
}

export class InputAudio {
  #format: InputFormat = 'audio/pcm';
  #detector = new EnergyVoiceDetector(24_000, 1);
  /** Audio time of everything appended this session, ms. */
  #sessionMs = 0;
  /** Audio in the buffer (since the last commit or clear), ms. */
  #bufferedMs = 0;
  #voicedRunMs = 0;
  #voicedFromMs = 0;
  #silenceRunMs = 0;
  #lastVoicedEndMs = 0;
  #speaking = false;
  #oddByte: number | null = null;

  get bufferedMs(): number {
    return this.#bufferedMs;
  }

  get sessionMs(): number {
    return this.#sessionMs;
  }

  get speaking(): boolean {
    return this.#speaking;
  }

  setFormat(format: InputFormat, thresholdRms: number): void {
    this.#format = format;
    this.#detector = new EnergyVoiceDetector(FORMAT_ENCODING[format].rate, thresholdRms);
    this.#oddByte = null;
  }

  /** Samples of `bytes` in the current format (an odd pcm16 byte is carried over). */
  decode(bytes: Buffer): Int16Array {
    const { encoding } = FORMAT_ENCODING[this.#format];
    if (encoding !== 'linear16') return decodeSamples(encoding, bytes);
    let data = bytes;
    if (this.#oddByte !== null) data = Buffer.concat([Buffer.from([this.#oddByte]), bytes]);
    this.#oddByte = data.length % 2 === 1 ? data[data.length - 1]! : null;
    return decodeSamples(encoding, data.subarray(0, data.length - (data.length % 2)));
  }

  msOf(samples: number): number {
    return (samples * 1000) / FORMAT_ENCODING[this.#format].rate;
  }

  /** Appends samples; with `vad`, returns the server VAD's verdicts. */
  append(samples: Int16Array, vad: VadSettings | null): VadVerdict[] {
    const ms = this.msOf(samples.length);
    this.#bufferedMs += ms;
    const verdicts: VadVerdict[] = [];
    for (const frame of this.#detector.push(samples)) {
      const frameStartMs = this.#sessionMs + 0;
      this.#sessionMs += VAD_FRAME_MS;
      if (vad === null) continue;
      if (frame.voiced) {
        if (this.#voicedRunMs === 0) this.#voicedFromMs = frameStartMs;
        this.#voicedRunMs += VAD_FRAME_MS;
        this.#silenceRunMs = 0;
        this.#lastVoicedEndMs = this.#sessionMs;
        if (!this.#speaking && this.#voicedRunMs >= vad.onsetMs) {
          this.#speaking = true;
          verdicts.push({ type: 'speech_started', audioStartMs: Math.max(0, Math.round(this.#voicedFromMs - vad.prefixPaddingMs)) });
        }
      } else {
        this.#voicedRunMs = 0;
        this.#silenceRunMs += VAD_FRAME_MS;
        if (this.#speaking && this.#silenceRunMs >= vad.silenceDurationMs) {
          this.#speaking = false;
          // The API's audio_end_ms includes the silence it waited for.
          verdicts.push({ type: 'speech_stopped', audioEndMs: Math.round(this.#lastVoicedEndMs + vad.silenceDurationMs) });
        }
      }
    }
    return verdicts;
  }

  /** The buffer became an item (commit) or was dropped (clear). */
  reset(): void {
    this.#bufferedMs = 0;
  }
}
