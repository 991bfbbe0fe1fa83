// The Content Security Policy allows styles from fleetwire's own files only (no 'unsafe-inline'),
// and every page works under it in real Chromium: the login form, the dashboard with its map (WebGL
// and the simple SVG one), a truck window and the admin page, with no violation reported and no
// error on the console, and the inline values the components set (progress bars, the reefer gauge)
// applied through CSSOM.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, launchProfile, panel, waitForPainted, type Profile } from '../support/browser';
import { REPO_ROOT, ingest, startServer, type RunningServer } from '../support/server';

const WAIT_MS = 30_000;
/** Where the dashboard's screenshot goes, for a person to look at (git-ignored). */
const SCREENSHOT = path.join(REPO_ROOT, '.tmp/csp-dashboard.png');

let server: RunningServer;
let profiles: Profile[] = [];

interface Violation {
  directive: string;
  blocked: string;
  sample: string;
  where: string;
}

declare global {
  interface Window {
    __cspViolations?: Violation[];
  }
}

/** Runs before the app in every page: keeps every CSP violation the document hears. */
function recordViolations(): void {
  const seen: Violation[] = [];
  window.__cspViolations = seen;
  document.addEventListener(
    'securitypolicyviolation',
    (e) => seen.push({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample, where: `${e.sourceFile}:${e.lineNumber}` }),
    true,
  );
}

/** Console errors, page errors and CSP reports of the pages watched, by page. */
const problems: string[] = [];

function watch(page: Page, name: string): Page {
  page.on('console', (m) => {
    // The login page asks /api/me who is logged in: nobody yet, 401, which Chromium logs.
    if (/status of 401/.test(m.text()) && new URL(m.location().url).pathname === '/api/me') return;
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`${name} console ${m.type()}: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`${name} page error: ${error.message}`));
  return page;
}

async function violations(page: Page): Promise<Violation[]> {
  return page.evaluate(() => window.__cspViolations ?? []);
}

async function profile(args: string[] = []): Promise<Profile> {
  const p = await launchProfile({ initScript: recordViolations, args });
  profiles.push(p);
  return p;
}

/** Logs in through the login page, as a person does; resolves on the dashboard. */
async function logInThroughForm(page: Page): Promise<void> {
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Username').fill('ana');
  await page.getByLabel('Password').fill('fleetwire');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => url.pathname === '/', { timeout: WAIT_MS });
  await page.waitForFunction(() => window.fleetwire?.ready === true, undefined, { timeout: WAIT_MS });
}

/** The inline values a panel set (progress bar, reefer gauge), against what they should be. */
async function inlineStyles(page: Page, truckId: string) {
  return panel(page, truckId).evaluate((el) => {
    const root = el.shadowRoot!;
    const progress = root.querySelector('[role="progressbar"]');
    const bar = root.querySelector<HTMLElement>('.bar');
    const band = root.querySelector<HTMLElement>('.gauge .band');
    return {
      progress: progress ? `${progress.getAttribute('aria-valuenow')}%` : null,
      barWidth: bar?.style.width ?? null,
      bandWidth: band?.style.width ?? null,
      bandLeft: band?.style.left ?? null,
      cardRadius: getComputedStyle(root.querySelector('article')!).borderTopLeftRadius,
    };
  });
}

beforeAll(async () => {
  server = await startServer();
  // A dry truck and a reefer truck (every third), with a reading out of band on the reefer.
  const ts = Date.now() - 60_000;
  await ingest(server.url, 'demo-acme', [
    { truckId: 'acme-01', ts, lat: 51.92, lon: 4.48, speedKph: 70, headingDeg: 90 },
    { truckId: 'acme-03', ts, lat: 52.37, lon: 4.9, speedKph: 60, headingDeg: 180, reeferTempC: 9 },
  ]);
});

afterEach(async () => {
  for (const p of profiles) await p.close();
  profiles = [];
  problems.length = 0;
});

afterAll(async () => {
  await server?.stop();
});

describe('content security policy', () => {
  it('allows no inline style: the header says so, and login, dashboard, truck window and admin page run under it without a violation', async () => {
    const p = await profile();
    const page = watch(await p.context.newPage(), 'dashboard');
    const response = await page.goto(`${server.url}/login`);
    const csp = response?.headers()['content-security-policy'] ?? '';
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values] as const));
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(csp).not.toContain("'unsafe-inline'");
    await page.getByLabel('Username').waitFor({ timeout: WAIT_MS });
    expect(await violations(page)).toEqual([]);

    await logInThroughForm(page);
    await waitForPainted(page, 'acme-03', '0-0');
    await page.locator('fleet-map[data-basemap="outlines"]').waitFor({ timeout: WAIT_MS });
    expect(await page.locator('fleet-map').getAttribute('data-mode')).toBe('webgl');
    // Alerts, a map redraw and a repaint or two: whatever the page does in its first seconds.
    await page.waitForTimeout(2_000);

    // What the panels set inline is applied (a refused style attribute would leave it empty).
    for (const truckId of ['acme-01', 'acme-03']) {
      const styles = await inlineStyles(page, truckId);
      expect(styles.progress, truckId).not.toBeNull();
      expect(styles.barWidth, truckId).toBe(styles.progress);
      expect(styles.cardRadius, truckId).not.toBe('0px');
    }
    const reefer = await inlineStyles(page, 'acme-03');
    expect(reefer.bandWidth).toMatch(/^\d+(\.\d+)?%$/);
    expect(reefer.bandLeft).toMatch(/^\d+(\.\d+)?%$/);

    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: false });
    await panel(page, 'acme-03').screenshot({ path: SCREENSHOT.replace('.png', '-acme-03.png') });

    // The truck window: the route map and the charts.
    const truck = watch(await p.context.newPage(), 'truck window');
    await truck.goto(`${server.url}/trucks/acme-03`);
    await truck.locator('truck-page[data-history-source="server"]').waitFor({ timeout: WAIT_MS });
    await truck.waitForTimeout(1_500);
    expect((await inlineStyles(truck, 'acme-03')).barWidth).toMatch(/%$/);

    // The admin page: loaded with a dynamic import, a form per section.
    const admin = watch(await p.context.newPage(), 'admin');
    await admin.goto(`${server.url}/admin`);
    await admin.locator('admin-operators tbody tr').first().waitFor({ timeout: WAIT_MS });
    await admin.locator('admin-device-keys').waitFor({ timeout: WAIT_MS });
    await admin.waitForTimeout(1_000);

    const found = { dashboard: await violations(page), truck: await violations(truck), admin: await violations(admin) };
    expect(found).toEqual({ dashboard: [], truck: [], admin: [] });
    expect(problems).toEqual([]);
  });

  it('the simple map (no WebGL) runs under it too', async () => {
    const p = await profile(['--disable-3d-apis']);
    const page = watch(await p.context.newPage(), 'svg map');
    await logInThroughForm(page);
    await page.locator('fleet-map[data-mode="svg"] .mark').first().waitFor({ timeout: WAIT_MS });
    await eventually(async () => (await page.locator('fleet-map .mark').count()) >= 2, 'both trucks on the simple map', WAIT_MS);
    await page.waitForTimeout(1_000);
    expect(await violations(page)).toEqual([]);
    // The map says it is in simple mode; that is its message, not an error.
    expect(problems.filter((line) => !/WebGL|simple mode/i.test(line))).toEqual([]);
  });
});
