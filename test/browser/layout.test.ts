// Pages that hold still, in real Chromium against a real fleetwire server, on a desktop window and a
// 412 px phone: live data (an alert's toast, event-log lines, the stream's state) never moves the
// page the operator is reading. Positions only: bench/layout-shift.ts measures the shifts themselves.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, PHONE, launchProfile, logIn, openApp, waitForPainted, type Device, type Profile } from '../support/browser';
import { ingest, startServer, type RunningServer } from '../support/server';

const WAIT_MS = 30_000;
const TRUCKS = 24;
const SCREENS: [string, Device][] = [
  ['a 1280×800 window', DESKTOP],
  ['a 412 px phone', PHONE],
];

let server: RunningServer;
let profiles: Profile[] = [];

let lastTs = Date.now();
/** One sample of a truck, newer than every earlier one; `speedKph` over 100 raises a speeding alert. */
function sample(truckId: string, speedKph = 70) {
  lastTs = Math.max(lastTs + 1000, Date.now());
  return { truckId, ts: lastTs, lat: 51.9, lon: 4.5 + Number(truckId.slice(-2)) * 0.1, speedKph, headingDeg: 90, fuelPct: 60 };
}

async function open(device: Device, path: string): Promise<Page> {
  const p = await launchProfile({ device });
  profiles.push(p);
  await logIn(p.context, server.url, 'ana');
  return openApp(p.context, server.url + path, WAIT_MS);
}

/** Where an element is on the page (the first match; locators pierce shadow roots). */
async function box(page: Page, selector: string): Promise<{ x: number; y: number; width: number; height: number }> {
  const b = await page.locator(selector).first().boundingBox({ timeout: WAIT_MS });
  if (!b) throw new Error(`${selector} is not laid out on ${page.url()}`);
  return b;
}

/** Waits for the speeding alert of a truck to be toasted; resolves with its id. */
async function toasted(page: Page, truckId: string): Promise<string> {
  const handle = await page.waitForFunction(
    (id) => [...(window.fleetwire?.activeAlerts.values() ?? [])].find((a) => a.truckId === id && a.kind === 'speeding' && a.state === 'active')?.id,
    truckId,
    { timeout: WAIT_MS },
  );
  return (await handle.jsonValue()) as string;
}

beforeAll(async () => {
  server = await startServer({ FLEETWIRE_SIM_RATE: '0' });
  // Every truck has reported: the map draws them all and every panel shows its state.
  await ingest(server.url, 'demo-acme', Array.from({ length: TRUCKS }, (_, i) => sample(`acme-${String(i + 1).padStart(2, '0')}`)));
});

afterEach(async () => {
  for (const p of profiles) await p.close();
  profiles = [];
});

afterAll(async () => {
  await server?.stop();
});

describe.each(SCREENS)('on %s', (_name, device) => {
  it('an alert toast coming does not move the page, nor the toast already shown', async () => {
    const page = await open(device, '/?sort=name');
    await page.locator(`fleet-map[data-trucks="${TRUCKS}"][data-basemap]`).waitFor({ timeout: WAIT_MS });
    // Two trucks far down the list: their panels growing an alert line moves nothing above them.
    await ingest(server.url, 'demo-acme', [sample('acme-23', 120)]);
    const first = await toasted(page, 'acme-23');
    await page.locator(`alert-toasts [data-alert-id="${first}"]`).waitFor({ timeout: WAIT_MS });
    const toast = await box(page, 'alert-toasts .toast');
    const main = await box(page, 'fleet-dashboard main');
    const grid = await box(page, 'fleet-dashboard .grid');
    const header = await box(page, 'fleet-dashboard header');

    await ingest(server.url, 'demo-acme', [sample('acme-24', 125)]);
    const second = await toasted(page, 'acme-24');
    // A phone shows one toast (the newest); a window adds the new one in a free slot.
    const shown = device === PHONE ? second : first;
    await page.locator(`alert-toasts [data-alert-id="${second}"]`).waitFor({ state: device === PHONE ? 'visible' : 'attached', timeout: WAIT_MS });
    await page.locator('alert-toasts .more, alert-toasts .slot-1').first().waitFor({ timeout: WAIT_MS });

    expect(await box(page, `alert-toasts [data-alert-id="${shown}"]`)).toEqual(toast);
    expect(await box(page, 'fleet-dashboard main')).toEqual(main);
    const after = await box(page, 'fleet-dashboard .grid');
    expect({ x: after.x, y: after.y, width: after.width }).toEqual({ x: grid.x, y: grid.y, width: grid.width });
    expect(await box(page, 'fleet-dashboard header')).toEqual(header);
    // Clear them for the next test: back under the limit.
    await ingest(server.url, 'demo-acme', [sample('acme-23'), sample('acme-24')]);
  });

  it('new event-log lines do not move the truck page', async () => {
    const page = await open(device, '/trucks/acme-03');
    await page.locator('truck-page[data-history-source="server"]').waitFor({ timeout: WAIT_MS });
    await page.locator('truck-page route-map svg').waitFor({ timeout: WAIT_MS });
    const sections = () => page.locator('truck-page section').evaluateAll((els) => els.map((el) => {
      const r = el.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    }));
    const before = await sections();
    const main = await box(page, 'truck-page main');
    const ids = await ingest(server.url, 'demo-acme', [sample('acme-03'), sample('acme-03'), sample('acme-03')]);
    await waitForPainted(page, 'acme-03', ids.at(-1)!, WAIT_MS);
    await page.waitForFunction((n) => (document.querySelector('fleet-app')?.shadowRoot?.querySelector('truck-page')?.shadowRoot?.querySelectorAll('.log-wrap tbody tr').length ?? 0) >= n, 4, { timeout: WAIT_MS });
    expect(await sections()).toEqual(before);
    expect(await box(page, 'truck-page main')).toEqual(main);
  });

  it('the dashboard header keeps its height when the stream state changes', async () => {
    // A server of its own, stopped halfway: the stream goes from live to reconnecting or offline.
    const own = await startServer({ FLEETWIRE_SIM_RATE: '0' });
    try {
      const p = await launchProfile({ device });
      profiles.push(p);
      await logIn(p.context, own.url, 'ana');
      const page = await openApp(p.context, own.url + '/', WAIT_MS);
      await page.locator('stream-indicator[data-state="live"]').waitFor({ timeout: WAIT_MS });
      const live = await box(page, 'fleet-dashboard header');
      await own.stop();
      await page.locator('stream-indicator:not([data-state="live"])').waitFor({ timeout: WAIT_MS });
      expect(await box(page, 'fleet-dashboard header')).toEqual(live);
    } finally {
      await own.stop();
    }
  });
});
