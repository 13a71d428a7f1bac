// What a business does in the console, in headless Chromium against the real
// backend (ARI fake, real PostgreSQL, a real WAV on disk): the dashboard on a
// desktop and on a 390 px phone, the CSV export as a download, a click on a
// transcript line that plays the recording from there, changing one's own
// password, a manager adding and disabling staff and reading the audit log,
// a manager adding a webhook endpoint and an HTTP tool on a phone, and the live page on a phone with a long interrupted last turn that stays
// inside its card. Screenshots go to test-output/screenshots/.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendPaths, type TurnReport } from '../../../media/contract/backend.js';
import { openBrowser, screenshot, withFailureScreenshot, type BrowserProfile } from '../../support/browser.js';
import { postInternal } from '../../support/internal-call.js';
import { createBusiness, startSystem, type TestSystem } from '../../support/test-system.js';
import { createStaffAccount, insertCall, type StaffAccount } from '../../support/staff-api.js';
import { waitFor } from '../../kit/wait.js';

const NUMBER = '+19863334949';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const SAMPLE_RATE = 8000;
const RECORDING_SECONDS = 30;

let system: TestSystem;
let recordingsDir: string;
let businessId: string;
let dana: StaffAccount;
let mia: StaffAccount;
let recordedCallId: string;
let browser: BrowserProfile;

