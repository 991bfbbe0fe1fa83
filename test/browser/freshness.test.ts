// What a window in view shows, in real Chromium against a real fleetwire server: the newest event,
// never an older one after a newer; a tab coming into view is current in its first frame; panels
// off screen wait, and are current when they scroll into view.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OFF_SCREEN_UPDATE_MS } from '../../src/app/fleet-controller';
import { compareEventIds } from '../../src/shared/events';
import { launchProfile, logIn, openApp, waitForPainted, type Profile } from '../support/browser';
import { ingest, startServer, type RunningServer } from '../support/server';

const WAIT_MS = 20_000;
/** Frames a panel scrolled into view may take to show its truck's newest event (the wait off screen is ~60). */
const FRAMES_TO_CATCH_UP = 10;

let server: RunningServer;
let profiles: Profile[] = [];

async function openLoggedIn(path: string): Promise<Page> {
  const p = await launchProfile();
  profiles.push(p);
  await logIn(p.context, server.url, 'ana');
  return openApp(p.context, server.url + path, WAIT_MS);
}

let lastTs = Date.now();
function sample(truckId: string) {
  lastTs = Math.max(lastTs + 1000, Date.now());
  return { truckId, ts: lastTs, lat: 51.9, lon: 4.5, speedKph: 60, headingDeg: 90 };
}

/** Logs every `data-last-event` of the panels of these trucks as [truckId, event id, performance.now()]. */
async function recordPainted(page: Page, truckIds: string[]): Promise<void> {
  await page.evaluate(`(() => {
    const log = (window.__painted = []);
    const observer = new MutationObserver((records) => {
      for (const r of records) log.push([r.target.getAttribute('truck-id'), r.target.getAttribute('data-last-event'), performance.now()]);
    });
    const dashboard = document.querySelector('fleet-app').shadowRoot.querySelector('fleet-dashboard');
    for (const id of ${JSON.stringify(truckIds)}) {
      observer.observe(dashboard.shadowRoot.querySelector('truck-panel[truck-id="' + id + '"]'), { attributes: true, attributeFilter: ['data-last-event'] });
    }
  })()`);
}

function painted(page: Page): Promise<[string, string, number][]> {
  return page.evaluate('window.__painted') as Promise<[string, string, number][]>;
}

/** What `framesUntilShown` saw: the truck's newest event, what its panel showed then, and frames until it showed it. */
interface Caught {
  newest: string;
  before: string | null;
  frames: number;
}

/**
 * Arms the dashboard: the next change of `truckId` that reaches the tab's client is caught, its
 * panel optionally scrolled into view right then, and the frames counted until the panel shows it
 * (gives up after 100). `caught()` resolves with what was seen.
 */
async function framesUntilShown(page: Page, truckId: string, options: { scroll: boolean }): Promise<{ caught: () => Promise<Caught> }> {
  await page.evaluate(
    ({ truckId, scroll }) => {
      const w = window as unknown as { __caught: Promise<Caught> };
      const dashboard = document.querySelector('fleet-app')!.shadowRoot!.querySelector('fleet-dashboard')!;
      const target = dashboard.shadowRoot!.querySelector(`truck-panel[truck-id="${truckId}"]`)!;
      w.__caught = new Promise((resolve) => {
        const off = window.fleetwire!.addEventListener('change', ({ truckIds }) => {
          if (!truckIds.includes(truckId)) return;
          off();
          const newest = window.fleetwire!.trucks.get(truckId)!.lastEventId!;
          const before = target.getAttribute('data-last-event');
          if (scroll) target.scrollIntoView();
          let frames = 0;
          const check = () => {
            frames += 1;
            if (target.getAttribute('data-last-event') === newest || frames > 100) resolve({ newest, before, frames });
            else requestAnimationFrame(check);
          };
          requestAnimationFrame(check);
        });
      });
    },
    { truckId, scroll: options.scroll },
  );
  return { caught: () => page.evaluate(() => (window as unknown as { __caught: Promise<Caught> }).__caught) };
}

beforeAll(async () => {
  server = await startServer({ FLEETWIRE_SIM_RATE: '0' });
});

afterEach(async () => {
  for (const p of profiles) await p.close();
  profiles = [];
});

afterAll(async () => {
  await server?.stop();
});

