// One stereo WAV per call: left = caller, right = agent, one frame of each per
// 20 ms tick, so both sides stay time-aligned and a missing side is silence.
//
// The tick must never wait on the disk: writeFrame only copies samples into a
// preallocated chunk; every `flushEveryFrames` frames the chunk joins a queue
// that one asynchronous write chain drains in order (never two writes on the
// file at once). A slow disk makes the queue grow up to `maxBufferedMs` of
// audio; beyond that frames are dropped and counted. After a disk error the
// rest of the call is dropped and counted: a recording failure never breaks a
// call, so nothing after open() throws.
import { chmod, mkdir } from 'node:fs/promises';
import { endianness } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import type { Logger } from 'pino';
import { FRAME_MS, samplesPerFrame, type SampleRate } from '../audio/frame.js';
import { recordingPath } from './recording-path.js';
import { WAV_MAX_DATA_BYTES } from './wav.js';
import { WavFileWriter } from './wav-file-writer.js';

export const RECORDING_FOLDER_MODE = 0o750;
export const RECORDING_FILE_MODE = 0o640;
export const DEFAULT_FLUSH_EVERY_FRAMES = 25;
export const DEFAULT_MAX_BUFFERED_MS = 10_000;

const CHANNELS = 2;
const BYTES_PER_SAMPLE = 2;
const CALLER_CHANNEL = 0;
const AGENT_CHANNEL = 1;
/** Samples are stored in host order and must be little-endian in the file. */
const HOST_IS_LITTLE_ENDIAN = endianness() === 'LE';

export interface CallRecorderOptions {
  /** Recordings root (RECORDINGS_DIR). */
  root: string;
  businessId: string;
  callId: string;
  startedAt: Date;
  sampleRate: SampleRate;
  logger: Logger;
  /** Frames per disk write; 25 = every 500 ms. */
  flushEveryFrames?: number;
  /**
   * Flush the first chunk after a random number of frames (1..flushEveryFrames):
   * calls that start together then do not all write in the same tick, which
   * would stall the media clock of every call at once.
   */
  staggerFirstFlush?: boolean;
  /** Audio held in memory while the disk is slow before frames are dropped. */
  maxBufferedMs?: number;
}

export interface RecordingReport {
  path: string;
  /** Duration of the audio in the file. */
  durationMs: number;
  /** Frames passed to writeFrame that are not in the file (buffer full, disk error). */
  droppedFrames: number;
  /** Code of the disk error that stopped the recording (e.g. ENOSPC), null when none. */
  writeErrorCode: string | null;
}

export interface RecorderStats {
  /** Bytes of samples in the file (the header always matches). */
  dataBytes: number;
  /** Frames accepted but not yet on disk. */
  bufferedFrames: number;
  droppedFrames: number;
  writeErrorCode: string | null;
}

interface PcmChunk {
  readonly bytes: Buffer;
  /** Host-order view of `bytes`, interleaved L/R. */
  readonly samples: Int16Array;
  frames: number;
}

type DropReason = 'buffer full' | 'size limit';

export class CallRecorder {
  readonly path: string;
  private readonly writer: WavFileWriter;
  private readonly logger: Logger;
  private readonly samplesPerFrame: number;
  private readonly frameBytes: number;
  private readonly byteRate: number;
  private readonly flushEveryFrames: number;
  /** Frames in the current chunk that trigger its flush (the first one may be staggered). */
  private flushAtFrames: number;
  private readonly maxBufferedFrames: number;
  /** The WAV size fields are 32-bit. */
  private readonly maxFrames: number;
  private current: PcmChunk;
  private readonly queue: PcmChunk[] = [];
  private readonly spareChunks: PcmChunk[] = [];
  private bufferedFrames = 0;
  private acceptedFrames = 0;
  private droppedFrames = 0;
  private dropLogged = false;
  private writeErrorCode: string | null = null;
  private draining: Promise<void> | null = null;
  private closing: Promise<RecordingReport> | null = null;

