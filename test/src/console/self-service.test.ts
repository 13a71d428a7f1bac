// What a business does in the console beyond reading calls, over real HTTP
// against the real backend and PostgreSQL: the dashboard, the CSV export, the
// messages inbox, changing one's password, a manager's team and settings, the
// retention job (advisory lock, files and texts deleted, rows kept) and the
// deletion of one call's content, each recorded in the audit log.
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../src/staff/audit-log.js';
import { RecordingFiles } from '../../../src/staff/recording-files.js';
import { Retention } from '../../../src/staff/retention.js';
import { RetentionJob, RETENTION_LOCK_KEY } from '../../../src/staff/retention-job.js';
import { createBusiness, startSystem, type TestSystem } from '../../support/test-system.js';
import { StaffClient, createStaffAccount, insertCall, type StaffAccount } from '../../support/staff-api.js';
import { waitFor } from '../../kit/wait.js';

let system: TestSystem;
let recordingsDir: string;
let businessId: string;
let otherBusinessId: string;
let dana: StaffAccount;
let mia: StaffAccount;
let address = 0;

async function signIn(account: StaffAccount, password = account.password): Promise<StaffClient> {
  address += 1;
  const staff = new StaffClient(system.backend.url);
  expect((await staff.login(account.email, password, { 'x-forwarded-for': `198.51.100.${address}` })).status).toBe(200);
  return staff;
}

async function get(staff: StaffClient, path: string): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(`${system.backend.url}${path}`, { headers: { cookie: staff.cookie!, accept: 'text/html' }, redirect: 'manual' });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

async function post(staff: StaffClient, path: string, fields: Record<string, string>): Promise<{ status: number; location: string | null; text: string }> {
  const response = await fetch(`${system.backend.url}${path}`, {
    method: 'POST',
    headers: { cookie: staff.cookie!, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf: staff.csrfToken!, ...fields }).toString(),
    redirect: 'manual',
  });
  return { status: response.status, location: response.headers.get('location'), text: await response.text() };
}

async function auditActions(business: string): Promise<string[]> {
  const events = await system.prisma.auditEvent.findMany({ where: { businessId: business }, orderBy: { createdAt: 'asc' } });
  return events.map((event) => event.action);
}

async function recordedCall(createdAt: Date, turns: string[]): Promise<{ id: string; path: string }> {
  const id = await insertCall(system.prisma, businessId, { createdAt, turns });
  const month = join(recordingsDir, businessId, '2026', '01');
  await mkdir(month, { recursive: true });
  const path = join(month, `${id}.wav`);
  await writeFile(path, Buffer.alloc(1000));
  await system.prisma.callLog.update({ where: { id }, data: { recordingPath: path } });
  await system.prisma.callMessage.create({ data: { callId: id, businessId, callerName: 'Sam Lee', callbackNumber: '+15550101010', reason: 'Move my cleaning' } });
  return { id, path };
}

beforeAll(async () => {
  recordingsDir = await mkdtemp(join(tmpdir(), 'console-self-service-'));
  system = await startSystem({ backendEnv: { RECORDINGS_DIR: recordingsDir, TRUST_PROXY: '1' } });
  await system.waitReady();
  businessId = await createBusiness(system.prisma, 'Acme Dental', ['+19863334949']);
  otherBusinessId = await createBusiness(system.prisma, 'Other Co', ['+19863330000']);
  dana = await createStaffAccount(system.prisma, businessId, { email: 'dana@acme.example', password: 'dana-password-1234', displayName: 'Dana' });
  mia = await createStaffAccount(system.prisma, businessId, { email: 'mia@acme.example', password: 'mia-password-12345', role: 'manager', displayName: 'Mia' });
  const now = Date.now();
  await insertCall(system.prisma, businessId, { createdAt: new Date(now - 2 * 3600_000), from: '=cmd|calc', turns: ['Hello, Acme Dental.', 'I would like to book a cleaning, please.'] });
  await insertCall(system.prisma, businessId, { createdAt: new Date(now - 3600_000), status: 'transferred', turns: ['Hello.', 'Can I speak to a person about billing?'] });
  await insertCall(system.prisma, otherBusinessId, { createdAt: new Date(now - 3600_000), from: '+15559990000' });
}, 60_000);

afterAll(async () => {
  await system?.stop();
  await rm(recordingsDir, { recursive: true, force: true });
});

