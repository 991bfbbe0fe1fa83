// The operator's screens in real Chromium against a real fleetwire server: login, panels,
// sort and filter, truck windows, units and alerts shared across tabs, and axe-core.
import AxeBuilder from '@axe-core/playwright';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FleetSnapshot, Telemetry, TruckSnapshot } from '../../src/shared/fleet';
import { eventually, launchProfile, logIn, openApp, panel, waitForPainted, type Profile } from '../support/browser';
import { startServer, type RunningServer } from '../support/server';
import { FLOOD_EVENTS_PER_S, FLOOD_PAINT_INTERVAL_MS, FLOOD_WINDOW_MS, MAX_TRUCKS_PER_FRAME } from '../../src/app/fleet-controller';
import { compareEventIds } from '../../src/shared/events';
import { longestIncreasingRun } from '../../src/app/panel-grid';

type Sample = Partial<Omit<Telemetry, 'truckId'>>;

/** No simulator: every value on screen comes from what the test ingests. */
const ENV = { FLEETWIRE_SIM_RATE: '0', FLEETWIRE_SESSION_SECRET: 'ui-test-secret-0123456789abcdef-0123456789' };

/** Bound on every wait for something the browser does on its own (connect, paint, fan-out). */
const WAIT_MS = 20_000;

let server: RunningServer;
let profiles: Profile[] = [];
let fleet: FleetSnapshot;

async function profile(options: { loggedIn?: boolean } = {}): Promise<Profile> {
  const p = await launchProfile();
  profiles.push(p);
  if (options.loggedIn !== false) await logIn(p.context, server.url, 'ana');
  return p;
}

/** Opens a path and waits until the tab's client has its state from the hub. */
function open(context: BrowserContext, path: string): Promise<Page> {
  return openApp(context, server.url + path, WAIT_MS);
}

let lastTs = Date.now();
/** Ingests samples for one truck as its device would; resolves with their event ids. */
async function ingest(truckId: string, ...samples: Sample[]): Promise<string[]> {
  const body = samples.map((s) => {
    // Strictly increasing and close to now: the newest sample, never stale.
    lastTs = Math.max(lastTs + 1000, Date.now());
    return { truckId, ts: lastTs, lat: 51.9, lon: 4.5, speedKph: 60, headingDeg: 90, ...s };
  });
  return postTelemetry(body);
}

