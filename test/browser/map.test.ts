// The dashboard's fleet map in real Chromium against a real server: every truck on it, live moves,
// click and keyboard to the truck, the simple SVG map where WebGL is missing, and offline.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FleetMap } from '../../src/app/fleet-map';
import { eventually, launchProfile, logIn, openApp, type Profile } from '../support/browser';
import { startServer, type RunningServer } from '../support/server';

/** No simulator: every truck is where the test put it. */
const ENV = { FLEETWIRE_SIM_RATE: '0', FLEETWIRE_SESSION_SECRET: 'map-test-secret-0123456789abcdef-0123456789' };
/** Bound on every wait for something the browser does on its own (connect, load the map, paint). */
const WAIT_MS = 30_000;
/** Trucks of the demo tenant acme. */
const TRUCKS = 24;

let server: RunningServer;
let profiles: Profile[] = [];

/** Where each truck was put last, by truck id. */
const placed = new Map<string, { lat: number; lon: number }>();
let lastTs = Date.now();

/** Reports positions as the trucks' devices would. */
async function report(items: { truckId: string; lat: number; lon: number; headingDeg?: number }[]): Promise<void> {
  const body = items.map((item) => {
    lastTs = Math.max(lastTs + 1000, Date.now());
    placed.set(item.truckId, { lat: item.lat, lon: item.lon });
    return { ts: lastTs, speedKph: 70, headingDeg: 45, engineOn: true, ...item };
  });
  const response = await fetch(`${server.url}/api/ingest`, {
    method: 'POST',
    headers: { authorization: 'Bearer demo-acme', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`ingest failed: ${response.status} ${await response.text()}`);
}

const truckId = (i: number) => `acme-${String(i + 1).padStart(2, '0')}`;

async function profile(args: string[] = []): Promise<Profile> {
  const p = await launchProfile({ args });
  profiles.push(p);
  await logIn(p.context, server.url, 'ana');
  return p;
}

function open(context: BrowserContext): Promise<Page> {
  return openApp(context, `${server.url}/`, WAIT_MS);
}

/** Waits until the map shows every truck over its country outlines. */
async function waitForMap(page: Page): Promise<void> {
  await page.locator(`fleet-map[data-trucks="${TRUCKS}"][data-basemap="outlines"]`).waitFor({ timeout: WAIT_MS });
}

/** Calls a method of the page's `<fleet-map>` (in the dashboard's shadow root). */
function onMap<T>(page: Page, fn: (map: FleetMap) => T): Promise<T> {
  return page.locator('fleet-map').evaluate(fn as (el: Element) => T);
}

/** The list entries' coordinates, by truck id. */
function listed(page: Page): Promise<Record<string, { lat: number; lon: number }>> {
  return page
    .locator('fleet-map li[data-truck-id]')
    .evaluateAll((els) =>
      Object.fromEntries(els.map((e) => [e.getAttribute('data-truck-id'), { lat: Number(e.getAttribute('data-lat')), lon: Number(e.getAttribute('data-lon')) }])),
    );
}

/** The truck-id of the truck panel that holds the focus, looked up through the shadow roots. */
function focusedPanel(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    let el: Element | null = document.activeElement;
    while (el) {
      if (el.localName === 'truck-panel') return el.getAttribute('truck-id');
      el = el.shadowRoot?.activeElement ?? null;
    }
    return null;
  });
}

const close = (a: { lat: number; lon: number } | null | undefined, b: { lat: number; lon: number }, tolDeg = 1e-4) =>
  !!a && Math.abs(a.lat - b.lat) < tolDeg && Math.abs(a.lon - b.lon) < tolDeg;
/**
 * What MapLibre reads back from screen comes from its tiles, whose coordinates are rounded to the
 * tile's grid (1/8192 of a tile: about 0.005° at the zoom that fits Europe); well under a pixel.
 */
const DRAWN_TOL_DEG = 0.02;

/** Moves a truck and waits until the map has drawn it at its new place (list entry and marker). */
async function moveAndWait(page: Page, id: string, to: { lat: number; lon: number }): Promise<void> {
  const before = await page.locator('fleet-map').evaluate((m, t) => (m as FleetMap).renderedPosition(t), id);
  await report([{ truckId: id, ...to, headingDeg: 200 }]);
  await eventually(async () => close((await listed(page))[id], to), `${id}'s list entry at ${JSON.stringify(to)}`, WAIT_MS);
  await eventually(
    async () => close(await page.locator('fleet-map').evaluate((m, t) => (m as FleetMap).renderedPosition(t), id), to, DRAWN_TOL_DEG),
    `${id}'s marker drawn at ${JSON.stringify(to)}`,
    WAIT_MS,
  );
  expect(close(before, to, DRAWN_TOL_DEG)).toBe(false);
}

