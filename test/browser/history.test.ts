// History that outlives processes and browsers, in real Chromium against a real server: a truck
// window loads the server's history, keeps it live without duplicates and shows it offline; an
// acknowledgement made in one browser reaches every other browser of the tenant; viewers watch only.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, Telemetry } from '../../src/shared/fleet';
import { SPEEDING_KPH } from '../../src/shared/insights';
import { eventually, launchProfile, logIn, openApp, type Profile } from '../support/browser';
import { login, startServer, type RunningServer } from '../support/server';

/** No simulator: every sample comes from the test. A fixed secret keeps sessions valid for the whole file. */
const ENV = { FLEETWIRE_SIM_RATE: '0', FLEETWIRE_SESSION_SECRET: 'history-test-secret-0123456789abcdef-01234' };
/** Bound on every wait for something the browser does on its own. */
const WAIT_MS = 20_000;
const HOUR = 3_600_000;

let server: RunningServer;
let profiles: Profile[] = [];

beforeAll(async () => {
  server = await startServer(ENV);
});

afterEach(async () => {
  for (const p of profiles) await p.close();
  profiles = [];
});

afterAll(async () => {
  await server?.stop();
});

async function profile(username = 'ana', password = 'fleetwire'): Promise<Profile> {
  const p = await launchProfile();
  profiles.push(p);
  await logIn(p.context, server.url, username, password);
  return p;
}

/** Posts samples as the acme devices do, at most 1,000 per request; resolves with their event ids. */
async function ingest(samples: Telemetry[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < samples.length; i += 1_000) {
    const response = await fetch(`${server.url}/api/ingest`, {
      method: 'POST',
      headers: { authorization: 'Bearer demo-acme', 'content-type': 'application/json' },
      body: JSON.stringify(samples.slice(i, i + 1_000)),
    });
    if (response.status !== 200) throw new Error(`ingest failed: ${response.status} ${await response.text()}`);
    ids.push(...((await response.json()) as { ids: string[] }).ids);
  }
  return ids;
}

function sample(truckId: string, ts: number, speedKph = 60): Telemetry {
  return { truckId, ts, lat: 51.9 + (ts % 1e6) / 1e9, lon: 4.5, speedKph, headingDeg: 90 };
}

/** The `<truck-page>` element (Playwright's CSS locators pierce shadow roots). */
function truckPage(page: Page) {
  return page.locator('truck-page');
}

/** How many samples the truck window holds for its range, and where they came from. */
async function shown(page: Page): Promise<{ samples: number; source: string | null }> {
  const el = truckPage(page);
  const [samples, source] = await Promise.all([el.getAttribute('data-history-samples'), el.getAttribute('data-history-source')]);
  return { samples: Number(samples ?? -1), source };
}

