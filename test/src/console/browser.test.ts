// The staff console in headless Chromium against the real backend (ARI fake,
// real PostgreSQL, a real WAV recording on disk): signing in, the call list,
// a call's transcript and its recording loaded by the <audio> element with a
// 206 range answer, the live page following a call placed through ARI, signing
// out, and another business's user who gets the 404 page and no recording.
// Screenshots of each page go to test-output/screenshots/.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendPaths, type TurnReport } from '../../../media/contract/backend.js';
import { openBrowser, screenshot, withFailureScreenshot, type BrowserProfile } from '../../support/browser.js';
import { postInternal } from '../../support/internal-call.js';
import { createBusiness, startSystem, type TestSystem } from '../../support/test-system.js';
import { OPERATOR_TOKEN, createStaffAccount, insertCall, type StaffAccount } from '../../support/staff-api.js';
import { waitFor } from '../../kit/wait.js';

const NUMBER_A = '+19863334949';
const NUMBER_B = '+19863330000';
const KNOWN_CALLER = '+15551239876';
const LIVE_CALLER = '+15557770123';
const RECORDING_SECONDS = 2;
const SAMPLE_RATE = 8000;

let system: TestSystem;
let recordingsDir: string;
let dana: StaffAccount;
let bo: StaffAccount;
let recordedCallId: string;
let browser: BrowserProfile;

/** A 16-bit mono PCM WAV (RIFF) of a 440 Hz tone. */
function toneWav(seconds: number, sampleRate: number): Buffer {
  const samples = seconds * sampleRate;
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(sampleRate, 24);
  wav.writeUInt32LE(sampleRate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i += 1) {
    wav.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / sampleRate)), 44 + i * 2);
  }
  return wav;
}

async function seedCalls(businessId: string): Promise<void> {
  const base = Date.now() - 3 * 3600_000;
  recordedCallId = await insertCall(system.prisma, businessId, {
    createdAt: new Date(base),
    from: KNOWN_CALLER,
    turns: [
      'Thanks for calling Acme Dental. How can I help?',
      'Hi, I need to move my cleaning to next week.',
      'Of course. We have Tuesday at ten or Thursday at',
      'Tuesday at ten works.',
      'Done: Tuesday at ten. Anything else?',
    ],
  });
  await system.prisma.callTurn.updateMany({ where: { callId: recordedCallId, seq: 2 }, data: { interrupted: true } });
  await system.prisma.callTurn.updateMany({
    where: { callId: recordedCallId, seq: { in: [2, 4] } },
    data: { sttFinalMs: 190, llmFirstTokenMs: 410, ttsFirstAudioMs: 620, voiceToVoiceMs: 880 },
  });
  await system.prisma.callMessage.create({
    data: { callId: recordedCallId, callerName: 'Sam Lee', callbackNumber: KNOWN_CALLER, reason: 'Wants a reminder the day before.' },
  });
  const month = join(recordingsDir, businessId, '2026', '03');
  await mkdir(month, { recursive: true });
  const path = join(month, `${recordedCallId}.wav`);
  await writeFile(path, toneWav(RECORDING_SECONDS, SAMPLE_RATE));
  await system.prisma.callLog.update({ where: { id: recordedCallId }, data: { recordingPath: path } });

  const failed = await insertCall(system.prisma, businessId, { createdAt: new Date(base + 600_000), from: '+15550001111', status: 'failed' });
  await system.prisma.callLog.update({ where: { id: failed }, data: { error: 'the media gateway refused the call (503)' } });
  await insertCall(system.prisma, businessId, {
    createdAt: new Date(base + 1_200_000),
    from: '+15550002222',
    status: 'transferred',
    turns: ['Thanks for calling Acme Dental.', 'Can I talk to a person about my bill?'],
  });
}

async function signIn(profile: BrowserProfile, account: StaffAccount): Promise<void> {
  const { page } = profile;
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname !== '/login');
}

beforeAll(async () => {
  recordingsDir = await mkdtemp(join(tmpdir(), 'console-browser-recordings-'));
  system = await startSystem({ backendEnv: { RECORDINGS_DIR: recordingsDir, OPERATOR_TOKEN } });
  await system.waitReady();
  const businessA = await createBusiness(system.prisma, 'Acme Dental', [NUMBER_A]);
  const businessB = await createBusiness(system.prisma, 'Other Co', [NUMBER_B]);
  dana = await createStaffAccount(system.prisma, businessA, { email: 'dana@acme.example', displayName: 'Dana' });
  bo = await createStaffAccount(system.prisma, businessB, { email: 'bo@other.example', displayName: 'Bo' });
  await seedCalls(businessA);
  browser = await openBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
  await rm(recordingsDir, { recursive: true, force: true });
});

