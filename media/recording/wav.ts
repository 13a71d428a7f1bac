// Canonical RIFF/WAVE header for linear PCM: one `fmt ` chunk of 16 bytes
// followed directly by the `data` chunk, so samples always start at byte 44.
// Every multi-byte field is little-endian.
//
//   offset size field
//        0    4 "RIFF"
//        4    4 RIFF chunk size = 36 + data size (the file size minus 8)
//        8    4 "WAVE"
//       12    4 "fmt "
//       16    4 fmt chunk size = 16
//       20    2 audio format = 1 (PCM)
//       22    2 channels
//       24    4 sample rate (Hz)
//       28    4 byte rate = sample rate * block align
//       32    2 block align = channels * bits per sample / 8
//       34    2 bits per sample
//       36    4 "data"
//       40    4 data size (bytes of samples that follow)
//       44      samples, channels interleaved, little-endian

export const WAV_HEADER_BYTES = 44;
/** Offset of the RIFF chunk size field. */
export const WAV_RIFF_SIZE_OFFSET = 4;
/** Offset of the data chunk size field. */
export const WAV_DATA_SIZE_OFFSET = 40;
/** The two size fields are 32-bit, so the data chunk cannot exceed this. */
export const WAV_MAX_DATA_BYTES = 0xffff_ffff - (WAV_HEADER_BYTES - 8);

const PCM_FORMAT = 1;
const FMT_CHUNK_BYTES = 16;

export interface WavFormat {
  sampleRate: number;
  channels: number;
  bitsPerSample: 16;
}

export interface WavHeaderOptions extends WavFormat {
  dataBytes: number;
}

export interface ParsedWavHeader {
  audioFormat: number;
  channels: number;
  sampleRate: number;
  byteRate: number;
  blockAlign: number;
  bitsPerSample: number;
  /** The RIFF chunk size field (offset 4). */
  riffBytes: number;
  /** The data chunk size field (offset 40). */
  dataBytes: number;
  /** Where the samples start. */
  dataOffset: number;
}

export function wavBlockAlign(format: WavFormat): number {
  return format.channels * (format.bitsPerSample / 8);
}

export function wavHeader(options: WavHeaderOptions): Buffer {
  const { sampleRate, channels, bitsPerSample, dataBytes } = options;
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 0xffff_ffff) {
    throw new RangeError('wav sampleRate must be a positive integer');
  }
  if (!Number.isInteger(channels) || channels < 1 || channels > 0xffff) {
    throw new RangeError('wav channels must be an integer from 1 to 65535');
  }
  if (bitsPerSample !== 16) throw new RangeError('wav bitsPerSample must be 16');
  if (!Number.isInteger(dataBytes) || dataBytes < 0 || dataBytes > WAV_MAX_DATA_BYTES) {
    throw new RangeError(`wav dataBytes must be an integer from 0 to ${WAV_MAX_DATA_BYTES}`);
  }
  const blockAlign = wavBlockAlign(options);
  const byteRate = sampleRate * blockAlign;
  if (byteRate > 0xffff_ffff) throw new RangeError('wav byte rate does not fit in 32 bits');

  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(WAV_HEADER_BYTES - 8 + dataBytes, WAV_RIFF_SIZE_OFFSET);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(FMT_CHUNK_BYTES, 16);
  header.writeUInt16LE(PCM_FORMAT, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(byteRate, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(bitsPerSample, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, WAV_DATA_SIZE_OFFSET);
  return header;
}

/**
 * Reads a canonical 44-byte PCM header (the layout above). Throws on anything
 * else, including WAV files with extra chunks before `data`.
 */
export function parseWavHeader(buf: Uint8Array): ParsedWavHeader {
  if (buf.length < WAV_HEADER_BYTES) throw new Error(`wav header needs ${WAV_HEADER_BYTES} bytes, got ${buf.length}`);
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const expectTag = (offset: number, tag: string): void => {
    const found = bytes.toString('latin1', offset, offset + 4);
    if (found !== tag) throw new Error(`wav header: expected "${tag}" at offset ${offset}`);
  };
  expectTag(0, 'RIFF');
  expectTag(8, 'WAVE');
  expectTag(12, 'fmt ');
  if (bytes.readUInt32LE(16) !== FMT_CHUNK_BYTES) throw new Error('wav header: fmt chunk is not 16 bytes');
  expectTag(36, 'data');
  return {
    audioFormat: bytes.readUInt16LE(20),
    channels: bytes.readUInt16LE(22),
    sampleRate: bytes.readUInt32LE(24),
    byteRate: bytes.readUInt32LE(28),
    blockAlign: bytes.readUInt16LE(32),
    bitsPerSample: bytes.readUInt16LE(34),
    riffBytes: bytes.readUInt32LE(WAV_RIFF_SIZE_OFFSET),
    dataBytes: bytes.readUInt32LE(WAV_DATA_SIZE_OFFSET),
    dataOffset: WAV_HEADER_BYTES,
  };
}
