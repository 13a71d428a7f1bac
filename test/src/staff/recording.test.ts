// GET /api/calls/:id/recording: audio/wav with byte ranges (RFC 9110 section 14),
// exact bodies for every kind of range, and a file location that only the
// database decides and that can never leave RECORDINGS_DIR.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBusiness, startSystem, type TestSystem } from '../../support/test-system.js';
import { StaffClient, createStaffAccount, insertCall } from '../../support/staff-api.js';

let system: TestSystem;
let staff: StaffClient;
let recordingsDir: string;
let businessId: string;
let callId: string;
const SIZE = 1000;
const AUDIO = Buffer.from(Array.from({ length: SIZE }, (_, i) => (i * 7) % 256));

beforeAll(async () => {
  recordingsDir = await mkdtemp(join(tmpdir(), 'staff-recordings-'));
  system = await startSystem({ backendEnv: { RECORDINGS_DIR: recordingsDir } });
  await system.waitReady();
  businessId = await createBusiness(system.prisma, 'Acme Dental', ['+19863334949']);
  const account = await createStaffAccount(system.prisma, businessId, { email: 'dana@acme.example' });
  staff = new StaffClient(system.backend.url);
  expect((await staff.login(account.email, account.password)).status).toBe(200);
  callId = await insertCall(system.prisma, businessId, { createdAt: new Date('2026-11-20T10:00:00.000Z') });
  const folder = join(recordingsDir, businessId, '2026', '11');
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, `${callId}.wav`), AUDIO);
  await system.prisma.callLog.update({ where: { id: callId }, data: { recordingPath: join(folder, `${callId}.wav`) } });
}, 60_000);

afterAll(async () => {
  await system?.stop();
  await rm(recordingsDir, { recursive: true, force: true });
});

const recording = (id = callId, headers: Record<string, string> = {}) => staff.bytes(`/api/calls/${id}/recording`, headers);

