/**
 * Debian's Chromium, driven by playwright-core (never a downloaded browser): headless, no
 * network of its own, in a new empty profile that `close()` removes.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether Debian's Chromium is installed. */
export const hasChromium = (): boolean => existsSync(CHROMIUM);

/** A browser context in a fresh profile; `close()` ends the browser and deletes the profile. */
export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Launch Debian's Chromium headless in a new empty user-data-dir. */
export async function launchChromium(viewport = { width: 1280, height: 900 }, deviceScaleFactor = 1): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport,
      deviceScaleFactor,
      timezoneId: 'UTC',
      locale: 'en-GB',
    });
    return {
      context,
      async close() {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}