describe('freshness', () => {
  it('a window that misses frames shows the newest event, never an older one after a newer', async () => {
    const page = await openLoggedIn('/?sort=name');
    await waitForPainted(page, 'acme-01', (await ingest(server.url, 'demo-acme', [sample('acme-01')]))[0]!);
    await recordPainted(page, ['acme-01']);
    // The tab's main thread is busy for a while: events queue up, frames are missed.
    await page.evaluate(() => void setTimeout(() => {
      const end = performance.now() + 1_500;
      while (performance.now() < end);
    }, 0));
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) ids.push(...(await ingest(server.url, 'demo-acme', [sample('acme-01')])));
    await waitForPainted(page, 'acme-01', ids.at(-1)!);
    const shown = (await painted(page)).map(([, id]) => id);
    expect(shown.at(-1)).toBe(ids.at(-1));
    for (let i = 1; i < shown.length; i += 1) expect(compareEventIds(shown[i]!, shown[i - 1]!)).toBeGreaterThan(0);
  });

  it('a tab coming into view shows its newest event in its first frame', async () => {
    const page = await openLoggedIn('/trucks/acme-03');
    await waitForPainted(page, 'acme-03', (await ingest(server.url, 'demo-acme', [sample('acme-03')]))[0]!);
    // Headless Chromium keeps every page visible: the page is told it is hidden, as a browser tells
    // a background tab, and in view again the moment the tab's client has the next event.
    await page.evaluate(() => {
      let state: DocumentVisibilityState = 'hidden';
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
      document.dispatchEvent(new Event('visibilitychange'));
      const w = window as unknown as { __seen: Promise<{ newest: string; before: string | null; firstFrame: string | null }> };
      const truckPanel = () => document.querySelector('fleet-app')!.shadowRoot!.querySelector('truck-page')!.shadowRoot!.querySelector('truck-panel')!;
      w.__seen = new Promise((resolve) => {
        const off = window.fleetwire!.addEventListener('change', ({ truckIds }) => {
          if (!truckIds.includes('acme-03')) return;
          off();
          const newest = window.fleetwire!.trucks.get('acme-03')!.lastEventId!;
          const before = truckPanel().getAttribute('data-last-event');
          state = 'visible';
          document.dispatchEvent(new Event('visibilitychange'));
          requestAnimationFrame(() => resolve({ newest, before, firstFrame: truckPanel().getAttribute('data-last-event') }));
        });
      });
    });
    const [id] = await ingest(server.url, 'demo-acme', [sample('acme-03')]);
    const seen = await page.evaluate(() => (window as unknown as { __seen: Promise<{ newest: string; before: string | null; firstFrame: string | null }> }).__seen);
    expect(seen.newest).toBe(id);
    // While hidden the change waited (nothing is painted in a hidden tab)…
    expect(seen.before).not.toBe(id);
    // …and the first frame in view shows it.
    expect(seen.firstFrame).toBe(id);
  });

  it('panels off screen repaint at most every OFF_SCREEN_UPDATE_MS, and are current when scrolled into view', async () => {
    // 1280×800 by name: acme-01 is in the first row, acme-24 seven rows below the fold.
    const page = await openLoggedIn('/?sort=name');
    const first = await ingest(server.url, 'demo-acme', [sample('acme-01'), sample('acme-24')]);
    await waitForPainted(page, 'acme-01', first[0]!);
    await waitForPainted(page, 'acme-24', first[1]!);
    await recordPainted(page, ['acme-01', 'acme-24']);
    const startedAt = await page.evaluate(() => performance.now());
    const rounds = 20;
    let newest = '';
    for (let i = 0; i < rounds; i += 1) {
      const ids = await ingest(server.url, 'demo-acme', [sample('acme-01'), sample('acme-24')]);
      await waitForPainted(page, 'acme-01', ids[0]!);
      newest = ids[1]!;
    }
    const log = await painted(page);
    const elapsed = Math.max(...log.map(([, , at]) => at)) - startedAt;
    const inView = log.filter(([truck]) => truck === 'acme-01').length;
    const offScreen = log.filter(([truck]) => truck === 'acme-24').length;
    expect(inView).toBe(rounds);
    expect(offScreen).toBeLessThanOrEqual(Math.ceil(elapsed / OFF_SCREEN_UPDATE_MS) + 1);
    expect(offScreen).toBeLessThan(inView);
    // Off screen, it still follows.
    await waitForPainted(page, 'acme-24', newest);

    // A new event while off screen, then the operator scrolls to the panel.
    const scrolling = await framesUntilShown(page, 'acme-24', { scroll: true });
    const [id] = await ingest(server.url, 'demo-acme', [sample('acme-24')]);
    const scrolled = await scrolling.caught();
    expect(scrolled.newest).toBe(id);
    expect(scrolled.before).not.toBe(id);
    expect(scrolled.frames).toBeLessThanOrEqual(FRAMES_TO_CATCH_UP);
  });

  it('a panel in view paints its change in the next frames while an off-screen panel waits for its turn', async () => {
    const page = await openLoggedIn('/?sort=name');
    const first = await ingest(server.url, 'demo-acme', [sample('acme-01'), sample('acme-24')]);
    await waitForPainted(page, 'acme-01', first[0]!);
    await waitForPainted(page, 'acme-24', first[1]!);
    // acme-24 (off screen) changes first and waits; then acme-01 (in view) changes.
    const [waiting] = await ingest(server.url, 'demo-acme', [sample('acme-24')]);
    await page.waitForFunction((id) => window.fleetwire!.trucks.get('acme-24')!.lastEventId === id, waiting);
    const watching = await framesUntilShown(page, 'acme-01', { scroll: false });
    const [id] = await ingest(server.url, 'demo-acme', [sample('acme-01')]);
    const seen = await watching.caught();
    expect(seen.newest).toBe(id);
    expect(seen.frames).toBeLessThanOrEqual(FRAMES_TO_CATCH_UP);
  });
});
