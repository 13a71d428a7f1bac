// What the console page tests share: one real backend and PostgreSQL with two
// businesses, their staff and calls (hostile text included), and page requests
// over app.inject() with a fresh client address each.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { createBusiness, startSystem, type TestSystem } from './test-system.js';
import { OPERATOR_TOKEN, createStaffAccount, insertCall, type StaffAccount } from './staff-api.js';

export const HOST = 'console.test';
export const ORIGIN = `http://${HOST}`;
export const HOSTILE_TEXT = '<script>alert(1)</script>';
export const HOSTILE_CALLER = `"><img src=x onerror=alert(2)>`;
export const HOSTILE_NAME = `O'Brien "Bob" <b>`;

export let system: TestSystem;
export let recordingsDir: string;
export let dana: StaffAccount;
export let bo: StaffAccount;
export let danaCookie: string;
export let hostileCallId: string;
export let otherCallId: string;
export let lateEveningCallId: string;
let ipCounter = 0;

export interface PageAnswer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  location: string | undefined;
  setCookies: string[];
}

export interface PageRequest {
  cookie?: string | null;
  form?: Record<string, string> | string;
  headers?: Record<string, string>;
  /** Client address (each test its own, so rate limits do not interfere). */
  ip?: string;
}

export function freshIp(): string {
  ipCounter += 1;
  return `198.51.100.${ipCounter}`;
}

export async function page(method: 'GET' | 'POST', url: string, options: PageRequest = {}): Promise<PageAnswer> {
  const headers: Record<string, string> = { host: HOST, accept: 'text/html', ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  let payload: string | undefined;
  if (options.form !== undefined) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    payload = typeof options.form === 'string' ? options.form : new URLSearchParams(options.form).toString();
  }
  const response = await system.backend.app.inject({ method, url, headers, payload, remoteAddress: options.ip ?? freshIp() });
  const raw = response.headers['set-cookie'];
  const setCookies = raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)];
  return { status: response.statusCode, headers: response.headers, body: response.body, location: response.headers.location, setCookies };
}

export function cookieNamed(answer: PageAnswer, name: string): string | null {
  const found = answer.setCookies.find((cookie) => cookie.startsWith(`${name}=`));
  return found ? found.split(';')[0]! : null;
}

export async function signIn(account: StaffAccount): Promise<string> {
  const answer = await page('POST', '/login', { form: { email: account.email, password: account.password }, headers: { origin: ORIGIN } });
  expect(answer.status).toBe(303);
  const cookie = cookieNamed(answer, 'sid');
  expect(cookie).not.toBeNull();
  return cookie!;
}

/** Starts the system and its data before the file's tests, stops it after (call at the top level). */
export function useConsolePages(): void {
beforeAll(async () => {
  recordingsDir = await mkdtemp(join(tmpdir(), 'console-pages-recordings-'));
  system = await startSystem({ backendEnv: { OPERATOR_TOKEN, RECORDINGS_DIR: recordingsDir }, databaseProxy: true });
  await system.waitReady();
  const businessA = await createBusiness(system.prisma, `Acme "Dental" <Care>`, ['+19863334949']);
  const businessB = await createBusiness(system.prisma, 'Other Co', ['+19863330000']);
  dana = await createStaffAccount(system.prisma, businessA, { email: 'dana@acme.example', displayName: HOSTILE_NAME });
  bo = await createStaffAccount(system.prisma, businessB, { email: 'bo@other.example' });

  hostileCallId = await insertCall(system.prisma, businessA, {
    createdAt: new Date('2026-03-03T15:04:00.000Z'),
    from: HOSTILE_CALLER,
    turns: ['Hello, Acme Dental.', HOSTILE_TEXT, 'Sorry, could you'],
  });
  await system.prisma.callTurn.updateMany({
    where: { callId: hostileCallId, seq: 2 },
    data: { interrupted: true, sttFinalMs: 181, llmFirstTokenMs: 422, ttsFirstAudioMs: 613, voiceToVoiceMs: 905 },
  });
  await system.prisma.callMessage.create({
    data: { callId: hostileCallId, callerName: HOSTILE_NAME, callbackNumber: '+15551230000', reason: `</li><script>alert(3)</script>` },
  });
  // 22:30 on 3 March in New York, already 4 March in UTC.
  lateEveningCallId = await insertCall(system.prisma, businessA, {
    createdAt: new Date('2026-03-04T03:30:00.000Z'),
    from: '+15550001111',
    status: 'failed',
  });
  await system.prisma.callLog.update({ where: { id: lateEveningCallId }, data: { error: 'externalMedia refused: "busy" <503>' } });
  otherCallId = await insertCall(system.prisma, businessB, { createdAt: new Date('2026-03-03T16:00:00.000Z'), from: '+15559990000', turns: ['other business'] });
  danaCookie = await signIn(dana);
}, 60_000);

afterAll(async () => {
  await system?.stop();
  await rm(recordingsDir, { recursive: true, force: true });
});
}