describe('the dashboard', () => {
  it('is the home page and shows the business’s last 30 days in its time zone', async () => {
    const staff = await signIn(dana);
    const home = await get(staff, '/');
    expect(home.headers.get('location')).toBe('/dashboard');
    const page = await get(staff, '/dashboard');
    expect(page.status).toBe(200);
    expect(page.text).toContain('in America/New_York time');
    expect(page.text).toMatch(/<p class="tile-label">Calls<\/p><p class="tile-value">2<\/p>/);
    expect(page.text).toContain('aria-label="Calls per day over the last 30 days, 2 calls in all"');
    expect(page.text).toContain('<h2 id="week-title">When people call</h2>');
    expect(page.text).not.toContain('+15559990000');
  });
});

describe('the CSV export', () => {
  it('exports the filtered calls in the business’s time zone, formula-safe, and records it', async () => {
    const staff = await signIn(dana);
    const answer = await get(staff, '/calls/export.csv?q=cleaning');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(answer.headers.get('content-disposition')).toMatch(/^attachment; filename="calls-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = answer.text.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines[0]).toBe('Started,Time zone,Caller,Dialed number,Direction,Outcome,Duration (s),Messages,Recording,Caller said first,What went wrong,Call id');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(",America/New_York,'=cmd|calc,+19863334949,inbound,Completed,60,0,no,\"I would like to book a cleaning, please.\",,");
    const event = await waitFor(() => system.prisma.auditEvent.findFirst({ where: { businessId, action: 'calls_exported' } }), { what: 'the export in the audit log' });
    expect(event).toMatchObject({ actorLabel: 'dana@acme.example', detail: '1 call(s); q=cleaning' });
  });

  it('shows the total and marks the matching sentence in the list', async () => {
    const staff = await signIn(dana);
    const page = await get(staff, '/calls?q=billing');
    expect(page.text).toContain('1 call match these filters.');
    expect(page.text).toContain('Can I speak to a person about <mark>billing</mark>?');
    expect(page.text).toContain('href="/calls/export.csv?q=billing"');
  });
});

describe('the messages inbox', () => {
  it('lists messages to call back, marks one called back (who, when), and refuses another business’s', async () => {
    const callId = await insertCall(system.prisma, businessId, { createdAt: new Date(Date.now() - 600_000) });
    const message = await system.prisma.callMessage.create({ data: { callId, businessId, callerName: 'Pat', callbackNumber: '+15550002222', reason: 'Wants a quote' } });
    const staff = await signIn(dana);
    const open = await get(staff, '/messages');
    expect(open.text).toContain('Wants a quote');
    const marked = await post(staff, `/messages/${message.id}/called-back`, { value: '1', show: 'open' });
    expect([marked.status, marked.location]).toEqual([303, '/messages?show=open&done=called-back']);
    const stored = await system.prisma.callMessage.findUniqueOrThrow({ where: { id: message.id } });
    expect(stored.calledBackBy).toBe('Dana');
    expect(stored.calledBackAt).not.toBeNull();
    expect((await get(staff, '/messages')).text).not.toContain('Wants a quote');
    expect((await get(staff, '/messages?show=done')).text).toContain('Wants a quote');

    const otherCall = await insertCall(system.prisma, otherBusinessId, { createdAt: new Date() });
    const foreign = await system.prisma.callMessage.create({ data: { callId: otherCall, businessId: otherBusinessId, callerName: 'X', callbackNumber: '+1555', reason: 'Secret' } });
    expect((await post(staff, `/messages/${foreign.id}/called-back`, { value: '1' })).status).toBe(404);
    expect((await system.prisma.callMessage.findUniqueOrThrow({ where: { id: foreign.id } })).calledBackAt).toBeNull();
  });
});

describe('one’s own password', () => {
  it('needs the current password, refuses weak ones, and ends the other sessions', async () => {
    const erin = await createStaffAccount(system.prisma, businessId, { email: 'erin@acme.example', password: 'erin-password-1234' });
    const here = await signIn(erin);
    const elsewhere = await signIn(erin);
    const wrong = await post(here, '/account/password', { current: 'not-it', password: 'tulips in the rain at noon', confirm: 'tulips in the rain at noon' });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('The current password is not right.');
    const weak = await post(here, '/account/password', { current: erin.password, password: 'password1234', confirm: 'password1234' });
    expect(weak.status).toBe(400);
    expect(weak.text).toContain('is too common');
    const done = await post(here, '/account/password', { current: erin.password, password: 'tulips in the rain at noon', confirm: 'tulips in the rain at noon' });
    expect([done.status, done.location]).toEqual([303, '/account?done=password-changed']);
    expect((await here.request('GET', '/api/session')).status).toBe(200);
    expect((await elsewhere.request('GET', '/api/session')).status).toBe(401);
    await signIn(erin, 'tulips in the rain at noon');
    expect(await auditActions(businessId)).toContain('password_changed');
  });
});

describe('a manager’s team', () => {
  it('adds, disables, enables and resets staff of their own business only; staff cannot', async () => {
    const boss = await signIn(mia);
    const staff = await signIn(dana);
    expect((await get(staff, '/team')).status).toBe(403);
    expect((await post(staff, '/team', { email: 'x@acme.example', name: 'X', role: 'staff', password: 'tulips in the rain at noon' })).status).toBe(403);

    const added = await post(boss, '/team', { email: 'Noa@Acme.example', name: 'Noa', role: 'staff', password: 'a long first password' });
    expect([added.status, added.location]).toEqual([303, '/team?done=staff-created']);
    const noa = await system.prisma.staffUser.findUniqueOrThrow({ where: { email: 'noa@acme.example' } });
    expect(noa.businessId).toBe(businessId);
    const noaSession = await signIn({ ...dana, id: noa.id, email: 'noa@acme.example', password: 'a long first password' });

    expect((await post(boss, `/team/${noa.id}/disable`, {})).location).toBe('/team?done=staff-disabled');
    expect((await noaSession.request('GET', '/api/session')).status).toBe(401);
    expect((await post(boss, `/team/${noa.id}/enable`, {})).location).toBe('/team?done=staff-enabled');
    expect((await post(boss, `/team/${noa.id}/password`, { password: 'another long password' })).location).toBe('/team?done=password-reset');
    await signIn({ ...dana, id: noa.id, email: 'noa@acme.example', password: 'another long password' });

    const self = await post(boss, `/team/${mia.id}/disable`, {});
    expect(self.status).toBe(400);
    expect(self.text).toContain('you cannot disable your own account');
    const outsider = await createStaffAccount(system.prisma, otherBusinessId, { email: 'oz@other.example' });
    expect((await post(boss, `/team/${outsider.id}/disable`, {})).status).toBe(404);
    expect((await system.prisma.staffUser.findUniqueOrThrow({ where: { id: outsider.id } })).disabledAt).toBeNull();

    const page = await get(boss, '/audit');
    for (const words of ['Added a staff account', 'Disabled a staff account', 'Enabled a staff account', 'Reset a staff password']) expect(page.text).toContain(words);
    expect(page.text).not.toContain('another long password');
    const stored = JSON.stringify(await system.prisma.auditEvent.findMany());
    for (const secret of ['a long first password', 'another long password', boss.csrfToken!, boss.cookie!.slice(4)]) expect(stored).not.toContain(secret);
  });
});

describe('retention', () => {
  it('a manager sets the periods; the job deletes expired recordings and transcripts, keeps the rows, and logs it', async () => {
    const boss = await signIn(mia);
    const saved = await post(boss, '/settings', { recordingDays: '30', transcriptDays: '60' });
    expect(saved.location).toBe('/settings?done=settings-saved');
    expect(await system.prisma.business.findUniqueOrThrow({ where: { id: businessId } })).toMatchObject({ recordingRetentionDays: 30, transcriptRetentionDays: 60 });
    expect((await post(boss, '/settings', { recordingDays: '0', transcriptDays: '' })).status).toBe(400);

    const day = 86_400_000;
    const old = await recordedCall(new Date(Date.now() - 90 * day), ['Old hello.', 'Old secret words.']);
    const middle = await recordedCall(new Date(Date.now() - 45 * day), ['Middle hello.', 'Middle words.']);
    const fresh = await recordedCall(new Date(Date.now() - 5 * day), ['Fresh hello.', 'Fresh words.']);

    const audit = new AuditLog(system.prisma);
    const retention = new Retention(system.prisma, new RecordingFiles(recordingsDir), audit, () => new Date());
    const job = new RetentionJob({ retention, pool: system.backend.db.pool, logger: pino({ level: 'silent' }) });
    // Another process holds the lock: this run skips and deletes nothing.
    const holder = await system.backend.db.pool.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [RETENTION_LOCK_KEY]);
      expect(await job.runOnce()).toEqual({ kind: 'skipped' });
      await holder.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK_KEY]);
    } finally {
      holder.release();
    }
    expect(await stat(old.path)).toBeTruthy();

    const result = await job.runOnce();
    expect(result).toMatchObject({ kind: 'done' });
    await expect(stat(old.path)).rejects.toThrow(/ENOENT/);
    await expect(stat(middle.path)).rejects.toThrow(/ENOENT/);
    expect(await stat(fresh.path)).toBeTruthy();
    const rows = await system.prisma.callLog.findMany({ where: { id: { in: [old.id, middle.id, fresh.id] } }, include: { turns: true, messages: true } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(old.id)!.recordingPath).toBeNull();
    expect(byId.get(old.id)!.transcriptDeletedAt).not.toBeNull();
    expect(byId.get(old.id)!.turns.map((turn) => turn.text)).toEqual(['', '']);
    expect(byId.get(old.id)!.messages[0]).toMatchObject({ callerName: '', callbackNumber: '', reason: '' });
    expect(byId.get(middle.id)!.transcriptDeletedAt).toBeNull();
    expect(byId.get(middle.id)!.turns.map((turn) => turn.text)).toEqual(['Middle hello.', 'Middle words.']);
    expect(byId.get(fresh.id)!.recordingPath).not.toBeNull();
    const event = await system.prisma.auditEvent.findFirstOrThrow({ where: { businessId, action: 'retention_applied' } });
    expect(event.detail).toBe('2 recording(s) older than 30 days; 1 transcript(s) older than 60 days');
    // Idempotent: a second run finds nothing more to delete.
    expect(await job.runOnce()).toMatchObject({ kind: 'done', deleted: { recordings: 0, transcripts: 0 } });
    await job.stop();

    const staff = await signIn(dana);
    const page = await get(staff, `/calls/${old.id}`);
    expect(page.text).toContain('The recording was deleted on');
    expect(page.text).toContain('What was said on this call was deleted on');
    expect(page.text).not.toContain('Old secret words.');
  });

  it('a manager deletes one call’s recording and transcript on request; staff cannot', async () => {
    const call = await recordedCall(new Date(Date.now() - 3_600_000), ['Hello.', 'Please delete my call.']);
    const staff = await signIn(dana);
    expect((await post(staff, `/calls/${call.id}/delete`, {})).status).toBe(403);
    const boss = await signIn(mia);
    expect((await get(boss, `/calls/${call.id}`)).text).toContain('Delete recording and transcript');
    const deleted = await post(boss, `/calls/${call.id}/delete`, {});
    expect(deleted.location).toBe(`/calls/${call.id}?done=content-deleted`);
    await expect(stat(call.path)).rejects.toThrow(/ENOENT/);
    const row = await system.prisma.callLog.findUniqueOrThrow({ where: { id: call.id }, include: { turns: true } });
    expect(row).toMatchObject({ recordingPath: null, status: 'completed' });
    expect(row.turns.every((turn) => turn.text === '')).toBe(true);
    const event = await system.prisma.auditEvent.findFirstOrThrow({ where: { action: 'call_content_deleted', targetId: `call:${call.id}` } });
    expect(event).toMatchObject({ actorLabel: 'mia@acme.example', detail: 'recording and transcript deleted on request' });
  });
});

describe('recordings in the audit log', () => {
  it('records a play once per session and call, and every download', async () => {
    const call = await recordedCall(new Date(Date.now() - 7_200_000), ['Hello.']);
    const staff = await signIn(dana);
    for (const range of ['bytes=0-', 'bytes=500-', 'bytes=0-']) {
      expect((await staff.bytes(`/api/calls/${call.id}/recording`, { range })).status).toBe(206);
    }
    const download = await staff.bytes(`/api/calls/${call.id}/recording?download=1`);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="call-${call.id}.wav"`);
    const events = await system.prisma.auditEvent.findMany({ where: { targetId: `call:${call.id}` } });
    expect(events.map((event) => event.action).sort()).toEqual(['recording_downloaded', 'recording_played']);
  });
});
