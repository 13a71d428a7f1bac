// Headless Chromium for the console's browser tests: playwright-core driving
// the machine's Chromium (Debian's package; .ci/run installs it), never a
// downloaded browser. Each profile is a fresh browser context (its own
// cookies, storage and cache, as a separate incognito window), so nothing
// crosses tests or users; the Chromium behind them is started once per test
// file (a start costs seconds) and closed with the last profile.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where screenshots go (gitignored): <repository>/test-output/screenshots. */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));

/** Playwright's own waits fail well before the test's timeout, with a useful message. */
const ACTION_TIMEOUT_MS = 10_000;

export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

export interface BrowserProfile {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Errors the page logged (CSP violations are logged as errors) and uncaught exceptions. */
  readonly errors: string[];
  /** Idempotent. */
  close(): Promise<void>;
}

/** The Chromium shared by the open profiles, and how many are open. */
let shared: { browser: Promise<Browser>; profiles: number } | null = null;
/** A Chromium closing after its last profile; the next launch waits for it. */
let closingBrowser: Promise<void> = Promise.resolve();

async function acquireBrowser(): Promise<Browser> {
  if (!shared) {
    const executablePath = chromiumPath();
    if (!existsSync(executablePath)) {
      throw new Error(
        `Chromium is not installed at ${executablePath}: install Debian's "chromium" package (.ci/run does) or set CHROMIUM_PATH to a Chromium binary`,
      );
    }
    const launching = closingBrowser.then(() => chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS }));
    shared = { browser: launching, profiles: 0 };
    // A launch that fails is not kept: the next profile tries again.
    launching.catch(() => {
      if (shared?.browser === launching) shared = null;
    });
  }
  shared.profiles += 1;
  try {
    return await shared.browser;
  } catch (error) {
    releaseBrowser();
    throw error;
  }
}

/** One profile fewer; the last one closes Chromium. */
function releaseBrowser(): void {
  if (!shared) return;
  shared.profiles -= 1;
  if (shared.profiles > 0) return;
  const { browser } = shared;
  shared = null;
  closingBrowser = browser.then((b) => b.close()).catch(() => {});
}

/** A fresh Chromium profile with one page open. */
export async function openBrowser(options: { viewport?: { width: number; height: number } } = {}): Promise<BrowserProfile> {
  const browser = await acquireBrowser();
  let context: BrowserContext | null = null;
  let page: Page;
  try {
    context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    page = await context.newPage();
  } catch (error) {
    await context?.close().catch(() => {});
    releaseBrowser();
    throw error;
  }
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  let closing: Promise<void> | null = null;
  const opened = context;
  return {
    context: opened,
    page,
    errors,
    close: () => {
      closing ??= (async () => {
        try {
          await opened.close();
        } finally {
          releaseBrowser();
          await closingBrowser;
        }
      })();
      return closing;
    },
  };
}

/** A full-page screenshot in SCREENSHOT_DIR; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Runs `step`; when it fails, saves a screenshot named after it before rethrowing. */
export async function withFailureScreenshot(page: Page, name: string, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    await screenshot(page, `failure-${name}`).catch(() => {});
    throw error;
  }
}