  private constructor(writer: WavFileWriter, options: CallRecorderOptions, flushEveryFrames: number, maxBufferedFrames: number) {
    this.path = writer.path;
    this.writer = writer;
    this.logger = options.logger;
    this.samplesPerFrame = samplesPerFrame(options.sampleRate);
    this.frameBytes = this.samplesPerFrame * CHANNELS * BYTES_PER_SAMPLE;
    this.byteRate = options.sampleRate * CHANNELS * BYTES_PER_SAMPLE;
    this.flushEveryFrames = flushEveryFrames;
    this.flushAtFrames = options.staggerFirstFlush ? 1 + Math.floor(Math.random() * flushEveryFrames) : flushEveryFrames;
    this.maxBufferedFrames = maxBufferedFrames;
    this.maxFrames = Math.floor(WAV_MAX_DATA_BYTES / this.frameBytes);
    this.current = this.newChunk();
  }

  /**
   * Creates the call's folders (0750) and file (0640, must not exist yet)
   * whatever the umask, with a header declaring no data. Rejects when the file
   * cannot be created; the call should then go on unrecorded.
   */
  static async open(options: CallRecorderOptions): Promise<CallRecorder> {
    if (options.sampleRate !== 8000 && options.sampleRate !== 16000) throw new RangeError('recording sampleRate must be 8000 or 16000');
    const flushEveryFrames = options.flushEveryFrames ?? DEFAULT_FLUSH_EVERY_FRAMES;
    if (!Number.isInteger(flushEveryFrames) || flushEveryFrames < 1) {
      throw new RangeError('recording flushEveryFrames must be a positive integer');
    }
    const maxBufferedFrames = Math.floor((options.maxBufferedMs ?? DEFAULT_MAX_BUFFERED_MS) / FRAME_MS);
    if (!(maxBufferedFrames >= flushEveryFrames)) {
      throw new RangeError('recording maxBufferedMs must hold at least flushEveryFrames frames');
    }
    const path = recordingPath(options.root, options.businessId, options.callId, options.startedAt);
    await makeFolders(dirname(path), RECORDING_FOLDER_MODE);
    const format = { sampleRate: options.sampleRate, channels: CHANNELS, bitsPerSample: 16 } as const;
    const writer = await WavFileWriter.create(path, format, RECORDING_FILE_MODE);
    options.logger.debug({ path }, 'recording opened');
    return new CallRecorder(writer, options, flushEveryFrames, maxBufferedFrames);
  }

  /**
   * One tick: the caller's frame and the agent's frame of the same 20 ms
   * (null = silence). Frames shorter than 20 ms are padded with silence,
   * longer ones cut. Ignored after close().
   */
  writeFrame(caller: Int16Array | null, agent: Int16Array | null): void {
    if (this.closing !== null) return;
    if (this.writeErrorCode !== null) {
      this.droppedFrames += 1;
      return;
    }
    if (this.bufferedFrames >= this.maxBufferedFrames) return this.drop('buffer full');
    if (this.acceptedFrames >= this.maxFrames) return this.drop('size limit');

    const chunk = this.current;
    const base = chunk.frames * this.samplesPerFrame * CHANNELS;
    this.interleave(chunk.samples, base + CALLER_CHANNEL, caller);
    this.interleave(chunk.samples, base + AGENT_CHANNEL, agent);
    chunk.frames += 1;
    this.bufferedFrames += 1;
    this.acceptedFrames += 1;
    if (chunk.frames === this.flushAtFrames) {
      this.enqueueCurrent();
      this.flushAtFrames = this.flushEveryFrames;
    }
  }

  stats(): RecorderStats {
    return {
      dataBytes: this.writer.dataBytes,
      bufferedFrames: this.bufferedFrames,
      droppedFrames: this.droppedFrames,
      writeErrorCode: this.writeErrorCode,
    };
  }

