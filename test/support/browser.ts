// Real Chromium for browser tests: Debian's build through playwright-core, never a downloaded one.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { FleetClientApi } from '../../src/client/api';
import { compareEventIds } from '../../src/shared/events';

/** Chromium flags for this machine: no sandbox as root, no background traffic to a closed network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where Chromium lives; CHROMIUM_PATH overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Every profile's user-data-dir starts so in the temporary directory: its processes can be told apart. */
export const PROFILE_DIR_PREFIX = 'fleetwire-chromium-';

/** What a window emulates: its size and, for a phone, pixel ratio and touch. */
export interface Device {
  viewport: { width: number; height: number };
  deviceScaleFactor?: number;
  isMobile?: boolean;
  hasTouch?: boolean;
}

/** The desktop window every test opens by default. */
export const DESKTOP: Device = { viewport: { width: 1280, height: 800 } };

/** A 412 px phone (Lighthouse's mobile screen: a Moto G Power class device). */
export const PHONE: Device = { viewport: { width: 412, height: 915 }, deviceScaleFactor: 2.6, isMobile: true, hasTouch: true };

/** A browser profile: a persistent context on a fresh user-data-dir, as an operator's browser is. */
export interface Profile {
  context: BrowserContext;
  /** The user-data-dir: identifies this profile's Chromium processes. */
  dir: string;
  close(): Promise<void>;
}

/**
 * Launches Chromium with a fresh profile; `initScript` runs in every page before the app (a
 * function, or script text), `args` are Chromium flags beyond CHROMIUM_ARGS, `device` what every
 * page emulates (DESKTOP unless told).
 */
export async function launchProfile(options: { initScript?: (() => void) | string; args?: string[]; device?: Device } = {}): Promise<Profile> {
  const dir = await mkdtemp(join(tmpdir(), PROFILE_DIR_PREFIX));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
    ...(options.device ?? DESKTOP),
  });
  if (options.initScript) await context.addInitScript(options.initScript);
  return {
    context,
    dir,
    async close() {
      await context.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Logs the profile in through the API (the cookie lands in the browser's cookie jar). */
export async function logIn(context: BrowserContext, baseUrl: string, username: string, password = 'fleetwire'): Promise<void> {
  const response = await context.request.post(`${baseUrl}/api/session`, { data: { username, password } });
  if (!response.ok()) throw new Error(`login as ${username} failed: ${response.status()} ${await response.text()}`);
}

/** The panel of one truck (Playwright's CSS locators pierce open shadow roots). */
export function panel(page: Page, truckId: string) {
  return page.locator(`truck-panel[truck-id="${truckId}"]`).first();
}

/**
 * Waits until the panel of a truck shows this event or a later one (what an operator sees: other
 * events of the truck, such as an alert it raised, may follow before the check runs).
 */
export async function waitForPainted(page: Page, truckId: string, eventId: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen: string | null = null;
  while (Date.now() < deadline) {
    seen = await panel(page, truckId).getAttribute('data-last-event', { timeout: deadline - Date.now() }).catch(() => null);
    if (seen !== null && compareEventIds(seen, eventId) >= 0) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`truck-panel ${truckId} on ${page.url()} painted ${seen ?? 'nothing'}, expected ${eventId} or later`);
}

/** Runs `fn` in the page with the tab's FleetClient (`window.fleetwire`) and returns its result. */
export function client<T>(page: Page, fn: (fleetwire: FleetClientApi) => T | Promise<T>): Promise<T> {
  return page.evaluate(`(${fn.toString()})(window.fleetwire)`) as Promise<T>;
}

/** Polls `check` until it holds; fails naming `what` after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs: number, pollMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Waits until no SharedWorker runs in the browser: every fleetwire window is closed and the hub has
 * ended, so the next window starts a new one.
 */
export async function waitForHubEnded(context: BrowserContext, timeoutMs: number): Promise<void> {
  const cdp = await context.browser()!.newBrowserCDPSession();
  try {
    await eventually(
      async () => {
        const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { type: string }[] };
        return !targetInfos.some((t) => t.type === 'shared_worker');
      },
      'the hub’s SharedWorker to end',
      timeoutMs,
    );
  } finally {
    await cdp.detach();
  }
}

/** Opens a page of the app in the profile and waits until its client is connected to the hub. */
export async function openApp(context: BrowserContext, url: string, timeoutMs: number): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.fleetwire?.ready === true, undefined, { timeout: timeoutMs });
  return page;
}

/**
 * Opens an empty page in a popup window of its own, as "Open in new window" does. Headless Chromium
 * draws only the active tab of a window and throttles the frames of its other tabs to one per
 * second while they keep changing, where a real browser hides them: a page that must keep painting
 * (a truck window beside the dashboard) needs a window. Popups, not normal windows: a normal
 * window also renders the browser's own toolbar, a renderer of its own that is not fleetwire's work.
 */
export async function newWindow(context: BrowserContext, size = { width: 1280, height: 800 }): Promise<Page> {
  const opener = context.pages()[0] ?? (await context.newPage());
  const [page] = await Promise.all([
    context.waitForEvent('page'),
    opener.evaluate(
      ({ width, height }) => void window.open('about:blank', '_blank', `popup,noopener,width=${width},height=${height}`),
      size,
    ),
  ]);
  await page.setViewportSize(size);
  return page;
}
