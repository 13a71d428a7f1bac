// A session's recording from start to finish: opened in the background when
// media starts (a call never waits for, or is refused because of, its
// recording), fed one stereo frame per tick, and closed to a path relative to
// the recordings folder (null, and no file, when nothing was recorded).
import { unlink } from 'node:fs/promises';
import { relative } from 'node:path';
import type { Logger } from 'pino';
import type { SampleRate } from '../audio/frame.js';
import { CallRecorder } from './call-recorder.js';

/**
 * One second per write: each flush costs two positioned writes (data, then
 * the header), the largest per-call cost of the gateway when done every
 * 500 ms. A crash loses at most this much of the recording.
 */
const FLUSH_EVERY_FRAMES = 50;

export interface SessionRecordingOptions {
  root: string;
  businessId: string;
  callId: string;
  startedAt: Date;
  /** The session's rate: the recording keeps it (16 kHz for slin16). Default 8000. */
  sampleRate?: SampleRate;
  logger: Logger;
}

export class SessionRecording {
  readonly #options: SessionRecordingOptions;
  #recorder: CallRecorder | null = null;
  #opening: Promise<void>;
  #closing: Promise<string | null> | null = null;

  constructor(options: SessionRecordingOptions) {
    this.#options = options;
    this.#opening = this.#open();
  }

  /** One tick's audio of both sides; ignored until the file is open and after close. */
  writeFrame(caller: Int16Array | null, agent: Int16Array | null): void {
    this.#recorder?.writeFrame(caller, agent);
  }

  close(): Promise<string | null> {
    this.#closing ??= (async () => {
      await this.#opening;
      const recorder = this.#recorder;
      this.#recorder = null;
      return recorder ? this.#finish(recorder) : null;
    })();
    return this.#closing;
  }

  async #open(): Promise<void> {
    const { root, businessId, callId, startedAt, logger, sampleRate = 8000 } = this.#options;
    try {
      const recorder = await CallRecorder.open({
        root,
        businessId,
        callId,
        startedAt,
        sampleRate,
        logger,
        flushEveryFrames: FLUSH_EVERY_FRAMES,
        staggerFirstFlush: true,
      });
      if (this.#closing) await this.#finish(recorder);
      else this.#recorder = recorder;
    } catch (error) {
      logger.error({ err: error }, 'recording could not be started; the call goes on unrecorded');
    }
  }

  async #finish(recorder: CallRecorder): Promise<string | null> {
    const report = await recorder.close();
    if (report.durationMs === 0) {
      await unlink(report.path).catch(() => {});
      return null;
    }
    return relative(this.#options.root, report.path);
  }
}
