import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMediaLogger } from '../../../media/logger.js';
import { CallRecorder, type CallRecorderOptions } from '../../../media/recording/call-recorder.js';
import { recordingPath } from '../../../media/recording/recording-path.js';
import { parseWavHeader, WAV_MAX_DATA_BYTES, wavHeader, type ParsedWavHeader } from '../../../media/recording/wav.js';
import { waitUntil } from '../../kit/wait.js';

const BUSINESS_ID = '3f0c8a52-9d1e-4c6b-8f3a-2b7d9e1c4a60';
const CALL_ID = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const STARTED_AT = new Date('2025-03-14T12:00:00Z');
const SAMPLES_PER_FRAME = 160;
const FRAME_BYTES = SAMPLES_PER_FRAME * 4;

interface MemoryLog {
  lines: string[];
  entries(msg: string): Record<string, unknown>[];
}

function memoryLogger(): { logger: CallRecorderOptions['logger'] } & MemoryLog {
  const lines: string[] = [];
  const logger = createMediaLogger('debug', { write: (line: string) => void lines.push(line) });
  return {
    logger,
    lines,
    entries: (msg) => lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === msg),
  };
}

interface WavContents {
  header: ParsedWavHeader;
  fileBytes: number;
  left: Int16Array;
  right: Int16Array;
}

async function readWav(path: string): Promise<WavContents> {
  const bytes = await readFile(path);
  const header = parseWavHeader(bytes);
  const frames = header.dataBytes / 4;
  const left = new Int16Array(frames);
  const right = new Int16Array(frames);
  for (let index = 0; index < frames; index += 1) {
    left[index] = bytes.readInt16LE(44 + index * 4);
    right[index] = bytes.readInt16LE(44 + index * 4 + 2);
  }
  return { header, fileBytes: bytes.length, left, right };
}

function constantFrame(value: number, length = SAMPLES_PER_FRAME): Int16Array {
  return new Int16Array(length).fill(value);
}

function rampFrame(frameIndex: number): Int16Array {
  return Int16Array.from({ length: SAMPLES_PER_FRAME }, (_, sample) => frameIndex * SAMPLES_PER_FRAME + sample - 4000);
}

describe('wavHeader', () => {
  it('writes the canonical 44-byte PCM header, little-endian', () => {
    const header = wavHeader({ sampleRate: 8000, channels: 2, bitsPerSample: 16, dataBytes: 640 });
    const expected =
      '52494646' + 'a4020000' + '57415645' + // "RIFF", 36 + 640, "WAVE"
      '666d7420' + '10000000' + '0100' + '0200' + // "fmt ", 16, PCM, 2 channels
      '401f0000' + '007d0000' + '0400' + '1000' + // 8000 Hz, 32000 B/s, block 4, 16 bits
      '64617461' + '80020000'; // "data", 640
    expect(header.toString('hex')).toBe(expected);
  });

  it('reads back what it writes', () => {
    const header = parseWavHeader(wavHeader({ sampleRate: 8000, channels: 2, bitsPerSample: 16, dataBytes: 32000 }));
    expect(header).toEqual({
      audioFormat: 1,
      channels: 2,
      sampleRate: 8000,
      byteRate: 32000,
      blockAlign: 4,
      bitsPerSample: 16,
      riffBytes: 36 + 32000,
      dataBytes: 32000,
      dataOffset: 44,
    });
  });

  it('rejects sizes the 32-bit fields cannot hold', () => {
    const format = { sampleRate: 8000, channels: 2, bitsPerSample: 16 } as const;
    expect(() => wavHeader({ ...format, dataBytes: -1 })).toThrow(RangeError);
    expect(() => wavHeader({ ...format, dataBytes: 1.5 })).toThrow(RangeError);
    expect(() => wavHeader({ ...format, dataBytes: WAV_MAX_DATA_BYTES + 1 })).toThrow(RangeError);
    expect(parseWavHeader(wavHeader({ ...format, dataBytes: WAV_MAX_DATA_BYTES })).riffBytes).toBe(0xffff_ffff);
  });

  it('refuses buffers that are not a canonical WAV header', () => {
    const header = wavHeader({ sampleRate: 8000, channels: 2, bitsPerSample: 16, dataBytes: 0 });
    expect(() => parseWavHeader(header.subarray(0, 43))).toThrow(/44 bytes/);
    const bigEndianRiff = Buffer.from(header);
    bigEndianRiff.write('RIFX', 0, 'ascii');
    expect(() => parseWavHeader(bigEndianRiff)).toThrow(/RIFF/);
    const listFirst = Buffer.from(header);
    listFirst.write('LIST', 36, 'ascii');
    expect(() => parseWavHeader(listFirst)).toThrow(/data/);
  });
});

