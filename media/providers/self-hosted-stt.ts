// Speech to text on a server of the operator's own that transcribes whole
// files through OpenAI's `/v1/audio/transcriptions` (faster-whisper servers
// such as speaches, whisper.cpp's server, vLLM), through the openai SDK with
// the server's base URL. The server has no live stream, so the gateway cuts
// the caller's audio itself (utterance-cutter.ts, with the business's voice
// detector) and posts each utterance as an 8 kHz mono WAV.
//
// Events have the Deepgram stream's shape, so the conversation does not know
// the difference: `speech_started` when the detector confirms an onset, then
// one `final` per utterance (speechFinal when the caller stopped, not when the
// utterance was cut at MAX_UTTERANCE_MS) followed by `utterance_end`. Audio
// times are ms of audio since the stream's first frame. Requests run one at a
// time, in order, so finals never overtake each other.
//
// Failures: a request that fails is tried again TRANSCRIPTION_RETRIES times
// (TRANSCRIPTION_RETRY_BACKOFF_MS apart) when the failure is retryable; then the
// stream fails with a ProviderError that is not retryable (there is no
// connection to open again: the same server would be asked again), and the call
// takes the provider-failure path. Closing the stream (hang-up) or aborting its
// signal aborts the request in flight.
import type OpenAI from 'openai';
import { toFile } from 'openai';
import { SAMPLES_PER_FRAME_8K } from '../audio/frame.js';
import { decodeUlaw } from '../codec/g711.js';
import { wavHeader } from '../recording/wav.js';
import { energyDetectors } from '../vad/call-voice-detectors.js';
import type { CallVoiceDetectors } from '../vad/voice-detector.js';
import { linkAbort, type LinkedAbort } from './abort-link.js';
import { AsyncQueue } from './async-queue.js';
import { createOpenAiClient, openAiError, probeOpenAi, type OpenAiConnectionOptions } from './openai-connection.js';
import { ProviderError } from './provider-error.js';
import { PROBE_TIMEOUT_MS, sleep } from './provider-timing.js';
import type { SttEvent, SttProvider, SttStream, SttStreamOptions } from './types.js';
import { UtteranceCutter } from './utterance-cutter.js';

/** A transcription (the whole request: upload, inference, answer) must be back within this. */
export const TRANSCRIPTION_TIMEOUT_MS = 10_000;
/** Requests tried again after a retryable failure, before the stream fails. */
export const TRANSCRIPTION_RETRIES = 2;
export const TRANSCRIPTION_RETRY_BACKOFF_MS = 250;
/** Events kept for a consumer that fell behind; beyond it the stream fails. */
const EVENT_CAPACITY = 10_000;

export interface SelfHostedSttOptions extends OpenAiConnectionOptions {
  /** The server's model name (e.g. Systran/faster-whisper-small, whisper-1). */
  model: string;
  /** ISO-639-1 language for every request; default: the primary subtag of the stream's language. */
  language?: string | undefined;
  timeoutMs?: number | undefined;
  retries?: number | undefined;
  retryBackoffMs?: number | undefined;
  /** The voice detectors of each stream opened (one set per stream, closed with it); default: energy. */
  detectors?: (() => CallVoiceDetectors) | undefined;
  now?: (() => number) | undefined;
}

/** BCP-47 ('en-US') to the ISO-639-1 code the endpoint takes ('en'). */
export function transcriptionLanguage(tag: string): string {
  return tag.split(/[-_]/)[0]!.toLowerCase();
}

export class SelfHostedSttProvider implements SttProvider {
  readonly #client: OpenAI;
  readonly #options: SelfHostedSttOptions;

  constructor(options: SelfHostedSttOptions) {
    this.#options = { vendor: 'self-hosted', ...options };
    this.#client = createOpenAiClient(this.#options, options.timeoutMs ?? TRANSCRIPTION_TIMEOUT_MS);
  }

  /** The same server with a call's own detector and language (per business). */
  withCall(call: { detectors?: (() => CallVoiceDetectors) | undefined; language?: string | undefined }): SttProvider {
    return {
      open: (options) => this.#open(options, { ...this.#options, ...definedOnly(call) }),
      probe: (signal) => this.probe(signal),
    };
  }

  open(options: SttStreamOptions): Promise<SttStream> {
    return this.#open(options, this.#options);
  }

