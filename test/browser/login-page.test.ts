// The login page loads what it needs and nothing else, in real Chromium against a real server serving
// the built client (dist/client): a fresh profile opening /login fetches no script of the dashboard and
// logs no console error, every script is still precached for offline use, and logging in through the
// form then brings the dashboard with its truck panels.
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchProfile, panel, type Profile } from '../support/browser';
import { REPO_ROOT, startServer, type RunningServer } from '../support/server';

/** The static root the server serves by default: `npm run build` writes it. */
const CLIENT = path.join(REPO_ROOT, 'dist/client');
/** Bound on every wait for something the browser does on its own. */
const WAIT_MS = 30_000;
/**
 * Time given to /login once its service worker controls it, for whatever else it fetches on its own.
 * Not Playwright's `networkidle`: a fetch whose body the page never reads (the 401 of a session check)
 * never finishes for it.
 */
const SETTLE_MS = 2_000;

/**
 * What marks a built script as the dashboard's: the elements it defines, the hub client (the Web Lock
 * a tab holds for its life) and idb (which only the hub and the stored view use). Minifiers pick any
 * quote for a string, so any is accepted.
 */
const DASHBOARD_MARKERS: readonly { what: string; pattern: RegExp }[] = [
  { what: '<fleet-dashboard>', pattern: /customElements\.define\(["'`]fleet-dashboard["'`]/ },
  { what: '<truck-panel>', pattern: /customElements\.define\(["'`]truck-panel["'`]/ },
  { what: 'the hub client', pattern: /fleetwire-tab:/ },
  { what: 'idb', pattern: /["'`]upgradeneeded["'`]/ },
];

/** The built scripts that carry dashboard code, by path ("/assets/x-abc.js"), with what each carries. */
async function dashboardChunks(): Promise<Map<string, string[]>> {
  const chunks = new Map<string, string[]>();
  const assets = path.join(CLIENT, 'assets');
  for (const file of await readdir(assets)) {
    if (!file.endsWith('.js')) continue;
    const code = await readFile(path.join(assets, file), 'utf8');
    const found = DASHBOARD_MARKERS.filter((m) => m.pattern.test(code)).map((m) => m.what);
    if (found.length) chunks.set(`/assets/${file}`, found);
  }
  return chunks;
}

/** Every built script, by path. */
async function builtScripts(): Promise<string[]> {
  return (await readdir(path.join(CLIENT, 'assets'))).filter((f) => f.endsWith('.js')).map((f) => `/assets/${f}`);
}

/** What a page fetched and logged, from the moment it was opened. */
interface Watched {
  scripts: string[];
  errors: string[];
}

function watch(page: Page): Watched {
  const watched: Watched = { scripts: [], errors: [] };
  page.on('request', (request) => {
    const url = new URL(request.url());
    // Module scripts and their preloads; the service worker's own precaching is not the page's load.
    if (request.resourceType() === 'script' || url.pathname.endsWith('.js')) watched.scripts.push(url.pathname);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') watched.errors.push(`console error: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => watched.errors.push(`page error: ${error.message}`));
  return watched;
}

let server: RunningServer;
let profiles: Profile[] = [];

beforeAll(async () => {
  if (!existsSync(path.join(CLIENT, 'index.html'))) throw new Error('dist/client is not built: run `npm run build` first');
  server = await startServer();
});

afterEach(async () => {
  for (const p of profiles) await p.close();
  profiles = [];
});

afterAll(async () => {
  await server?.stop();
});

describe('the login page', () => {
  it('loads no dashboard script and logs no console error; logging in through the form then shows the truck panels', async () => {
    const dashboard = await dashboardChunks();
    // The markers must find the dashboard somewhere, or the check below would pass on any build.
    for (const marker of DASHBOARD_MARKERS) expect([...dashboard.values()].flat(), `a built script with ${marker.what}`).toContain(marker.what);

    const p = await launchProfile();
    profiles.push(p);
    const page = await p.context.newPage();
    const watched = watch(page);
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Username').waitFor({ timeout: WAIT_MS });
    await page.getByText('Demo accounts').waitFor({ timeout: WAIT_MS });
    // Installed and controlling: everything the page and its service worker fetch on their own is asked.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: WAIT_MS });
    await page.waitForTimeout(SETTLE_MS);

    const loaded = [...new Set(watched.scripts)];
    expect(loaded.length, 'scripts /login loaded').toBeGreaterThan(0);
    const dashboardLoaded = loaded.filter((s) => dashboard.has(s)).map((s) => `${s} (${dashboard.get(s)!.join(', ')})`);
    expect(dashboardLoaded, 'dashboard scripts /login loaded').toEqual([]);
    expect(watched.errors, 'console errors on /login').toEqual([]);

    // Offline use still has every script: the service worker precached the chunks /login never asked for.
    const cached = await page.evaluate(async () => {
      const paths: string[] = [];
      for (const name of await caches.keys()) {
        for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
      }
      return paths;
    });
    const missing = (await builtScripts()).filter((s) => !cached.includes(s));
    expect(missing, 'built scripts the service worker did not precache').toEqual([]);

    const before = watched.scripts.length;
    await page.getByLabel('Username').fill('ana');
    await page.getByLabel('Password').fill('fleetwire');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((url) => url.pathname === '/', { timeout: WAIT_MS });
    await panel(page, 'acme-01').waitFor({ timeout: WAIT_MS });
    expect(await page.locator('truck-panel').count()).toBeGreaterThanOrEqual(20);
    await page.getByText('acme', { exact: true }).first().waitFor({ timeout: WAIT_MS });
    // The dashboard's code came after the login, as chunks the markers recognise.
    expect(watched.scripts.slice(before).filter((s) => dashboard.has(s)).length, 'dashboard scripts loaded after login').toBeGreaterThan(0);
    expect(watched.errors, 'console errors from /login to the dashboard').toEqual([]);
  });
});