describe('the staff console in a browser', () => {
  it('signs in and shows the call list, on a desktop and on a phone', async () => {
    const { page } = browser;
    await withFailureScreenshot(page, 'sign-in-and-list', async () => {
      await page.goto(`${system.backend.url}/calls`);
      expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/login?next=%2Fcalls');
      await expect.poll(() => page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
      await screenshot(page, 'login');

      await signIn(browser, dana);
      await page.getByRole('heading', { name: 'Calls' }).waitFor();
      await page.getByRole('cell', { name: KNOWN_CALLER }).waitFor();
      expect(await page.getByRole('row').count()).toBe(4); // header + three calls
      await expect.poll(() => page.getByText('Hi, I need to move my cleaning to next week.').isVisible()).toBe(true);
      await page.locator('table.calls .badge-bad', { hasText: 'Failed' }).waitFor();
      await screenshot(page, 'list');

      await page.setViewportSize({ width: 390, height: 844 });
      await page.getByRole('cell', { name: KNOWN_CALLER }).waitFor();
      await screenshot(page, 'list-mobile');
      await page.setViewportSize({ width: 1280, height: 800 });
      expect(browser.errors).toEqual([]);
    });
  });

  it('applies a filter as soon as a select changes', async () => {
    const { page } = browser;
    await withFailureScreenshot(page, 'filter', async () => {
      await page.getByLabel('Status').selectOption('failed');
      await page.waitForURL((url) => url.searchParams.get('status') === 'failed');
      await page.getByRole('cell', { name: '+15550001111' }).waitFor();
      expect(await page.getByRole('cell', { name: KNOWN_CALLER }).count()).toBe(0);
      await page.getByRole('link', { name: 'Clear' }).click();
      await page.getByRole('cell', { name: KNOWN_CALLER }).waitFor();
    });
  });

  it('opens a call: the transcript, the interruption, and the recording loaded with a 206', async () => {
    const { page } = browser;
    await withFailureScreenshot(page, 'detail', async () => {
      const recordingAnswers: Response[] = [];
      const onResponse = (response: Response) => {
        if (new URL(response.url()).pathname === `/api/calls/${recordedCallId}/recording`) recordingAnswers.push(response);
      };
      page.on('response', onResponse);
      try {
        await page.locator(`a[href="/calls/${recordedCallId}"]`).click();
        await page.waitForURL((url) => url.pathname === `/calls/${recordedCallId}`);
        await page.getByRole('heading', { name: `Call from ${KNOWN_CALLER}` }).waitFor();
        await page.getByText('Hi, I need to move my cleaning to next week.').waitFor();
        await page.getByText('Of course. We have Tuesday at ten or Thursday at').waitFor();
        await page.getByText('Interrupted by the caller').waitFor();
        expect(await page.locator('.turn-interrupted').count()).toBe(1);
        // Latency figures are behind a "Details" toggle.
        await page.locator('.turn-agent .latency-details summary').first().click();
        expect(await page.locator('.turn-agent .latency').first().innerText()).toContain('880 ms');
        await page.getByText('Wants a reminder the day before.').waitFor();

        await waitFor(() => recordingAnswers.find((response) => response.status() === 206), { what: 'a 206 answer for the recording' });
        const partial = recordingAnswers.find((response) => response.status() === 206)!;
        expect(partial.headers()['content-type']).toBe('audio/wav');
        expect(partial.headers()['content-range']).toMatch(/^bytes 0-\d+\/32044$/);
        // The browser decoded the file: its duration is known.
        await page.waitForFunction('document.querySelector("audio").readyState >= 1');
        const duration = Number(await page.evaluate('document.querySelector("audio").duration'));
        expect(duration).toBeCloseTo(RECORDING_SECONDS, 1);
        await screenshot(page, 'detail');
        await page.emulateMedia({ colorScheme: 'dark' });
        await screenshot(page, 'detail-dark');
        await page.emulateMedia({ colorScheme: 'light' });
        expect(browser.errors).toEqual([]);
      } finally {
        page.off('response', onResponse);
      }
    });
  });

  it('follows a call placed through ARI on the live page without reloading', async () => {
    const { page } = browser;
    await withFailureScreenshot(page, 'live', async () => {
      await page.getByRole('link', { name: 'Live' }).click();
      await page.waitForURL((url) => url.pathname === '/live');
      await page.getByText('No calls in progress.').waitFor();
      await page.getByText('Updating live.').waitFor();
      await page.evaluate('window.consoleTestMarker = "same page"');

      const call = system.fake.placeCall({ from: LIVE_CALLER, to: NUMBER_A });
      const row = await waitFor(
        async () => {
          const found = await system.prisma.callLog.findUnique({ where: { channelId: call.channelId } });
          return found?.bridgeId ? found : null;
        },
        { what: 'the call to be connected' },
      );
      try {
        const liveRow = page.locator(`tr[data-call-id="${row.id}"]`);
        await liveRow.getByRole('link', { name: LIVE_CALLER }).waitFor();
        const duration = liveRow.locator('[data-role="duration"]');
        const firstDuration = await duration.innerText();
        await expect.poll(() => duration.innerText(), { timeout: 5_000 }).not.toBe(firstDuration);

        const turn: TurnReport = {
          seq: 1,
          role: 'caller',
          text: 'Is the office open on Saturday?',
          startedAt: new Date().toISOString(),
          endedAt: new Date().toISOString(),
          interrupted: false,
          latency: null,
        };
        expect((await postInternal(system, backendPaths.turns(row.id), turn)).status).toBe(204);
        await liveRow.getByText('Is the office open on Saturday?').waitFor();
        expect(await liveRow.locator('[data-role="last-turn"]').innerText()).toBe('Caller: Is the office open on Saturday?');
        await screenshot(page, 'live');
      } finally {
        system.fake.hangupCaller(call.channelId);
      }
      await page.locator(`tr[data-call-id="${row.id}"]`).waitFor({ state: 'detached' });
      await page.getByText('No calls in progress.').waitFor();
      expect(await page.evaluate('window.consoleTestMarker')).toBe('same page');
      expect(browser.errors).toEqual([]);
    });
  });

  it('signs out', async () => {
    const { page } = browser;
    await withFailureScreenshot(page, 'sign-out', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL((url) => url.pathname === '/login');
      await page.goto(`${system.backend.url}/calls/${recordedCallId}`);
      expect(new URL(page.url()).pathname).toBe('/login');
      const recording = await page.goto(`${system.backend.url}/api/calls/${recordedCallId}/recording`);
      expect(recording?.status()).toBe(401);
    });
  });

  it('shows another business’s user the 404 page and no recording', async () => {
    const other = await openBrowser();
    try {
      await withFailureScreenshot(other.page, 'other-business', async () => {
        await other.page.goto(`${system.backend.url}/login`);
        await signIn(other, bo);
        expect(new URL(other.page.url()).pathname).toBe('/dashboard');
        await other.page.goto(`${system.backend.url}/calls`);
        await other.page.getByText('No calls yet.').waitFor();
        expect(await other.page.getByText(KNOWN_CALLER).count()).toBe(0);

        const detail = await other.page.goto(`${system.backend.url}/calls/${recordedCallId}`);
        expect(detail?.status()).toBe(404);
        await other.page.getByRole('heading', { name: 'Page not found' }).waitFor();
        expect(await other.page.getByText('Tuesday at ten').count()).toBe(0);
        await screenshot(other.page, 'other-business-404');

        const recording = await other.page.goto(`${system.backend.url}/api/calls/${recordedCallId}/recording`);
        expect(recording?.status()).toBe(404);
      });
    } finally {
      await other.close();
    }
  });

  it('shows the operator the platform after the operator token, and the calls in progress', async () => {
    const operator = await openBrowser();
    const call = system.fake.placeCall({ from: LIVE_CALLER, to: NUMBER_A });
    try {
      await withFailureScreenshot(operator.page, 'operator', async () => {
        const { page } = operator;
        await page.goto(`${system.backend.url}/operator`);
        await page.waitForURL((url) => url.pathname === '/operator/login');
        await page.getByLabel('Operator token').fill('not-the-token');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByText('That is not the operator token.').waitFor();
        await page.getByLabel('Operator token').fill(OPERATOR_TOKEN);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL((url) => url.pathname === '/operator');
        await page.getByRole('heading', { name: 'Platform' }).waitFor();
        await page.getByText('Asterisk (ARI connection and Stasis application)').waitFor();
        await waitFor(async () => {
          await page.reload();
          return (await page.getByRole('cell', { name: LIVE_CALLER }).count()) === 1 ? true : null;
        }, { what: 'the call in progress on the operator view', intervalMs: 200 });
        await page.getByRole('cell', { name: 'Acme Dental' }).waitFor();
        await screenshot(page, 'operator');
        // The operator cookie is no staff session.
        await page.goto(`${system.backend.url}/calls`);
        expect(new URL(page.url()).pathname).toBe('/login');
        // Only the wrong token's 401 answer: no CSP violation, no script error.
        expect(operator.errors).toEqual(['Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
      });
    } finally {
      system.fake.hangupCaller(call.channelId);
      await operator.close();
    }
  });
});
