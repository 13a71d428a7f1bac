// Text to speech with OpenAI's speech endpoint: one streamed HTTP request per
// sentence, `response_format: 'pcm'` (24 kHz PCM16 little-endian), resampled
// to 8 kHz and cut into 160-sample frames as the body arrives.
//
// Sentences are requested ahead: while sentence k is being yielded, the
// requests of k+1..k+sentencesAhead may run (their audio waits in memory), so
// the memory held is bounded by the window, not by how far the consumer lags.
// Output is strictly in sentence order. clear() aborts every request of the
// sentences queued so far and drops their audio. Each sentence gets its own
// PcmFramer (resampler state never crosses sentences: they are synthesized
// independently, and requests overlap); it compensates the filter delay, so a
// sentence's frames last exactly as long as its audio.
//
// Deadlines: the first audio bytes within firstAudioTimeoutMs of the request
// (headers included), then at most idleTimeoutMs between body chunks. A
// request that fails before producing audio is retried once when retryable
// (provider-timing.ts). A failure surfaces on `output` when the output reaches
// that sentence; everything before it is yielded first.

import type OpenAI from 'openai';
import { linkAbort, type LinkedAbort } from './abort-link.js';
import { AsyncQueue } from './async-queue.js';
import { createOpenAiClient, openAiError, probeOpenAi, type OpenAiConnectionOptions } from './openai-connection.js';
import { PcmFramer } from './pcm-framer.js';
import { ProviderError, type ProviderVendor } from './provider-error.js';
import { DEFAULT_TTS_TIMEOUTS, raceDeadline, resolveTimeouts, shouldRetryBeforeOutput, sleep, type TtsTimeouts } from './provider-timing.js';
import type { TtsOutput, TtsProvider, TtsSession } from './types.js';

export const DEFAULT_OPENAI_TTS_MODEL = 'gpt-4o-mini-tts';
/** Sentences after the one being yielded whose requests may already run. */
export const DEFAULT_SENTENCES_AHEAD = 2;
/** The speech endpoint's `pcm` format. */
const OPENAI_PCM_RATE = 24_000;
/** Frames buffered per sentence: more than its longest input (4096 characters) can produce. */
const SENTENCE_FRAME_CAPACITY = 30_000;

export interface OpenAiTtsOptions extends OpenAiConnectionOptions {
  model?: string | undefined;
  sentencesAhead?: number | undefined;
  timeouts?: Partial<TtsTimeouts> | undefined;
  /** Clock of the outputs' atMs; default performance.now. */
  now?: (() => number) | undefined;
}

interface SessionConfig {
  client: OpenAI;
  apiKey: string;
  vendor: ProviderVendor;
  model: string;
  voice: string;
  sentencesAhead: number;
  timeouts: Readonly<TtsTimeouts>;
  now: () => number;
}

export class OpenAiTtsProvider implements TtsProvider {
  private readonly config: Omit<SessionConfig, 'voice'>;

  constructor(options: OpenAiTtsOptions) {
    const timeouts = resolveTimeouts(DEFAULT_TTS_TIMEOUTS, options.timeouts);
    const sentencesAhead = options.sentencesAhead ?? DEFAULT_SENTENCES_AHEAD;
    if (!Number.isInteger(sentencesAhead) || sentencesAhead < 0) throw new RangeError('sentencesAhead must be an integer >= 0');
    this.config = {
      client: createOpenAiClient(options, timeouts.firstAudioTimeoutMs),
      apiKey: options.apiKey,
      vendor: options.vendor ?? 'openai',
      model: options.model ?? DEFAULT_OPENAI_TTS_MODEL,
      sentencesAhead,
      timeouts,
      now: options.now ?? (() => performance.now()),
    };
  }

  /** Nothing to connect: requests start with the first speak(). */
  open(options: { voice: string; signal: AbortSignal }): Promise<TtsSession> {
    if (options.signal.aborted) return Promise.reject(options.signal.reason);
    return Promise.resolve(new OpenAiTtsSession({ ...this.config, voice: options.voice }, options.signal));
  }

  probe(signal: AbortSignal): Promise<void> {
    return probeOpenAi(this.config.client, 'tts', this.config.apiKey, this.config.timeouts.probeTimeoutMs, signal, this.config.vendor);
  }
}

interface TimedFrame {
  samples: Int16Array;
  atMs: number;
}

interface SentenceJob {
  index: number;
  text: string;
  frames: AsyncQueue<TimedFrame>;
  started: boolean;
  cancelled: boolean;
  doneAtMs: number;
  abort: LinkedAbort | null;
}

class OpenAiTtsSession implements TtsSession {
  private readonly jobs = new Map<number, SentenceJob>();
  private nextIndex = 0;
  /** The sentence the output is at. */
  private outputIndex = 0;
  private closed = false;
  private wakeOutput: (() => void) | null = null;
  private readonly session: LinkedAbort;
  readonly output: AsyncIterable<TtsOutput>;

  constructor(
    private readonly config: SessionConfig,
    signal: AbortSignal,
  ) {
    this.session = linkAbort(signal);
    this.session.signal.addEventListener('abort', () => void this.close(), { once: true });
    let iterated = false;
    this.output = {
      [Symbol.asyncIterator]: () => {
        if (iterated) throw new Error('this stream has one consumer and it is already iterating');
        iterated = true;
        return this.generate();
      },
    };
  }