async function waitForShown(page: Page, want: { samples: number; source?: string }, what: string): Promise<void> {
  let last = { samples: -1, source: null as string | null };
  await eventually(
    async () => {
      last = await shown(page).catch(() => last);
      return last.samples === want.samples && (want.source === undefined || last.source === want.source);
    },
    `${what} (showing ${last.samples} samples from ${last.source})`,
    WAIT_MS,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last seen ${JSON.stringify(last)}, wanted ${JSON.stringify(want)}`);
  });
}

/** Longest wait for the service worker to install (it precaches the app shell) on a busy machine. */
const SW_WAIT_MS = 45_000;

describe('truck window history', () => {
  it('shows the server’s history in a new browser, appends live samples once, and shows it again offline', async () => {
    const truckId = 'acme-03';
    // Three hours of samples, ingested before this browser ever ran fleetwire.
    const now = Date.now();
    const count = 600;
    const history = Array.from({ length: count }, (_, i) => sample(truckId, now - 3 * HOUR + Math.round((i * 3 * HOUR) / count), 40 + (i % 50)));
    await ingest(history);

    const p = await profile();
    const inRange = async () => {
      const response = await p.context.request.get(`${server.url}/api/trucks/${truckId}/history?since=${Date.now() - 24 * HOUR}`);
      return ((await response.json()) as { telemetry: Telemetry[] }).telemetry.length;
    };
    const expected = await inRange();
    expect(expected).toBeGreaterThanOrEqual(count);

    const page = await openApp(p.context, `${server.url}/trucks/${truckId}`, WAIT_MS);
    await waitForShown(page, { samples: expected, source: 'server' }, 'the server’s 24 hours');
    expect(await truckPage(page).getAttribute('data-history-range')).toBe('24h');
    await page.getByRole('radio', { name: '24 h' }).waitFor({ timeout: WAIT_MS });
    expect(await page.getByRole('radio', { name: '24 h' }).isChecked()).toBe(true);

    // Live samples after the load: each counted once, none of the loaded ones twice.
    const fresh = Array.from({ length: 5 }, (_, i) => sample(truckId, Date.now() + i * 1000 - 10_000, 77));
    await ingest(fresh);
    await waitForShown(page, { samples: expected + fresh.length }, 'the live samples appended');
    expect(await inRange()).toBe(expected + fresh.length);
    // And the page holds each time once.
    const times = await page.evaluate((id) => window.fleetwire!.history(id).then((list) => list.map((t) => t.ts)), truckId);
    expect(new Set(times).size).toBe(times.length);

    // The hub stored the history for offline use (a history call waits for what it has to store).
    await eventually(
      async () => (await page.evaluate((id) => window.fleetwire!.history(id, { since: Date.now() - 24 * 3_600_000 }).then((l) => l.length), truckId)) === expected + fresh.length,
      'the history stored in IndexedDB',
      WAIT_MS,
    );

    // Offline, the service worker serves the app: it must control the page first.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: SW_WAIT_MS });
    await p.context.setOffline(true);
    await page.reload();
    await page.waitForFunction(() => window.fleetwire?.ready === true, undefined, { timeout: WAIT_MS });
    await waitForShown(page, { samples: expected + fresh.length, source: 'stored' }, 'the stored history, offline');
    await page.getByText('stored in this browser').waitFor({ timeout: WAIT_MS });
    await p.context.setOffline(false);
  });
});

/** Raises a speeding alert on a truck (two samples over the limit) and resolves with it, as `page`'s client sees it. */
async function raiseSpeeding(page: Page, truckId: string): Promise<Alert> {
  await ingest([sample(truckId, Date.now() - 2_000, SPEEDING_KPH + 20), sample(truckId, Date.now() - 1_000, SPEEDING_KPH + 22)]);
  let alert: Alert | undefined;
  await eventually(
    async () => {
      alert = await page.evaluate(
        (id) => [...(window.fleetwire?.activeAlerts.values() ?? [])].find((a) => a.truckId === id && a.kind === 'speeding' && a.state === 'active'),
        truckId,
      );
      return alert !== undefined;
    },
    `the speeding alert of ${truckId}`,
    WAIT_MS,
  );
  return alert!;
}

describe('acknowledgement', () => {
  it('made in one browser shows in another within a second, on the dashboard and in the truck window', async () => {
    const truckId = 'acme-05';
    const [first, second] = await Promise.all([profile(), profile()]);
    const [one, two] = await Promise.all([openApp(first.context, `${server.url}/`, WAIT_MS), openApp(second.context, `${server.url}/`, WAIT_MS)]);
    const alert = await raiseSpeeding(one, truckId);
    const row = (page: Page) => page.locator(`alert-inbox tr[data-alert-id="${alert.id}"]`);
    await Promise.all([row(one).waitFor({ timeout: WAIT_MS }), row(two).waitFor({ timeout: WAIT_MS })]);
    expect(await row(two).getAttribute('data-acked-by')).toBeNull();

    const [answer] = await Promise.all([
      one.waitForResponse((r) => r.url().endsWith(`/api/alerts/${encodeURIComponent(alert.id)}/ack`), { timeout: WAIT_MS }),
      row(one).getByRole('button', { name: 'Acknowledge' }).click(),
    ]);
    expect(answer.status()).toBe(200);
    // The other browser hears it on the server's stream within a second.
    const answered = Date.now();
    await two.locator(`alert-inbox tr[data-alert-id="${alert.id}"][data-acked-by="ana"]`).waitFor({ timeout: WAIT_MS });
    expect(Date.now() - answered, 'ms from the server’s answer to the other browser showing who acknowledged').toBeLessThan(1_000);
    expect(await row(two).innerText()).toMatch(/acknowledged\s+by\s+ana/);
    await two.locator(`truck-panel[truck-id="${truckId}"]`).getByText('acknowledged by ana').waitFor({ timeout: WAIT_MS });
    await two.locator(`alert-toasts [data-alert-id="${alert.id}"]`).waitFor({ state: 'detached', timeout: WAIT_MS });

    // The truck window lists the truck's alerts from the server, raised before it opened, with who acknowledged.
    const window = await openApp(second.context, `${server.url}/trucks/${truckId}`, WAIT_MS);
    const item = window.locator(`truck-page .alert-log li[data-alert-id="${alert.id}"]`);
    await item.waitFor({ timeout: WAIT_MS });
    expect(await item.getAttribute('data-acked-by')).toBe('ana');
    expect(await item.innerText()).toContain('acknowledged by ana');
    expect(await window.getByText('since this window opened').count()).toBe(0);
  });

  it('is not offered to a viewer, who still sees the alerts and who acknowledged them', async () => {
    const truckId = 'acme-06';
    const admin = await login(server.url, 'ana', 'fleetwire');
    const created = await fetch(`${server.url}/api/admin/operators`, {
      method: 'POST',
      headers: { cookie: admin, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'vic', password: 'viewer-password', role: 'viewer' }),
    });
    expect(created.status).toBe(201);
    const viewer = await profile('vic', 'viewer-password');
    const page = await openApp(viewer.context, `${server.url}/`, WAIT_MS);
    const alert = await raiseSpeeding(page, truckId);
    await page.locator(`alert-inbox tr[data-alert-id="${alert.id}"]`).waitFor({ timeout: WAIT_MS });
    await page.locator(`alert-toasts [data-alert-id="${alert.id}"]`).waitFor({ timeout: WAIT_MS });
    // No acknowledge button anywhere: inbox, panels, toasts; nor in the truck window.
    expect(await page.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
    const truckWindow = await openApp(viewer.context, `${server.url}/trucks/${truckId}`, WAIT_MS);
    await truckWindow.locator(`truck-page .alert-log li[data-alert-id="${alert.id}"]`).waitFor({ timeout: WAIT_MS });
    expect(await truckWindow.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);

    // Someone else acknowledges: the viewer sees who.
    const acked = await fetch(`${server.url}/api/alerts/${encodeURIComponent(alert.id)}/ack`, { method: 'POST', headers: { cookie: admin } });
    expect(acked.status).toBe(200);
    await page.locator(`alert-inbox tr[data-alert-id="${alert.id}"][data-acked-by="ana"]`).waitFor({ timeout: WAIT_MS });
  });
});