function silentWav(seconds: number): Buffer {
  const samples = seconds * SAMPLE_RATE;
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(SAMPLE_RATE, 24);
  wav.writeUInt32LE(SAMPLE_RATE * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(samples * 2, 40);
  return wav;
}

/** A month of calls: a few a day at business hours, some transferred, failed or with a message, agent latencies. */
async function seedMonth(): Promise<void> {
  const now = Date.now();
  const statuses = ['completed', 'completed', 'completed', 'transferred', 'failed', 'abandoned'] as const;
  for (let day = 0; day < 28; day += 1) {
    for (let n = 0; n < 1 + ((day * 7) % 5); n += 1) {
      const createdAt = new Date(now - day * 86_400_000 - (n + 1) * 2_700_000);
      const id = await insertCall(system.prisma, businessId, { createdAt, status: statuses[(day + n) % statuses.length]!, turns: ['Hello, Acme Dental.', 'I need an appointment.', 'Sure.'] });
      await system.prisma.callTurn.updateMany({ where: { callId: id, role: 'agent' }, data: { voiceToVoiceMs: 600 + ((day * 37 + n * 53) % 700) } });
      if ((day + n) % 4 === 0) {
        await system.prisma.callMessage.create({ data: { callId: id, businessId, callerName: 'Caller', callbackNumber: '+15550100000', reason: ['Book a cleaning', 'Billing question', 'Book a cleaning.'][n % 3]! } });
      }
    }
  }
}

async function signIn(profile: BrowserProfile, account: StaffAccount, password = account.password): Promise<void> {
  const { page } = profile;
  await page.goto(`${system.backend.url}/login`);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/dashboard');
}

beforeAll(async () => {
  recordingsDir = await mkdtemp(join(tmpdir(), 'console-business-recordings-'));
  system = await startSystem({ backendEnv: { RECORDINGS_DIR: recordingsDir } });
  await system.waitReady();
  businessId = await createBusiness(system.prisma, 'Acme Dental', [NUMBER]);
  dana = await createStaffAccount(system.prisma, businessId, { email: 'dana@acme.example', password: 'dana-password-1234', displayName: 'Dana' });
  mia = await createStaffAccount(system.prisma, businessId, { email: 'mia@acme.example', password: 'mia-password-12345', displayName: 'Mia', role: 'manager' });
  await seedMonth();
  recordedCallId = await insertCall(system.prisma, businessId, {
    createdAt: new Date(Date.now() - 600_000),
    from: '+15551239876',
    turns: ['Thanks for calling Acme Dental.', 'Hi, I need to move my cleaning to next week.', 'Of course. Tuesday at ten?', 'Tuesday at ten works.'],
  });
  const month = join(recordingsDir, businessId, '2026', '11');
  await mkdir(month, { recursive: true });
  const path = join(month, `${recordedCallId}.wav`);
  await writeFile(path, silentWav(RECORDING_SECONDS));
  await system.prisma.callLog.update({ where: { id: recordedCallId }, data: { recordingPath: path } });
  browser = await openBrowser({ viewport: DESKTOP });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
  await rm(recordingsDir, { recursive: true, force: true });
});

describe('the console for a business, in a browser', () => {
  it('opens on the dashboard, readable on a desktop and on a 390 px phone', async () => {
    const { page } = browser;
    await withFailureScreenshot(page, 'dashboard', async () => {
      await signIn(browser, dana);
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
      await page.getByRole('img', { name: /^Calls per day over the last 30 days/ }).waitFor();
      await page.getByRole('heading', { name: 'When people call' }).waitFor();
      await page.getByRole('heading', { name: 'Agent response time' }).first().waitFor();
      await page.getByRole('heading', { name: 'Top reasons callers left messages' }).waitFor();
      expect(await page.locator('.outcomes').first().innerText()).toContain('Transferred to staff');
      expect(await page.locator('.chart-svg rect.bar').count()).toBe(30);
      expect(await page.locator('.chart-svg path.line-p50').getAttribute('d')).toMatch(/^M/);
      await screenshot(page, 'dashboard');
      await page.setViewportSize(PHONE);
      // Nothing wider than the phone: no horizontal scrolling of the page.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
      const chart = await page.locator('.chart-svg').first().boundingBox();
      expect(chart!.width).toBeGreaterThan(300);
      await screenshot(page, 'dashboard-mobile');
      await page.setViewportSize(DESKTOP);
      expect(browser.errors).toEqual([]);
    });
  });

  it('exports the filtered list as a CSV download', async () => {
    const { page } = browser;
    await withFailureScreenshot(page, 'export', async () => {
      await page.goto(`${system.backend.url}/calls?status=transferred`);
      const total = await page.locator('.total').innerText();
      expect(total).toMatch(/^\d+ calls? match these filters\.$/);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
      expect(download.suggestedFilename()).toMatch(/^calls-\d{4}-\d{2}-\d{2}\.csv$/);
      const text = await readFile(await download.path(), 'utf8');
      const rows = text.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
      expect(rows.length - 1).toBe(Number(/^\d+/.exec(total)![0]));
      expect(rows.slice(1).every((row) => row.includes(',Transferred,'))).toBe(true);
      await screenshot(page, 'calls-filtered');
    });
  });

  it('plays the recording from a transcript line', async () => {
    const { page } = browser;
    await withFailureScreenshot(page, 'seek', async () => {
      await page.goto(`${system.backend.url}/calls/${recordedCallId}`);
      await page.getByText('Times in America/New_York time.').waitFor();
      await page.waitForFunction('document.querySelector("audio").readyState >= 1');
      const seek = page.getByRole('button', { name: 'Play the recording from 0:15' });
      await seek.click();
      await page.waitForFunction('document.querySelector("audio").currentTime >= 14.9');
      expect(Number(await page.evaluate('document.querySelector("audio").currentTime'))).toBeLessThan(RECORDING_SECONDS);
      await screenshot(page, 'call-seek');
      expect(browser.errors).toEqual([]);
    });
  });

  it('changes one’s own password (a common one refused first)', async () => {
    const profile = await openBrowser({ viewport: DESKTOP });
    const erin = await createStaffAccount(system.prisma, businessId, { email: 'erin@acme.example', password: 'erin-password-1234', displayName: 'Erin' });
    try {
      const { page } = profile;
      await withFailureScreenshot(page, 'password', async () => {
        await signIn(profile, erin);
        await page.getByRole('link', { name: 'Erin' }).click();
        await page.getByRole('heading', { name: 'Your account' }).waitFor();
        await page.getByText('This browser').waitFor();
        await page.getByLabel('Current password').fill(erin.password);
        await page.getByLabel('New password', { exact: true }).fill('password1234');
        await page.getByLabel('New password again').fill('password1234');
        await page.getByRole('button', { name: 'Change password' }).click();
        await page.getByText(/is too common/).waitFor();
        await screenshot(page, 'password-refused');
        await page.getByLabel('Current password').fill(erin.password);
        await page.getByLabel('New password', { exact: true }).fill('tulips in the rain at noon');
        await page.getByLabel('New password again').fill('tulips in the rain at noon');
        await page.getByRole('button', { name: 'Change password' }).click();
        await page.getByText('Your password was changed.').waitFor();
        await screenshot(page, 'password-changed');
      });
      const again = await openBrowser();
      try {
        await signIn(again, erin, 'tulips in the rain at noon');
      } finally {
        await again.close();
      }
    } finally {
      await profile.close();
    }
  });

  it('lets a manager add and disable staff, and read the audit log', async () => {
    const profile = await openBrowser({ viewport: DESKTOP });
    try {
      const { page } = profile;
      await withFailureScreenshot(page, 'manager', async () => {
        await signIn(profile, mia);
        await page.getByRole('link', { name: 'Team' }).click();
        await page.getByLabel('Name', { exact: true }).fill('Noa');
        await page.getByLabel('Email', { exact: true }).fill('noa@acme.example');
        await page.getByLabel('First password').fill('a long first password');
        await page.getByRole('button', { name: 'Add account' }).click();
        await page.getByText('The account was created.').waitFor();
        const row = page.getByRole('row', { name: /noa@acme\.example/ });
        await row.getByRole('button', { name: 'Disable' }).click();
        await page.getByText('The account was disabled and its sessions ended.').waitFor();
        await page.getByRole('row', { name: /noa@acme\.example/ }).getByText('Disabled').waitFor();
        await screenshot(page, 'team');
        await page.getByRole('link', { name: 'Audit log' }).click();
        await page.getByText('Added a staff account').waitFor();
        await page.getByText('Disabled a staff account').waitFor();
        await screenshot(page, 'audit-log');
        await page.getByRole('link', { name: 'Settings' }).click();
        await page.getByLabel('Keep recordings for (days)').fill('90');
        await page.getByRole('button', { name: 'Save' }).click();
        await page.getByText('The settings were saved.').waitFor();
        await screenshot(page, 'settings');
        expect(profile.errors).toEqual([]);
      });
    } finally {
      await profile.close();
    }
  });

  it('lets a manager add a webhook endpoint and an HTTP tool on a 390 px phone and see their secrets', async () => {
    const phone = await openBrowser({ viewport: PHONE });
    try {
      const { page } = phone;
      await withFailureScreenshot(page, 'integrations-mobile', async () => {
        await signIn(phone, mia);
        await page.getByRole('link', { name: 'Integrations' }).click();
        await page.getByRole('heading', { name: 'Add an endpoint' }).waitFor();
        await page.getByLabel('URL').fill('https://93.184.216.34/hooks/phone');
        for (const event of ['call.started', 'call.ended', 'call.transferred']) await page.getByRole('checkbox', { name: new RegExp(event.replace('.', '\\.')) }).uncheck();
        await page.getByRole('button', { name: 'Add endpoint' }).click();
        await page.getByRole('heading', { name: 'Endpoint added: its signing secret' }).waitFor();
        expect(await page.locator('#shown-secret').innerText()).toMatch(/^whsec_/);
        expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
        await screenshot(page, 'webhooks-mobile');
        await page.getByRole('link', { name: 'Tools and MCP servers' }).click();
        await page.getByLabel('Name the agent calls it by').fill('lookup_order');
        await page.getByLabel('What it does and when to use it (the agent reads this)').fill('Finds an order by the number the caller gives.');
        await page.locator('#add-tool-url').fill('https://93.184.216.34/orders');
        await page.getByRole('button', { name: 'Add tool' }).click();
        await page.getByRole('heading', { name: 'Tool added: its signing secret' }).waitFor();
        await page.getByRole('cell', { name: /lookup_order/ }).first().waitFor();
        expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
        await screenshot(page, 'tools-mobile');
        expect(await system.prisma.webhookEndpoint.count({ where: { businessId, events: { equals: ['message.taken'] } } })).toBe(1);
        expect(await system.prisma.httpTool.count({ where: { businessId, name: 'lookup_order' } })).toBe(1);
        expect(phone.errors).toEqual([]);
      });
    } finally {
      await phone.close();
    }
  }, 90_000);

  it('keeps a long interrupted last turn inside its card on the live page at 390 px', async () => {
    const phone = await openBrowser({ viewport: PHONE });
    const call = system.fake.placeCall({ from: '+15557770123', to: NUMBER });
    try {
      const { page } = phone;
      await withFailureScreenshot(page, 'live-mobile', async () => {
        await signIn(phone, dana);
        await page.goto(`${system.backend.url}/live`);
        await page.getByText('Updating live.').waitFor();
        const row = await waitFor(async () => {
          const found = await system.prisma.callLog.findUnique({ where: { channelId: call.channelId } });
          return found?.bridgeId ? found : null;
        }, { what: 'the call to be connected' });
        const turn: TurnReport = {
          seq: 1,
          role: 'agent',
          text: 'We are open Monday to Friday from eight in the morning until six in the evening, and on Saturdays from nine until',
          startedAt: new Date().toISOString(),
          endedAt: new Date().toISOString(),
          interrupted: true,
          latency: null,
        };
        expect((await postInternal(system, backendPaths.turns(row.id), turn)).status).toBe(204);
        const cell = page.locator(`tr[data-call-id="${row.id}"] [data-role="last-turn"]`);
        await cell.getByText('(interrupted)').waitFor();
        const card = (await page.locator(`tr[data-call-id="${row.id}"]`).boundingBox())!;
        const cellBox = (await cell.boundingBox())!;
        const marker = (await cell.locator('em').boundingBox())!;
        // The text gets the card's width beside its label, and everything stays inside the card.
        expect(cellBox.width).toBeGreaterThan(card.width * 0.9);
        expect(marker.x + marker.width).toBeLessThanOrEqual(card.x + card.width + 0.5);
        expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
        await screenshot(page, 'live-mobile');
        expect(phone.errors).toEqual([]);
      });
    } finally {
      system.fake.hangupCaller(call.channelId);
      await phone.close();
    }
  });
});