describe('byte ranges', () => {
  it('serves the whole file with Accept-Ranges when no range is asked', async () => {
    const answer = await recording();
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('audio/wav');
    expect(answer.headers.get('accept-ranges')).toBe('bytes');
    expect(answer.headers.get('content-length')).toBe(String(SIZE));
    expect(answer.headers.get('content-range')).toBeNull();
    expect(answer.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(answer.headers.get('last-modified')).toMatch(/GMT$/);
    expect(answer.body.equals(AUDIO)).toBe(true);
  });

  const partial: [string, number, number][] = [
    ['bytes=0-99', 0, 99],
    ['bytes=100-100', 100, 100],
    ['bytes=900-', 900, 999],
    ['bytes=-100', 900, 999],
    ['bytes=990-5000', 990, 999],
    ['bytes=-5000', 0, 999],
    ['bytes=0-', 0, 999],
  ];
  for (const [range, start, end] of partial) {
    it(`answers 206 with exactly bytes ${start}-${end} for ${range}`, async () => {
      const answer = await recording(callId, { range });
      expect(answer.status).toBe(206);
      expect(answer.headers.get('content-range')).toBe(`bytes ${start}-${end}/${SIZE}`);
      expect(answer.headers.get('content-length')).toBe(String(end - start + 1));
      expect(answer.headers.get('content-type')).toBe('audio/wav');
      expect(answer.body.equals(AUDIO.subarray(start, end + 1))).toBe(true);
    });
  }

  for (const range of ['bytes=1000-', 'bytes=5000-6000', 'bytes=-0']) {
    it(`answers 416 with bytes */size for ${range}`, async () => {
      const answer = await recording(callId, { range });
      expect(answer.status).toBe(416);
      expect(answer.headers.get('content-range')).toBe(`bytes */${SIZE}`);
      expect(JSON.parse(answer.body.toString())).toEqual({
        error: { code: 'range_not_satisfiable', message: 'the requested range is outside the file' },
      });
    });
  }

  for (const range of ['bytes=5-2', 'bytes=0-1,5-6', 'items=0-5', 'bytes=abc', 'bytes=-']) {
    it(`ignores the unusable range ${range} and serves the whole file`, async () => {
      const answer = await recording(callId, { range });
      expect(answer.status).toBe(200);
      expect(answer.body.equals(AUDIO)).toBe(true);
    });
  }

  it('honours If-Range: the range only for the same file', async () => {
    const etag = (await recording()).headers.get('etag')!;
    const same = await recording(callId, { range: 'bytes=0-9', 'if-range': etag });
    expect(same.status).toBe(206);
    expect(same.body.equals(AUDIO.subarray(0, 10))).toBe(true);
    const changed = await recording(callId, { range: 'bytes=0-9', 'if-range': '"0-0"' });
    expect(changed.status).toBe(200);
    expect(changed.body.equals(AUDIO)).toBe(true);
  });

  it('answers HEAD with the headers and no body', async () => {
    const response = await fetch(`${system.backend.url}/api/calls/${callId}/recording`, {
      method: 'HEAD',
      headers: { cookie: staff.cookie!, range: 'bytes=0-9' },
    });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-length')).toBe('10');
    expect(Buffer.from(await response.arrayBuffer())).toHaveLength(0);
  });

  it('requires a session', async () => {
    const response = await fetch(`${system.backend.url}/api/calls/${callId}/recording`, { headers: { range: 'bytes=0-9' } });
    expect(response.status).toBe(401);
  });
});

describe('where the file is', () => {
  const NO_RECORDING = { error: { code: 'not_found', message: 'this call has no recording' } };

  async function callWithPath(recordingPath: string | null): Promise<string> {
    const id = await insertCall(system.prisma, businessId, { createdAt: new Date(), recordingPath });
    return id;
  }

  async function expectNoRecording(id: string): Promise<void> {
    const answer = await recording(id);
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body.toString())).toEqual(NO_RECORDING);
  }

  it('never leaves RECORDINGS_DIR: relative escapes, absolute paths and symbolic links answer 404', async () => {
    await symlink('/etc/passwd', join(recordingsDir, 'passwd-link.wav'));
    await mkdir(join(recordingsDir, 'a-folder.wav'));
    for (const path of [
      '../../../../etc/passwd',
      '../../../../../etc/passwd',
      '/etc/passwd',
      `${recordingsDir}/../../etc/passwd`,
      'passwd-link.wav',
      'a-folder.wav',
      'missing.wav',
      '',
    ]) {
      await expectNoRecording(await callWithPath(path));
    }
    await expectNoRecording(await callWithPath(null));
  });

  it('ignores anything the request says about paths', async () => {
    const answer = await staff.bytes(`/api/calls/${callId}/recording?path=../../etc/passwd&file=/etc/passwd`);
    expect(answer.status).toBe(200);
    expect(answer.body.equals(AUDIO)).toBe(true);
    const encoded = await staff.bytes(`/api/calls/${encodeURIComponent('../../../../../etc/passwd')}/recording`);
    expect(encoded.status).toBe(404);
  });

  it('reads a path relative to RECORDINGS_DIR', async () => {
    const id = await callWithPath(`${businessId}/2026/11/${callId}.wav`);
    const answer = await recording(id);
    expect(answer.status).toBe(200);
    expect(answer.body.equals(AUDIO)).toBe(true);
  });

  it("finds the gateway's absolute path under RECORDINGS_DIR when the volume is mounted elsewhere, for this call only", async () => {
    const id = await callWithPath('placeholder');
    const folder = join(recordingsDir, businessId, '2026', '12');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, `${id}.wav`), AUDIO.subarray(0, 10));
    await system.prisma.callLog.update({
      where: { id },
      data: { recordingPath: `/srv/gateway/recordings/${businessId}/2026/12/${id}.wav` },
    });
    const answer = await recording(id);
    expect(answer.status).toBe(200);
    expect(answer.body.equals(AUDIO.subarray(0, 10))).toBe(true);

    // Another call's file in the same layout is not this call's recording.
    const other = await callWithPath(`/srv/gateway/recordings/${businessId}/2026/11/${callId}.wav`);
    await expectNoRecording(other);
  });
});