describe('recordingPath', () => {
  let savedTimezone: string | undefined;
  beforeEach(() => {
    savedTimezone = process.env.TZ;
  });
  afterEach(() => {
    if (savedTimezone === undefined) delete process.env.TZ;
    else process.env.TZ = savedTimezone;
  });

  it('is <root>/<business>/<yyyy>/<mm>/<call>.wav with the UTC year and month', () => {
    // 23:30 on 31 December in New York is already 1 January of the next year in UTC.
    process.env.TZ = 'America/New_York';
    const startedAt = new Date('2024-12-31T23:30:00-05:00');
    expect(startedAt.getMonth()).toBe(11);
    expect(recordingPath('/srv/recordings', BUSINESS_ID, CALL_ID, startedAt)).toBe(
      `/srv/recordings/${BUSINESS_ID}/2025/01/${CALL_ID}.wav`,
    );
  });

  it('returns an absolute path and lower-case ids', () => {
    const path = recordingPath('recordings', BUSINESS_ID.toUpperCase(), CALL_ID.toUpperCase(), STARTED_AT);
    expect(path).toBe(resolve('recordings', BUSINESS_ID, '2025', '03', `${CALL_ID}.wav`));
  });

  it.each(['../../../../etc', '..', '', 'passwd', `${CALL_ID}/..`, `../${CALL_ID}`, `${CALL_ID}\0`, `${CALL_ID} `, CALL_ID.replaceAll('-', '')])(
    'rejects the id %j',
    (id) => {
      expect(() => recordingPath('/srv/recordings', id, CALL_ID, STARTED_AT)).toThrow(/businessId must be a UUID/);
      expect(() => recordingPath('/srv/recordings', BUSINESS_ID, id, STARTED_AT)).toThrow(/callId must be a UUID/);
    },
  );

  it('rejects an empty root and an invalid date', () => {
    expect(() => recordingPath('', BUSINESS_ID, CALL_ID, STARTED_AT)).toThrow(/root/);
    expect(() => recordingPath('/srv', BUSINESS_ID, CALL_ID, new Date('not a date'))).toThrow(/startedAt/);
  });
});