  speak(text: string): number {
    const index = this.nextIndex;
    this.nextIndex += 1;
    if (this.closed) return index;
    const frames = new AsyncQueue<TimedFrame>({
      capacity: SENTENCE_FRAME_CAPACITY,
      overflowError: () => this.error('protocol', false, `sentence ${index} is longer than the frame buffer`),
    });
    this.jobs.set(index, { index, text, frames, started: false, cancelled: false, doneAtMs: 0, abort: null });
    this.schedule();
    this.wake();
    return index;
  }

  clear(): void {
    for (const job of this.jobs.values()) this.cancel(job);
    this.jobs.clear();
    this.outputIndex = this.nextIndex;
    this.wake();
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.clear();
      this.session.controller.abort();
      this.session.dispose();
    }
    return Promise.resolve();
  }

  private async *generate(): AsyncGenerator<TtsOutput, void, undefined> {
    try {
      while (!this.closed) {
        const job = this.jobs.get(this.outputIndex);
        if (job === undefined) {
          await new Promise<void>((resolve) => {
            this.wakeOutput = resolve;
          });
          continue;
        }
        for await (const frame of job.frames) {
          if (job.cancelled) break;
          yield { type: 'frame', sentence: job.index, frame: { kind: 'pcm', samples: frame.samples }, atMs: frame.atMs };
        }
        if (this.closed) return;
        if (!job.cancelled) {
          yield { type: 'sentence_done', sentence: job.index, atMs: job.doneAtMs };
          this.jobs.delete(job.index);
          this.outputIndex = Math.max(this.outputIndex, job.index + 1);
          this.schedule();
        }
      }
    } finally {
      // The consumer left, the session closed, or a sentence failed: nothing more will be yielded.
      await this.close();
    }
  }

  /** Starts the requests of the sentences within the window, in order. */
  private schedule(): void {
    const last = this.outputIndex + this.config.sentencesAhead;
    for (let index = this.outputIndex; index <= last && index < this.nextIndex; index += 1) {
      const job = this.jobs.get(index);
      if (job !== undefined && !job.started) {
        job.started = true;
        job.abort = linkAbort(this.session.signal);
        void this.synthesize(job, job.abort.signal);
      }
    }
  }

  private cancel(job: SentenceJob): void {
    job.cancelled = true;
    job.abort?.controller.abort();
    job.frames.discard();
  }

  private wake(): void {
    const wake = this.wakeOutput;
    this.wakeOutput = null;
    wake?.();
  }

  private async synthesize(job: SentenceJob, signal: AbortSignal): Promise<void> {
    const { retriesBeforeOutput, retryBackoffMs } = this.config.timeouts;
    try {
      if (job.text.trim().length === 0) {
        // Nothing to say (the endpoint refuses empty input): done in its place.
        job.doneAtMs = this.config.now();
        job.frames.end();
        return;
      }
      for (let retries = 0; ; retries += 1) {
        const produced = { frames: 0 };
        try {
          await this.request(job, signal, produced);
          if (signal.aborted) return;
          job.doneAtMs = this.config.now();
          job.frames.end();
          return;
        } catch (error: unknown) {
          if (signal.aborted) return;
          const failure = openAiError('tts', error, this.config.apiKey, `speech request for sentence ${job.index}`, this.config.vendor);
          if (produced.frames > 0 || !shouldRetryBeforeOutput(failure, retries, retriesBeforeOutput)) {
            job.frames.fail(failure);
            return;
          }
        }
        if (!(await sleep(retryBackoffMs, signal))) return;
      }
    } finally {
      job.abort?.dispose();
    }
  }

  /** One request; frames go to the job as the body arrives. */
  private async request(job: SentenceJob, parentSignal: AbortSignal, produced: { frames: number }): Promise<void> {
    const { firstAudioTimeoutMs, idleTimeoutMs } = this.config.timeouts;
    const attempt = linkAbort(parentSignal);
    const startedAtMs = performance.now();
    try {
      const { client, model, voice } = this.config;
      const responded = await raceDeadline(
        client.audio.speech.create({ model, voice, input: job.text, response_format: 'pcm' }, { signal: attempt.signal }),
        firstAudioTimeoutMs,
        attempt.signal,
      );
      if (responded.kind === 'aborted') return;
      if (responded.kind === 'timeout') throw this.error('timeout', true, `no response for sentence ${job.index} within ${firstAudioTimeoutMs} ms`);
      const body = responded.value.body;
      const framer = new PcmFramer(OPENAI_PCM_RATE);
      if (body !== null) {
        const reader = body.getReader();
        for (let first = true; ; first = false) {
          const waitMs = first ? Math.max(1, firstAudioTimeoutMs - (performance.now() - startedAtMs)) : idleTimeoutMs;
          const read = await raceDeadline(reader.read(), waitMs, attempt.signal);
          if (read.kind === 'aborted') return;
          if (read.kind === 'timeout') {
            throw this.error('timeout', true, first ? `no audio for sentence ${job.index} within ${firstAudioTimeoutMs} ms` : `sentence ${job.index} stalled: no audio for ${idleTimeoutMs} ms`);
          }
          if (read.value.done) break;
          this.push(job, framer.push(read.value.value as Uint8Array), produced);
        }
      }
      this.push(job, framer.finish(), produced);
    } finally {
      attempt.controller.abort();
      attempt.dispose();
    }
  }

  private push(job: SentenceJob, frames: Int16Array[], produced: { frames: number }): void {
    const atMs = this.config.now();
    for (const samples of frames) {
      job.frames.push({ samples, atMs });
      produced.frames += 1;
    }
  }

  private error(code: ProviderError['code'], retryable: boolean, detail: string): ProviderError {
    return new ProviderError({ provider: 'tts', vendor: this.config.vendor, code, retryable }, detail);
  }
}
