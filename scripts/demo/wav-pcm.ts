// Reads a PCM16 WAV as produced by a speech synthesizer. espeak-ng writing to
// stdout cannot seek back to fix the sizes, so its RIFF and data sizes are
// placeholders: the data chunk is taken as "what is declared, or the rest of
// the file when less is there".

export interface PcmAudio {
  readonly sampleRate: number;
  /** Mono samples (the first channel when there are more). */
  readonly samples: Int16Array;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

export function parsePcmWav(bytes: Buffer): PcmAudio {
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== 'RIFF' || bytes.toString('latin1', 8, 12) !== 'WAVE') {
    throw new Error('not a WAV file (no RIFF/WAVE header)');
  }
  let format: { channels: number; sampleRate: number } | null = null;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('latin1', offset, offset + 4);
    const declared = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      const audioFormat = bytes.readUInt16LE(body);
      const bitsPerSample = bytes.readUInt16LE(body + 14);
      if ((audioFormat !== WAVE_FORMAT_PCM && audioFormat !== WAVE_FORMAT_EXTENSIBLE) || bitsPerSample !== 16) {
        throw new Error(`WAV is not 16-bit PCM (format ${audioFormat}, ${bitsPerSample} bits)`);
      }
      format = { channels: bytes.readUInt16LE(body + 2), sampleRate: bytes.readUInt32LE(body + 4) };
    } else if (id === 'data') {
      if (!format) throw new Error('WAV data chunk before its fmt chunk');
      const available = bytes.length - body;
      const size = declared === 0 || declared > available ? available : declared;
      const frameBytes = 2 * format.channels;
      const samples = new Int16Array(Math.floor(size / frameBytes));
      for (let i = 0; i < samples.length; i += 1) samples[i] = bytes.readInt16LE(body + i * frameBytes);
      return { sampleRate: format.sampleRate, samples };
    }
    // Chunks are padded to an even size.
    offset = body + declared + (declared % 2);
  }
  throw new Error('WAV file has no data chunk');
}
