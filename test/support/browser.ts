// Headless Chromium for the console's browser tests: playwright-core driving
// the machine's Chromium (Debian's package; .ci/run installs it), never a
// downloaded browser. Each profile is a fresh user-data-dir, removed on close,
// so no cookie or cache crosses tests or users.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

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

/** A fresh Chromium profile with one page open. */
export async function openBrowser(options: { viewport?: { width: number; height: number } } = {}): Promise<BrowserProfile> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium is not installed at ${executablePath}: install Debian's "chromium" package (.ci/run does) or set CHROMIUM_PATH to a Chromium binary`,
    );
  }
  const userDataDir = await mkdtemp(join(tmpdir(), 'console-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: options.viewport ?? { width: 1280, height: 800 },
    });
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  let closing: Promise<void> | null = null;
  return {
    context,
    page,
    errors,
    close: () => {
      closing ??= (async () => {
        await context.close();
        await rm(userDataDir, { recursive: true, force: true });
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