/** Posts one ingest request as the acme devices would; resolves with the event ids, in order. */
async function postTelemetry(body: Telemetry[]): Promise<string[]> {
  const response = await fetch(`${server.url}/api/ingest`, {
    method: 'POST',
    headers: { authorization: 'Bearer demo-acme', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`ingest failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { ids: string[] }).ids;
}

/** The event id each truck panel of the page last painted, by truck id. */
function paintedEvents(page: Page): Promise<Record<string, string | null>> {
  return page
    .locator('truck-panel')
    .evaluateAll((els) => Object.fromEntries(els.map((e) => [e.getAttribute('truck-id') ?? '', e.getAttribute('data-last-event')])));
}

async function ingestOne(truckId: string, sample: Sample): Promise<string> {
  const [id] = await ingest(truckId, sample);
  if (!id) throw new Error('ingest returned no id');
  return id;
}

function truck(id: string): TruckSnapshot {
  const t = fleet.trucks.find((x) => x.id === id);
  if (!t) throw new Error(`no truck ${id} in the demo fleet`);
  return t;
}

/** What a panel shows, as text (the host's own innerText leaves its shadow root out). */
function panelText(page: Page, truckId: string): Promise<string> {
  return panel(page, truckId).locator('article').innerText({ timeout: WAIT_MS });
}

/** The truck-id of every panel on the dashboard, in order. */
async function panelOrder(page: Page): Promise<string[]> {
  return page.locator('truck-panel').evaluateAll((els) => els.map((e) => e.getAttribute('truck-id') ?? ''));
}

/** Polls until `check` holds, for at most WAIT_MS unless told otherwise. */
const waitFor = (check: () => Promise<boolean>, what: string, timeoutMs = WAIT_MS) => eventually(check, what, timeoutMs, 100);

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

beforeAll(async () => {
  server = await startServer(ENV);
  const p = await profile();
  const response = await p.context.request.get(`${server.url}/api/fleet`);
  fleet = (await response.json()) as FleetSnapshot;
  await p.close();
  profiles = [];
});

afterEach(async () => {
  for (const p of profiles) await p.close();
  profiles = [];
});

afterAll(async () => {
  await server?.stop();
});

describe('login', () => {
  it('sends a logged-out visitor to /login, refuses a wrong password with a clear error, then logs in', async () => {
    const p = await profile({ loggedIn: false });
    const page = await p.context.newPage();
    await page.goto(server.url + '/');
    await page.waitForURL(/\/login/, { timeout: WAIT_MS });
    await expect.poll(() => page.getByText('Demo accounts').count(), { timeout: WAIT_MS }).toBe(1);

    await page.getByLabel('Username').fill('ana');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    const error = page.getByRole('alert').filter({ hasText: /wrong username or password/i });
    await error.waitFor({ timeout: WAIT_MS });
    expect(new URL(page.url()).pathname).toBe('/login');

    await page.getByLabel('Username').fill('ana');
    await page.getByLabel('Password').fill('fleetwire');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((url) => url.pathname === '/', { timeout: WAIT_MS });
    await panel(page, 'acme-01').waitFor({ timeout: WAIT_MS });
    await page.getByText('acme', { exact: true }).first().waitFor({ timeout: WAIT_MS });
  });

  it('offers the demo accounts, and a click fills the form', async () => {
    const p = await profile({ loggedIn: false });
    const page = await p.context.newPage();
    await page.goto(server.url + '/login');
    await page.getByRole('button', { name: 'Use ana' }).click({ timeout: WAIT_MS });
    expect(await page.getByLabel('Username').inputValue()).toBe('ana');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((url) => url.pathname === '/', { timeout: WAIT_MS });
  });
});

describe('truck panel', () => {
  it('shows the ingested telemetry with its insights, and marks the event it painted', async () => {
    const t = truck('acme-03');
    const p = await profile();
    const page = await open(p.context, '/');
    const idle = await ingestOne('acme-03', { speedKph: 0, engineOn: true, fuelPct: 42, hosRemainingMin: 250, lat: 50.1234, lon: 8.5678 });
    await waitForPainted(page, 'acme-03', idle);
    const card = panel(page, 'acme-03');
    const text = await panelText(page, 'acme-03');
    expect(text).toContain(t.name);
    expect(text).toContain(t.plate);
    if (t.driver) expect(text).toContain(t.driver.name);
    if (t.transfer) {
      expect(text).toContain(t.transfer.origin.name);
      expect(text).toContain(t.transfer.destination.name);
      expect(text).toMatch(/km to go|at destination/);
      expect(text).toMatch(/ETA|Arrived/);
    }
    expect(text).toContain('Idle');
    expect(text).toContain('0 km/h');
    expect(text).toContain('42%');
    expect(text).toContain('4 h 10 min');
    expect(text).toContain('50.123°N 8.568°E');
    expect(text).toMatch(/Last seen\s*just now/);
    expect(await card.getByRole('progressbar').count()).toBe(t.transfer ? 1 : 0);

    const moving = await ingestOne('acme-03', { speedKph: 83, engineOn: true, fuelPct: 41 });
    await waitForPainted(page, 'acme-03', moving);
    const after = await panelText(page, 'acme-03');
    expect(after).toContain('Moving');
    expect(after).toContain('83 km/h');
    expect(after).toContain('41%');
  });

  it('shows reefer temperature against setpoint and band', async () => {
    const reefer = fleet.trucks.find((x) => x.transfer?.cargo.kind === 'reefer');
    if (!reefer?.transfer || reefer.transfer.cargo.kind !== 'reefer') throw new Error('the demo fleet has no reefer truck');
    const { setpointC } = reefer.transfer.cargo;
    const p = await profile();
    const page = await open(p.context, '/');
    const id = await ingestOne(reefer.id, { reeferTempC: setpointC + 0.5, reeferSetpointC: setpointC });
    await waitForPainted(page, reefer.id, id);
    const text = await panelText(page, reefer.id);
    expect(text).toContain(`${(setpointC + 0.5).toFixed(1)} °C`);
    expect(text).toContain(`set ${setpointC.toFixed(1)}`);
    expect(text).toContain('in band');
  });

  it('opens the truck in its own window, and a second click focuses that window instead of opening another', async () => {
    const p = await profile();
    const page = await open(p.context, '/');
    const id = await ingestOne('acme-03', { speedKph: 55 });
    await waitForPainted(page, 'acme-03', id);
    await page.evaluate(() => {
      const w = window as unknown as { __opens: number; open: typeof window.open };
      const original = window.open.bind(window);
      w.__opens = 0;
      w.open = (...args: Parameters<typeof window.open>) => {
        w.__opens += 1;
        return original(...args);
      };
    });
    const button = panel(page, 'acme-03').getByRole('button', { name: 'Open in new window' });
    const [popup] = await Promise.all([p.context.waitForEvent('page', { timeout: WAIT_MS }), button.click()]);
    await popup.waitForURL((url) => url.pathname === '/trucks/acme-03', { timeout: WAIT_MS });
    await waitForPainted(popup, 'acme-03', id);
    expect(await popup.evaluate(() => window.name)).toBe('fleetwire-truck-acme-03');
    await popup.evaluate(() => ((window as unknown as { __marker: number }).__marker = 1));
    const pages = p.context.pages().length;

    await button.click();
    expect(await page.evaluate(() => (window as unknown as { __opens: number }).__opens)).toBe(1);
    expect(p.context.pages().length).toBe(pages);
    // The same document: not reloaded by a second window.open with the same name.
    expect(await popup.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(1);
  });
});

describe('dashboard', () => {
  it('sorts by name, by status with alerted trucks first, and filters', async () => {
    const p = await profile();
    const page = await open(p.context, '/?sort=name');
    await panel(page, 'acme-01').waitFor({ timeout: WAIT_MS });
    const byName = await panelOrder(page);
    expect(byName[0]).toBe('acme-01');
    expect(byName.length).toBe(fleet.trucks.length);

    // Speeding raises an alert at once.
    const ids = await ingest('acme-12', { speedKph: 120 }, { speedKph: 121 });
    await waitForPainted(page, 'acme-12', ids[1] as string);
    await waitFor(
      async () => (await page.evaluate(() => [...(window.fleetwire?.activeAlerts.values() ?? [])].some((a) => a.truckId === 'acme-12'))),
      'the speeding alert of acme-12',
    );
    await page.getByLabel('Sort by').selectOption('status');
    await waitFor(async () => {
      const order = await panelOrder(page);
      return order.indexOf('acme-12') < order.indexOf('acme-01');
    }, 'acme-12 (alert) before acme-01 when sorting by status');
    expect(new URL(page.url()).searchParams.get('sort')).toBeNull();

    await page.getByLabel('Filter trucks').fill('acme-05');
    await waitFor(async () => (await panelOrder(page)).join() === 'acme-05', 'the filter to leave acme-05 alone');
    await page.getByLabel('Filter trucks').fill('no such truck anywhere');
    await page.getByText(/No truck matches/).waitFor({ timeout: WAIT_MS });
    await page.getByRole('button', { name: 'Clear filter' }).click();
    await waitFor(async () => (await panelOrder(page)).length === fleet.trucks.length, 'every truck back');
  });

  it('keeps the panels in place while live data changes the order, and on request moves only the panels that changed place', async () => {
    const p = await profile();
    const page = await open(p.context, '/');
    await panel(page, 'acme-20').waitFor({ timeout: WAIT_MS });
    const before = await panelOrder(page);
    // Count every panel the grid receives (a move is a removal plus an insertion) and mark the
    // elements, so a panel re-created instead of moved shows up too.
    await page.locator('truck-panel').first().evaluate((first) => {
      const grid = first.parentElement!;
      const w = window as unknown as { __inserted: number };
      w.__inserted = 0;
      for (const el of grid.children) (el as HTMLElement).dataset.original = 'yes';
      new MutationObserver((records) => {
        for (const r of records) w.__inserted += r.addedNodes.length;
      }).observe(grid, { childList: true });
    });

    // Speeding raises an alert, and trucks with alerts sort first: once the operator asks. Until
    // then the panels stay where they are and the toolbar offers to sort again.
    const ids = await ingest('acme-20', { speedKph: 125 }, { speedKph: 126 });
    await waitForPainted(page, 'acme-20', ids[1] as string);
    await waitFor(
      async () => (await page.evaluate(() => [...(window.fleetwire?.activeAlerts.values() ?? [])].some((a) => a.truckId === 'acme-20'))),
      'the speeding alert of acme-20',
    );
    const sortAgain = page.getByRole('button', { name: 'Sort again' });
    await sortAgain.waitFor({ state: 'visible', timeout: WAIT_MS });
    expect(await panelOrder(page)).toEqual(before);
    expect(await page.evaluate(() => (window as unknown as { __inserted: number }).__inserted)).toBe(0);
    await sortAgain.click();
    await sortAgain.waitFor({ state: 'hidden', timeout: WAIT_MS });
    await waitFor(async () => {
      const order = await panelOrder(page);
      return order.indexOf('acme-20') < before.indexOf('acme-20') && order.indexOf('acme-20') < order.indexOf('acme-01');
    }, 'acme-20 (alert) to move up, ahead of acme-01');

    const after = await panelOrder(page);
    expect([...after].sort()).toEqual([...before].sort());
    // The fewest moves that turn `before` into `after`: every panel outside the longest run kept in order.
    const kept = longestIncreasingRun(after.map((id) => before.indexOf(id))).size;
    const inserted = await page.evaluate(() => (window as unknown as { __inserted: number }).__inserted);
    expect(inserted).toBe(after.length - kept);
    expect(inserted).toBeGreaterThan(0);
    const recreated = await page.locator('truck-panel:not([data-original])').count();
    expect(recreated).toBe(0);
  });

  it('spreads a flood of changes over frames: at most a few panels repaint per frame, and all catch up', async () => {
    const p = await profile();
    const page = await open(p.context, '/');
    await panel(page, 'acme-24').waitFor({ timeout: WAIT_MS });
    // Counts the panels that paint a new event in each animation frame.
    await page.evaluate(() => {
      const w = window as unknown as { __perFrame: number[] };
      w.__perFrame = [0];
      const tick = () => {
        w.__perFrame.push(0);
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      const observer = new MutationObserver((records) => {
        w.__perFrame[w.__perFrame.length - 1]! += records.length;
      });
      for (const el of document.querySelector('fleet-app')!.shadowRoot!.querySelector('fleet-dashboard')!.shadowRoot!.querySelectorAll('truck-panel')) {
        observer.observe(el, { attributes: true, attributeFilter: ['data-last-event'] });
      }
    });
    // One request, one event for every truck: they reach the tab together.
    const trucks = fleet.trucks.map((t) => t.id);
    lastTs = Math.max(lastTs + 1000, Date.now());
    const body = trucks.map((truckId) => ({ truckId, ts: lastTs, lat: 51.9, lon: 4.5, speedKph: 50, headingDeg: 90 }));
    const eventIds = await postTelemetry(body);
    // A truck's panel may paint an alert event after its telemetry (an alert clearing): at least that id.
    await waitFor(async () => {
      const painted = await paintedEvents(page);
      return trucks.every((id, i) => painted[id] && compareEventIds(painted[id]!, eventIds[i]!) >= 0);
    }, 'every panel to paint its new event');
    const perFrame = await page.evaluate(() => (window as unknown as { __perFrame: number[] }).__perFrame);
    expect(perFrame.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(trucks.length);
    expect(Math.max(...perFrame)).toBeLessThanOrEqual(MAX_TRUCKS_PER_FRAME);
  });

  it('paces a flood: a dashboard in view paints at most every FLOOD_PAINT_INTERVAL_MS, and ends on every truck’s newest event', async () => {
    const p = await profile();
    const page = await open(p.context, '/');
    await panel(page, 'acme-24').waitFor({ timeout: WAIT_MS });
    // When panels paint (one render paints several: one observer callback), and when the tab's
    // client had how many events of the flood.
    await page.evaluate(() => {
      const w = window as unknown as { __paints: number[]; __received: [number, number][] };
      w.__paints = [];
      w.__received = [];
      let total = 0;
      window.fleetwire!.addEventListener('change', ({ events }) => w.__received.push([performance.now(), (total += events)]));
      const observer = new MutationObserver(() => w.__paints.push(performance.now()));
      for (const el of document.querySelector('fleet-app')!.shadowRoot!.querySelector('fleet-dashboard')!.shadowRoot!.querySelectorAll('truck-panel')) {
        observer.observe(el, { attributes: true, attributeFilter: ['data-last-event'] });
      }
    });
    // Five requests of 1,000 events at once, round-robin over the fleet.
    const trucks = fleet.trucks.map((t) => t.id);
    const base = Math.max(lastTs + 1000, Date.now());
    const requests = Array.from({ length: 5 }, (_, r) =>
      Array.from({ length: 1_000 }, (_, i) => {
        const n = r * 1_000 + i;
        return { truckId: trucks[n % trucks.length]!, ts: base + n, lat: 51.9, lon: 4.5 + n * 1e-6, speedKph: 50, headingDeg: 90 };
      }),
    );
    lastTs = base + 5_000;
    const answers = await Promise.all(
      requests.map(async (body) => ({ body, ids: await postTelemetry(body) })),
    );
    // The newest event of every truck, whichever request carried it.
    const newest = new Map<string, string>();
    for (const { body, ids } of answers) {
      body.forEach((item, i) => {
        const known = newest.get(item.truckId);
        if (!known || compareEventIds(ids[i]!, known) > 0) newest.set(item.truckId, ids[i]!);
      });
    }
    await waitFor(async () => {
      const painted = await paintedEvents(page);
      return trucks.every((id) => painted[id] && compareEventIds(painted[id]!, newest.get(id)!) >= 0);
    }, 'every panel to paint its truck’s newest event');

    const { paints, received } = await page.evaluate(() => {
      const w = window as unknown as { __paints: number[]; __received: [number, number][] };
      return { paints: w.__paints, received: w.__received };
    });
    // The flood is noticed once a rate window holds this many events; count from there.
    const noticed = received.find(([, total]) => total >= (FLOOD_EVENTS_PER_S * FLOOD_WINDOW_MS) / 1000)?.[0];
    expect(noticed).toBeDefined();
    const flooded = paints.filter((t) => t > noticed!);
    expect(flooded.length).toBeGreaterThan(1);
    const gaps = flooded.slice(1).map((t, i) => t - flooded[i]!);
    // A little under the interval: a render lands a moment after the flush that starts the wait.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(FLOOD_PAINT_INTERVAL_MS * 0.8);
  });

  it('switches units in one tab and every other tab follows', async () => {
    const p = await profile();
    const one = await open(p.context, '/');
    const two = await open(p.context, '/trucks/acme-03');
    const id = await ingestOne('acme-03', { speedKph: 80 });
    await waitForPainted(one, 'acme-03', id);
    await waitForPainted(two, 'acme-03', id);
    expect(await panelText(two, 'acme-03')).toContain('80 km/h');

    await one.getByRole('radio', { name: 'mi', exact: true }).check();
    await panel(two, 'acme-03').getByText('50 mph').waitFor({ timeout: WAIT_MS });
    await panel(one, 'acme-03').getByText('50 mph').waitFor({ timeout: WAIT_MS });
    expect(await two.getByRole('radio', { name: 'mi', exact: true }).isChecked()).toBe(true);
    // And back, from the other tab.
    await two.getByRole('radio', { name: 'km', exact: true }).check();
    await panel(one, 'acme-03').getByText('80 km/h').waitFor({ timeout: WAIT_MS });
  });

  it('toasts a new alert in every tab, and acknowledging in one (on the server, for the tenant) removes it from all', async () => {
    const p = await profile();
    const one = await open(p.context, '/');
    const two = await open(p.context, '/trucks/acme-07');
    await ingest('acme-07', { speedKph: 30 });
    // The alert is an event of its own after this sample: wait for the alert, not for a paint.
    await ingest('acme-07', { speedKph: 125 });
    const alertId = await (async () => {
      let found: string | undefined;
      await waitFor(async () => {
        found = await one.evaluate(
          () => [...(window.fleetwire?.activeAlerts.values() ?? [])].find((a) => a.truckId === 'acme-07' && a.kind === 'speeding')?.id,
        );
        return !!found;
      }, 'the speeding alert of acme-07');
      return found as string;
    })();
    const toastOne = one.locator(`alert-toasts [data-alert-id="${alertId}"]`);
    const toastTwo = two.locator(`alert-toasts [data-alert-id="${alertId}"]`);
    await toastOne.waitFor({ timeout: WAIT_MS });
    await toastTwo.waitFor({ timeout: WAIT_MS });
    expect(await toastTwo.innerText()).toMatch(/Warning|Critical/);
    expect(await one.locator('alert-toasts [aria-live]').count()).toBe(1);

    await toastOne.getByRole('button', { name: 'Acknowledge' }).click();
    await toastTwo.waitFor({ state: 'detached', timeout: WAIT_MS });
    await toastOne.waitFor({ state: 'detached', timeout: WAIT_MS });
    // Acknowledged for the tenant: the alert itself says who, in every tab.
    const ackedBy = await two.evaluate((a) => window.fleetwire?.activeAlerts.get(a)?.ackedBy, alertId);
    expect(ackedBy).toBe('ana');
  });

  it('shows the stream state and the diagnostics support asks for', async () => {
    const p = await profile();
    const page = await open(p.context, '/');
    await page.locator('stream-indicator[data-state="live"]').waitFor({ timeout: WAIT_MS });
    await page.getByRole('button', { name: 'Diagnostics' }).click();
    const dialog = page.getByRole('dialog', { name: 'Diagnostics' });
    await dialog.getByText('Tabs attached').waitFor({ timeout: WAIT_MS });
    for (const label of ['Stream state', 'Last event id', 'Events per second', 'Lag', 'Storage used']) {
      expect(await dialog.getByText(label, { exact: true }).count()).toBe(1);
    }
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: WAIT_MS });
  });

  it('logs out every tab', async () => {
    const p = await profile();
    const one = await open(p.context, '/');
    const two = await open(p.context, '/trucks/acme-02');
    await one.getByRole('button', { name: 'Log out' }).click();
    await one.waitForURL(/\/login/, { timeout: WAIT_MS });
    await two.waitForURL(/\/login/, { timeout: WAIT_MS });
    await two.getByText('You have logged out.').waitFor({ timeout: WAIT_MS });
  });
});

describe('accessibility', () => {
  it('axe-core finds no serious or critical violation on /login, / and /trucks/<id>', async () => {
    const anonymous = await profile({ loggedIn: false });
    const login = await anonymous.context.newPage();
    await login.goto(server.url + '/login');
    await login.getByLabel('Username').waitFor({ timeout: WAIT_MS });
    expect(await seriousViolations(login)).toEqual([]);

    const p = await profile();
    await ingest('acme-03', { speedKph: 64, fuelPct: 70 });
    const dashboard = await open(p.context, '/');
    await panel(dashboard, 'acme-03').waitFor({ timeout: WAIT_MS });
    expect(await seriousViolations(dashboard)).toEqual([]);

    const truckPage = await open(p.context, '/trucks/acme-03');
    await truckPage.locator('route-map, spark-chart').first().waitFor({ timeout: WAIT_MS });
    expect(await seriousViolations(truckPage)).toEqual([]);
  });
});