  /** Writes what is buffered and closes the file. Idempotent; never rejects. */
  close(): Promise<RecordingReport> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish(): Promise<RecordingReport> {
    if (this.current.frames > 0) {
      this.queue.push(this.current);
      this.kickDrain();
    }
    while (this.draining !== null) await this.draining;
    try {
      await this.writer.close();
    } catch (error) {
      this.logger.error({ err: error, path: this.path }, 'recording file close failed');
      this.writeErrorCode ??= errorCode(error);
    }
    const report: RecordingReport = {
      path: this.path,
      durationMs: Math.floor((this.writer.dataBytes * 1000) / this.byteRate),
      droppedFrames: this.droppedFrames,
      writeErrorCode: this.writeErrorCode,
    };
    this.logger.debug(report, 'recording closed');
    return report;
  }

  private interleave(target: Int16Array, start: number, source: Int16Array | null): void {
    let index = start;
    let sample = 0;
    if (source !== null) {
      const available = Math.min(source.length, this.samplesPerFrame);
      for (; sample < available; sample += 1, index += CHANNELS) target[index] = source[sample]!;
    }
    for (; sample < this.samplesPerFrame; sample += 1, index += CHANNELS) target[index] = 0;
  }

  private drop(reason: DropReason): void {
    this.droppedFrames += 1;
    if (this.dropLogged) return;
    this.dropLogged = true;
    this.logger.warn({ path: this.path, reason }, 'recording is dropping frames');
  }

  private newChunk(): PcmChunk {
    const bytes = Buffer.alloc(this.flushEveryFrames * this.frameBytes);
    return { bytes, samples: new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / BYTES_PER_SAMPLE), frames: 0 };
  }

  private enqueueCurrent(): void {
    this.queue.push(this.current);
    // At most maxBufferedFrames / flushEveryFrames + 1 chunks ever exist.
    this.current = this.spareChunks.pop() ?? this.newChunk();
    this.kickDrain();
  }

  private kickDrain(): void {
    // drain() always awaits before it can finish, so `draining` is set first.
    if (this.draining === null) this.draining = this.drain();
  }

  /** The one write chain; it clears `draining` in the same step that finds the queue empty. */
  private async drain(): Promise<void> {
    for (let chunk = this.queue.shift(); chunk !== undefined; chunk = this.queue.shift()) {
      await this.persist(chunk);
      this.bufferedFrames -= chunk.frames;
      chunk.frames = 0;
      this.spareChunks.push(chunk);
    }
    this.draining = null;
  }

  private async persist(chunk: PcmChunk): Promise<void> {
    if (this.writeErrorCode !== null) {
      this.droppedFrames += chunk.frames;
      return;
    }
    const length = chunk.frames * this.frameBytes;
    if (!HOST_IS_LITTLE_ENDIAN) chunk.bytes.swap16();
    const bytesBefore = this.writer.dataBytes;
    try {
      await this.writer.append(chunk.bytes, length);
    } catch (error) {
      const framesKept = Math.floor((this.writer.dataBytes - bytesBefore) / this.frameBytes);
      this.droppedFrames += chunk.frames - framesKept;
      this.writeErrorCode = errorCode(error);
      this.logger.error({ err: error, path: this.path }, 'recording write failed, the rest of the call is not recorded');
    }
  }
}

/** mkdir -p that also gives the folders it creates `mode` despite the umask; existing ones are left alone. */
async function makeFolders(folder: string, mode: number): Promise<void> {
  const firstCreated = await mkdir(folder, { recursive: true, mode });
  if (firstCreated === undefined) return;
  let current = firstCreated;
  await chmod(current, mode);
  for (const part of relative(firstCreated, folder).split(sep).filter((segment) => segment.length > 0)) {
    current = join(current, part);
    await chmod(current, mode);
  }
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}
