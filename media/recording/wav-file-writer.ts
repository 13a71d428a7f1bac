// A WAV file that is valid after every append: samples are written at the end
// of the data chunk, then the header is rewritten with the new sizes. A process
// killed at any moment therefore leaves a playable file holding everything up
// to the last completed append (a kill between the two writes leaves at most
// one append's bytes after the declared data, which readers ignore).
// Not for concurrent use: the caller runs one append at a time.
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { WAV_HEADER_BYTES, wavBlockAlign, wavHeader, type WavFormat } from './wav.js';

export class WavFileWriter {
  readonly path: string;
  private readonly file: FileHandle;
  private readonly format: WavFormat;
  private readonly blockAlign: number;
  private bytesInDataChunk = 0;
  private closed = false;

  private constructor(path: string, file: FileHandle, format: WavFormat) {
    this.path = path;
    this.file = file;
    this.format = format;
    this.blockAlign = wavBlockAlign(format);
  }

  /**
   * Creates the file (fails if it exists), sets `mode` regardless of the umask
   * and writes a header declaring no data. On failure nothing stays open.
   */
  static async create(path: string, format: WavFormat, mode: number): Promise<WavFileWriter> {
    const file = await open(path, 'wx', mode);
    const writer = new WavFileWriter(path, file, format);
    try {
      await file.chmod(mode);
      await writer.writeHeader(0);
      return writer;
    } catch (error) {
      await file.close().catch(() => undefined);
      await unlink(path).catch(() => undefined);
      throw error;
    }
  }

  /** Bytes of samples the header on disk declares. */
  get dataBytes(): number {
    return this.bytesInDataChunk;
  }

  /**
   * Appends `length` bytes of `data` (whole blocks) and updates the header.
   * On a write error the header is set to the whole blocks that did reach the
   * disk, anything after them is cut off when possible, and the error is
   * rethrown; `dataBytes` then tells what the file holds.
   */
  async append(data: Buffer, length: number): Promise<void> {
    if (this.closed) throw new Error('wav file is closed');
    const start = WAV_HEADER_BYTES + this.bytesInDataChunk;
    let written = 0;
    try {
      while (written < length) {
        // A write may be partial (e.g. at a file size limit); continue where it stopped.
        const { bytesWritten } = await this.file.write(data, written, length - written, start + written);
        if (bytesWritten === 0) throw new Error('wav data write made no progress');
        written += bytesWritten;
      }
    } catch (error) {
      await this.keepWholeBlocks(written);
      throw error;
    }
    await this.writeHeader(this.bytesInDataChunk + length);
    this.bytesInDataChunk += length;
  }

  /** Closes the file; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.file.close();
  }

  private async keepWholeBlocks(writtenBytes: number): Promise<void> {
    const kept = this.bytesInDataChunk + writtenBytes - (writtenBytes % this.blockAlign);
    // Best effort: the disk already failed once, so these may fail too.
    try {
      await this.writeHeader(kept);
      this.bytesInDataChunk = kept;
    } catch {
      // The header still declares the previous size; cut the file back to it.
    }
    await this.file.truncate(WAV_HEADER_BYTES + this.bytesInDataChunk).catch(() => undefined);
  }

  /** One 44-byte positioned write: both size fields change together. */
  private async writeHeader(dataBytes: number): Promise<void> {
    const header = wavHeader({ ...this.format, dataBytes });
    let written = 0;
    while (written < header.length) {
      const { bytesWritten } = await this.file.write(header, written, header.length - written, written);
      if (bytesWritten === 0) throw new Error('wav header write made no progress');
      written += bytesWritten;
    }
  }
}
