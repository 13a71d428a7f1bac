// Short agent phrases (greeting, apology, reprompt...) synthesized once per
// (TTS vendor, voice, text) and kept in memory and on disk, so the greeting's
// first packet leaves within a tick of the call starting and the apology can be
// played even while the TTS provider is down.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { SAMPLES_PER_FRAME_8K } from '../audio/frame.js';
import type { TtsFrame, TtsProvider } from '../providers/types.js';

export interface ClipAudio {
  readonly frames: readonly TtsFrame[];
}

export interface ClipCacheOptions {
  tts: TtsProvider;
  /** Part of the cache key: the same voice name means different audio per vendor. */
  vendor: string;
  logger: Logger;
  /** Folder for the disk copy; null keeps clips in memory only. */
  dir: string | null;
  maxEntries?: number;
  synthesisTimeoutMs?: number;
}

const DEFAULT_MAX_ENTRIES = 512;
const DEFAULT_SYNTHESIS_TIMEOUT_MS = 10_000;
const KIND_ULAW = 0;
const KIND_PCM = 1;
/** Clips are 8 kHz frames: a byte per mu-law sample, two per PCM16 sample. */
const ULAW_FRAME_BYTES = SAMPLES_PER_FRAME_8K;
const PCM_FRAME_BYTES = SAMPLES_PER_FRAME_8K * 2;

export class ClipCache {
  readonly #options: ClipCacheOptions;
  /** Insertion order is recency order (re-inserted on use): the first key is the least recently used. */
  readonly #memory = new Map<string, ClipAudio>();
  readonly #pending = new Map<string, Promise<ClipAudio>>();

  constructor(options: ClipCacheOptions) {
    this.#options = options;
  }

  /** The clip if it is in memory now (no waiting). */
  peek(voice: string, text: string): ClipAudio | null {
    const key = this.#key(voice, text);
    const clip = this.#memory.get(key);
    if (clip) {
      this.#memory.delete(key);
      this.#memory.set(key, clip);
    }
    return clip ?? null;
  }

  /** The clip from memory, disk, or a synthesis shared by concurrent callers. */
  get(voice: string, text: string): Promise<ClipAudio> {
    const hit = this.peek(voice, text);
    if (hit) return Promise.resolve(hit);
    const key = this.#key(voice, text);
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#load(key, voice, text).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  /** Starts loading clips in the background (errors are logged, not thrown). */
  warm(voice: string, texts: readonly string[]): void {
    for (const text of texts) {
      if (text.trim() === '') continue;
      this.get(voice, text).catch((error: unknown) =>
        this.#options.logger.warn({ err: error, voice }, 'clip could not be prepared'),
      );
    }
  }

  #key(voice: string, text: string): string {
    return createHash('sha256').update(`${this.#options.vendor}\u0000${voice}\u0000${text}`).digest('hex');
  }

  async #load(key: string, voice: string, text: string): Promise<ClipAudio> {
    const fromDisk = await this.#readDisk(key);
    const clip = fromDisk ?? (await this.#synthesize(voice, text));
    this.#memory.set(key, clip);
    while (this.#memory.size > (this.#options.maxEntries ?? DEFAULT_MAX_ENTRIES)) {
      const oldest = this.#memory.keys().next().value as string;
      this.#memory.delete(oldest);
    }
    if (!fromDisk) await this.#writeDisk(key, clip);
    return clip;
  }

  async #synthesize(voice: string, text: string): Promise<ClipAudio> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('clip synthesis timed out')), this.#options.synthesisTimeoutMs ?? DEFAULT_SYNTHESIS_TIMEOUT_MS);
    const session = await this.#options.tts.open({ voice, signal: controller.signal });
    try {
      const sentence = session.speak(text);
      const frames: TtsFrame[] = [];
      for await (const output of session.output) {
        if (output.type === 'frame' && output.sentence === sentence) frames.push(copyFrame(output.frame));
        if (output.type === 'sentence_done' && output.sentence === sentence) break;
      }
      if (controller.signal.aborted) throw controller.signal.reason;
      return { frames };
    } finally {
      clearTimeout(timer);
      await session.close().catch(() => {});
    }
  }

  async #readDisk(key: string): Promise<ClipAudio | null> {
    if (!this.#options.dir) return null;
    try {
      return decodeClip(await readFile(join(this.#options.dir, `${key}.clip`)));
    } catch {
      return null;
    }
  }

  async #writeDisk(key: string, clip: ClipAudio): Promise<void> {
    const dir = this.#options.dir;
    if (!dir || clip.frames.length === 0) return;
    try {
      await mkdir(dir, { recursive: true, mode: 0o750 });
      const path = join(dir, `${key}.clip`);
      const temporary = `${path}.${process.pid}.tmp`;
      await writeFile(temporary, encodeClip(clip), { mode: 0o640 });
      await rename(temporary, path);
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'clip could not be written to the disk cache');
    }
  }
}

function copyFrame(frame: TtsFrame): TtsFrame {
  return frame.kind === 'ulaw'
    ? { kind: 'ulaw', payload: Uint8Array.from(frame.payload) }
    : { kind: 'pcm', samples: Int16Array.from(frame.samples) };
}

/** Disk format: one kind byte (0 mu-law, 1 PCM16 LE), then the frames back to back. */
function encodeClip(clip: ClipAudio): Buffer {
  const kind = clip.frames[0]!.kind;
  const frameBytes = kind === 'ulaw' ? ULAW_FRAME_BYTES : PCM_FRAME_BYTES;
  const out = Buffer.alloc(1 + clip.frames.length * frameBytes);
  out[0] = kind === 'ulaw' ? KIND_ULAW : KIND_PCM;
  clip.frames.forEach((frame, i) => {
    const offset = 1 + i * frameBytes;
    if (frame.kind === 'ulaw') out.set(frame.payload, offset);
    else for (let s = 0; s < SAMPLES_PER_FRAME_8K; s += 1) out.writeInt16LE(frame.samples[s]!, offset + s * 2);
  });
  return out;
}

function decodeClip(data: Buffer): ClipAudio | null {
  const kind = data[0];
  const frameBytes = kind === KIND_ULAW ? ULAW_FRAME_BYTES : kind === KIND_PCM ? PCM_FRAME_BYTES : 0;
  if (frameBytes === 0 || (data.length - 1) % frameBytes !== 0 || data.length === 1) return null;
  const frames: TtsFrame[] = [];
  for (let offset = 1; offset < data.length; offset += frameBytes) {
    if (kind === KIND_ULAW) frames.push({ kind: 'ulaw', payload: Uint8Array.from(data.subarray(offset, offset + ULAW_FRAME_BYTES)) });
    else {
      const samples = new Int16Array(SAMPLES_PER_FRAME_8K);
      for (let s = 0; s < SAMPLES_PER_FRAME_8K; s += 1) samples[s] = data.readInt16LE(offset + s * 2);
      frames.push({ kind: 'pcm', samples });
    }
  }
  return { frames };
}