describe('CallRecorder', () => {
  let root: string;
  const open = (options: Partial<CallRecorderOptions> = {}) =>
    CallRecorder.open({
      root,
      businessId: BUSINESS_ID,
      callId: CALL_ID,
      startedAt: STARTED_AT,
      sampleRate: 8000,
      logger: memoryLogger().logger,
      ...options,
    });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'media-recording-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates the file at the call path with a header declaring no data', async () => {
    const recorder = await open();
    expect(recorder.path).toBe(join(root, BUSINESS_ID, '2025', '03', `${CALL_ID}.wav`));
    const wav = await readWav(recorder.path);
    expect(wav.fileBytes).toBe(44);
    expect(wav.header).toMatchObject({ channels: 2, sampleRate: 8000, bitsPerSample: 16, byteRate: 32000, blockAlign: 4, dataBytes: 0, riffBytes: 36 });
    await recorder.close();
  });

  it('writes 8 kHz 16-bit stereo whose data size gives the duration', async () => {
    const recorder = await open();
    for (let frame = 0; frame < 60; frame += 1) recorder.writeFrame(constantFrame(100), constantFrame(-100));
    const report = await recorder.close();
    expect(report).toEqual({ path: recorder.path, durationMs: 1200, droppedFrames: 0, writeErrorCode: null });
    const wav = await readWav(recorder.path);
    expect(wav.header.dataBytes).toBe(60 * FRAME_BYTES);
    expect(wav.header.riffBytes).toBe(36 + 60 * FRAME_BYTES);
    expect(wav.fileBytes).toBe(44 + wav.header.dataBytes);
    expect((wav.header.dataBytes / wav.header.byteRate) * 1000).toBe(1200);
  });

  it('puts the caller on the left and the agent on the right, tick by tick', async () => {
    // 7 frames per flush: 20 frames are two full flushes plus a rest written by close().
    const recorder = await open({ flushEveryFrames: 7 });
    for (let frame = 0; frame < 10; frame += 1) recorder.writeFrame(rampFrame(frame), null);
    for (let frame = 10; frame < 20; frame += 1) recorder.writeFrame(null, rampFrame(frame));
    await recorder.close();

    const wav = await readWav(recorder.path);
    expect(wav.left.length).toBe(20 * SAMPLES_PER_FRAME);
    for (let frame = 0; frame < 20; frame += 1) {
      const left = wav.left.subarray(frame * SAMPLES_PER_FRAME, (frame + 1) * SAMPLES_PER_FRAME);
      const right = wav.right.subarray(frame * SAMPLES_PER_FRAME, (frame + 1) * SAMPLES_PER_FRAME);
      expect([...left]).toEqual(frame < 10 ? [...rampFrame(frame)] : new Array(SAMPLES_PER_FRAME).fill(0));
      expect([...right]).toEqual(frame < 10 ? new Array(SAMPLES_PER_FRAME).fill(0) : [...rampFrame(frame)]);
    }
  });

  it('stores each sample pair as left then right, little-endian', async () => {
    const recorder = await open();
    recorder.writeFrame(constantFrame(0x1234), constantFrame(-2));
    await recorder.close();
    const bytes = await readFile(recorder.path);
    expect(bytes.subarray(44, 52).toString('hex')).toBe('3412feff3412feff');
  });

  it('records gaps as silence and pads short frames', async () => {
    const recorder = await open();
    recorder.writeFrame(constantFrame(500), constantFrame(600));
    recorder.writeFrame(null, null);
    recorder.writeFrame(constantFrame(700, 40), null);
    const report = await recorder.close();
    expect(report.durationMs).toBe(60);

    const wav = await readWav(recorder.path);
    expect(wav.left.slice(0, 160).every((sample) => sample === 500)).toBe(true);
    expect(wav.right.slice(0, 160).every((sample) => sample === 600)).toBe(true);
    expect(wav.left.slice(160, 320).every((sample) => sample === 0)).toBe(true);
    expect(wav.right.slice(160, 480).every((sample) => sample === 0)).toBe(true);
    expect(wav.left.slice(320, 360).every((sample) => sample === 700)).toBe(true);
    expect(wav.left.slice(360, 480).every((sample) => sample === 0)).toBe(true);
  });

  it('makes the folders it creates 0750 and the file 0640 whatever the umask', async () => {
    await mkdir(join(root, 'existing'), { mode: 0o700 });
    const previousUmask = process.umask(0o077);
    let recorder: CallRecorder;
    try {
      recorder = await open({ root: join(root, 'existing', 'recordings') });
    } finally {
      process.umask(previousUmask);
    }
    const modeOf = async (path: string) => (await stat(path)).mode & 0o777;
    expect(await modeOf(join(root, 'existing'))).toBe(0o700);
    for (const folder of ['recordings', `recordings/${BUSINESS_ID}`, `recordings/${BUSINESS_ID}/2025`, `recordings/${BUSINESS_ID}/2025/03`]) {
      expect({ folder, mode: await modeOf(join(root, 'existing', folder)) }).toEqual({ folder, mode: 0o750 });
    }
    expect(await modeOf(recorder.path)).toBe(0o640);
    await recorder.close();
  });

  it('refuses to overwrite an existing recording', async () => {
    const first = await open();
    first.writeFrame(constantFrame(1), constantFrame(1));
    await first.close();
    await expect(open()).rejects.toMatchObject({ code: 'EEXIST' });
    expect((await readWav(first.path)).header.dataBytes).toBe(FRAME_BYTES);
  });

  it('rejects ids that are not UUIDs before touching the disk', async () => {
    await expect(open({ callId: '../../../../etc/passwd' })).rejects.toThrow(/callId must be a UUID/);
    await expect(open({ businessId: '..' })).rejects.toThrow(/businessId must be a UUID/);
    await expect(stat(join(root, BUSINESS_ID))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('closes once, returns the same report every time and ignores frames after close', async () => {
    const recorder = await open();
    recorder.writeFrame(constantFrame(3), null);
    const first = recorder.close();
    const second = recorder.close();
    expect(second).toBe(first);
    recorder.writeFrame(constantFrame(4), null);
    expect(await first).toEqual({ path: recorder.path, durationMs: 20, droppedFrames: 0, writeErrorCode: null });
    expect(await recorder.close()).toEqual(await first);
    expect((await stat(recorder.path)).size).toBe(44 + FRAME_BYTES);
  });

  it('holds at most 10 s in memory while the disk has not caught up, then drops and logs once', async () => {
    const log = memoryLogger();
    const recorder = await open({ logger: log.logger });
    // No await in the loop: no write can complete, as with a stalled disk.
    for (let frame = 0; frame < 600; frame += 1) recorder.writeFrame(constantFrame(frame), null);
    expect(recorder.stats()).toMatchObject({ bufferedFrames: 500, droppedFrames: 100 });
    const report = await recorder.close();
    expect(report).toMatchObject({ durationMs: 10_000, droppedFrames: 100, writeErrorCode: null });
    expect(log.entries('recording is dropping frames')).toHaveLength(1);
    expect(log.entries('recording is dropping frames')[0]).toMatchObject({ reason: 'buffer full', level: 'warn' });
    const wav = await readWav(recorder.path);
    expect(wav.left[499 * SAMPLES_PER_FRAME]).toBe(499);
  });

  it('accepts frames again once the disk has caught up', async () => {
    const recorder = await open({ maxBufferedMs: 1000 });
    for (let frame = 0; frame < 60; frame += 1) recorder.writeFrame(constantFrame(1), null);
    expect(recorder.stats()).toMatchObject({ bufferedFrames: 50, droppedFrames: 10 });
    await waitUntil(() => recorder.stats().bufferedFrames === 0, { what: 'the buffered frames to reach the disk' });
    expect(recorder.stats()).toMatchObject({ bufferedFrames: 0, dataBytes: 50 * FRAME_BYTES });
    recorder.writeFrame(constantFrame(2), null);
    expect(await recorder.close()).toMatchObject({ durationMs: 1020, droppedFrames: 10 });
  });

  it('does not throw when its folder is removed during the call', async () => {
    const recorder = await open({ flushEveryFrames: 1 });
    recorder.writeFrame(constantFrame(1), null);
    await rm(join(root, BUSINESS_ID), { recursive: true, force: true });
    expect(() => recorder.writeFrame(constantFrame(2), constantFrame(2))).not.toThrow();
    const report = await recorder.close();
    expect(report.path).toBe(recorder.path);
    expect(report.durationMs + report.droppedFrames * 20).toBe(40);
  });

  it('validates its options', async () => {
    await expect(open({ flushEveryFrames: 0 })).rejects.toThrow(RangeError);
    await expect(open({ flushEveryFrames: 50, maxBufferedMs: 500 })).rejects.toThrow(RangeError);
    await expect(open({ sampleRate: 24000 })).rejects.toThrow(RangeError);
  });
});