  probe(signal: AbortSignal): Promise<void> {
    return probeOpenAi(this.#client, 'stt', this.#options.apiKey, PROBE_TIMEOUT_MS, signal, this.#options.vendor);
  }

  #open(options: SttStreamOptions, settings: SelfHostedSttOptions): Promise<SttStream> {
    if (options.encoding !== 'mulaw' || options.sampleRate !== 8000) return Promise.reject(new RangeError('the self-hosted STT stream takes 8 kHz mu-law audio'));
    if (options.signal.aborted) return Promise.reject(options.signal.reason);
    return Promise.resolve(new SelfHostedSttStream(this.#client, settings, options));
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

class SelfHostedSttStream implements SttStream {
  readonly #client: OpenAI;
  readonly #settings: SelfHostedSttOptions;
  readonly #language: string;
  readonly #now: () => number;
  readonly #life: LinkedAbort;
  readonly #detectors: CallVoiceDetectors;
  readonly #cutter: UtteranceCutter;
  readonly #pcm = new Int16Array(SAMPLES_PER_FRAME_8K);
  readonly #events: AsyncQueue<SttEvent>;
  /** The requests, one after the other. */
  #chain: Promise<void> = Promise.resolve();
  #closing: Promise<void> | null = null;
  #dropped = 0;
  #failed = false;

  constructor(client: OpenAI, settings: SelfHostedSttOptions, options: SttStreamOptions) {
    this.#client = client;
    this.#settings = settings;
    this.#language = settings.language ?? transcriptionLanguage(options.language);
    this.#now = settings.now ?? (() => performance.now());
    this.#life = linkAbort(options.signal);
    this.#detectors = settings.detectors?.() ?? energyDetectors();
    this.#cutter = new UtteranceCutter({ detector: this.#detectors.create(), endpointingMs: options.endpointingMs, samplesPerFrame: SAMPLES_PER_FRAME_8K });
    this.#events = new AsyncQueue<SttEvent>({
      capacity: EVENT_CAPACITY,
      overflowError: () => this.#error('protocol', false, 'event consumer fell behind'),
    });
    this.#life.signal.addEventListener(
      'abort',
      () => {
        this.#events.discard();
        this.#detectors.close();
      },
      { once: true },
    );
  }

  get events(): AsyncIterable<SttEvent> {
    return this.#events;
  }

  get droppedFrames(): number {
    return this.#dropped;
  }

  send(audio: Uint8Array): void {
    if (this.#closing !== null || this.#failed || this.#life.signal.aborted || audio.length !== SAMPLES_PER_FRAME_8K) {
      this.#dropped += 1;
      return;
    }
    decodeUlaw(audio, this.#pcm);
    for (const event of this.#cutter.push(this.#pcm)) {
      if (event.type === 'speech_started') this.#events.push({ type: 'speech_started', atMs: this.#now(), audioMs: event.audioMs });
      else {
        const { pcm, audioStartMs, audioEndMs, final } = event;
        this.#chain = this.#chain.then(() => this.#transcribe(pcm, audioStartMs, audioEndMs, final));
      }
    }
  }

  /** Nothing to keep alive: requests are made per utterance. */
  keepAlive(): void {}

  close(): Promise<void> {
    this.#closing ??= (async () => {
      // Hang-up: what is still being transcribed has nobody to answer.
      this.#life.controller.abort();
      await this.#chain;
      this.#events.end();
      this.#life.dispose();
    })();
    return this.#closing;
  }

  async #transcribe(pcm: Int16Array, audioStartMs: number, audioEndMs: number, final: boolean): Promise<void> {
    const signal = this.#life.signal;
    if (signal.aborted || this.#failed || pcm.length === 0) return;
    const retries = this.#settings.retries ?? TRANSCRIPTION_RETRIES;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const text = await this.#request(pcm, signal);
        if (signal.aborted) return;
        const atMs = this.#now();
        if (text.length > 0) this.#events.push({ type: 'final', text, speechFinal: final, atMs, audioStartMs, audioEndMs });
        if (final) this.#events.push({ type: 'utterance_end', atMs, audioEndMs });
        return;
      } catch (error: unknown) {
        if (signal.aborted) return;
        const failure = openAiError('stt', error, this.#settings.apiKey, 'transcription', 'self-hosted');
        if (!failure.retryable || attempt >= retries) {
          this.#failed = true;
          // Not retryable for the stream: a new one would ask the same server again.
          this.#events.fail(new ProviderError({ provider: 'stt', vendor: 'self-hosted', code: failure.code, retryable: false, status: failure.status }, failure.message.replace(/^self-hosted stt: /, '')));
          return;
        }
      }
      if (!(await sleep(this.#settings.retryBackoffMs ?? TRANSCRIPTION_RETRY_BACKOFF_MS, signal))) return;
    }
  }

  async #request(pcm: Int16Array, signal: AbortSignal): Promise<string> {
    const data = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    const wav = Buffer.concat([wavHeader({ sampleRate: 8000, channels: 1, bitsPerSample: 16, dataBytes: data.length }), data]);
    const file = await toFile(wav, 'utterance.wav', { type: 'audio/wav' });
    const result = await this.#client.audio.transcriptions.create(
      { file, model: this.#settings.model, response_format: 'json', language: this.#language },
      { signal, timeout: this.#settings.timeoutMs ?? TRANSCRIPTION_TIMEOUT_MS, maxRetries: 0 },
    );
    return result.text.trim();
  }

  #error(code: ProviderError['code'], retryable: boolean, detail: string): ProviderError {
    return new ProviderError({ provider: 'stt', vendor: 'self-hosted', code, retryable }, detail);
  }
}