beforeAll(async () => {
  server = await startServer(ENV);
  // A 6 × 4 grid over Europe, a few degrees apart: every marker stands alone at the map's first fit.
  await report(Array.from({ length: TRUCKS }, (_, i) => ({ truckId: truckId(i), lat: 44 + 4 * Math.floor(i / 6), lon: -2 + 5 * (i % 6), headingDeg: i * 15 })));
});

afterEach(async () => {
  for (const p of profiles) await p.close();
  profiles = [];
});

afterAll(async () => {
  await server?.stop();
});

describe('fleet map', () => {
  it('shows every truck; a report moves its marker; a click or Enter brings up the truck’s panel', async () => {
    const p = await profile();
    const page = await open(p.context);
    await waitForMap(page);
    // This machine's headless Chromium has WebGL 2 (SwiftShader): the MapLibre map.
    expect(await page.locator('fleet-map').getAttribute('data-mode')).toBe('webgl');
    expect(await page.locator('fleet-map li[data-truck-id]').count()).toBe(TRUCKS);
    const where = await listed(page);
    for (const [id, at] of placed) expect(close(where[id], at), id).toBe(true);
    await eventually(async () => (await onMap(page, (m) => m.renderedPosition('acme-24'))) !== null, 'acme-24 drawn', WAIT_MS);

    // Between four trucks of the grid, inside the view the map was fitted to.
    const to = { lat: 50.1, lon: 10.4 };
    await moveAndWait(page, 'acme-03', to);

    await page.locator('fleet-map').scrollIntoViewIfNeeded();
    const point = await onMap(page, (m) => m.markerPoint('acme-03'));
    expect(point).not.toBeNull();
    await page.mouse.click(point!.x, point!.y);
    await eventually(async () => (await focusedPanel(page)) === 'acme-03', 'the panel of acme-03 to take the focus', WAIT_MS);

    // The keyboard path: the list of trucks, one Tab stop, Enter on an entry.
    const entry = page.locator('fleet-map li[data-truck-id="acme-05"] button');
    await entry.focus();
    expect(await entry.innerText()).toMatch(/Moving at \d+ km\/h heading .*° N, .*° E/);
    await page.keyboard.press('Enter');
    await eventually(async () => (await focusedPanel(page)) === 'acme-05', 'the panel of acme-05 to take the focus', WAIT_MS);
    expect(await page.locator('fleet-map').getByText(/24 trucks on the map: 24 moving/).count()).toBe(1);
  });

  it('draws a simple SVG map where WebGL is missing: outlines, every truck, live, clickable', async () => {
    const p = await profile(['--disable-3d-apis']);
    const page = await open(p.context);
    await waitForMap(page);
    expect(await page.locator('fleet-map').getAttribute('data-mode')).toBe('svg');
    await page.locator('fleet-map').getByText('Map in simple mode: this browser has no WebGL').waitFor({ timeout: WAIT_MS });
    expect(await page.locator('fleet-map .mark').count()).toBe(TRUCKS);
    expect((await page.locator('fleet-map path.land').getAttribute('d'))?.length).toBeGreaterThan(1000);

    const marker = page.locator('fleet-map .mark[data-truck-id="acme-03"]');
    const before = await marker.getAttribute('transform');
    await moveAndWait(page, 'acme-03', { lat: 46.2, lon: 5.6 });
    expect(await marker.getAttribute('transform')).not.toBe(before);

    await marker.click();
    await eventually(async () => (await focusedPanel(page)) === 'acme-03', 'the panel of acme-03 to take the focus', WAIT_MS);
    await page.locator('fleet-map li[data-truck-id="acme-06"] button').focus();
    await page.keyboard.press('Enter');
    await eventually(async () => (await focusedPanel(page)) === 'acme-06', 'the panel of acme-06 to take the focus', WAIT_MS);
  });

  // Last: it stops the server.
  it('offline, with the server down, a reload still draws the outlines and every truck where it was last reported', async () => {
    const p = await profile();
    const page = await open(p.context);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: WAIT_MS });
    await waitForMap(page);
    // history() waits for the hub's pending writes: the last state is in IndexedDB.
    await page.evaluate(() => window.fleetwire!.history('acme-03'));

    await server.stop();
    await p.context.setOffline(true);
    await page.reload({ timeout: WAIT_MS });
    await waitForMap(page);
    expect(await page.locator('fleet-map').getAttribute('data-mode')).toBe('webgl');
    expect(await page.locator('fleet-map li[data-truck-id]').count()).toBe(TRUCKS);
    const where = await listed(page);
    for (const [id, at] of placed) expect(close(where[id], at), id).toBe(true);
    const last = placed.get('acme-03')!;
    await eventually(async () => close(await onMap(page, (m) => m.renderedPosition('acme-03')), last, DRAWN_TOL_DEG), 'acme-03 drawn offline', WAIT_MS);
  });
});
