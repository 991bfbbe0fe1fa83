// Alerts as system notifications in real Chromium: none before the operator allows them from the
// button, then exactly one per alert however many tabs hear it, tagged with the alert id; all of them
// closed when the session ends (logout, expiry) or another operator logs in.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { compareEventIds } from '../../src/shared/events';
import { client, eventually, launchProfile, logIn, type Profile } from '../support/browser';
import { ingest, startServer, type RunningServer } from '../support/server';

const WAIT_MS = 30_000;

let server: RunningServer;
let profile: Profile;
/** What the pages printed: a missing notification is explained by a failed showNotification. */
const consoleLines: string[] = [];

async function open(path: string, context: BrowserContext = profile.context): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (message) => consoleLines.push(`${path} ${message.type()}: ${message.text()}`));
  await page.goto(server.url + path);
  await page.waitForFunction(
    () => window.fleetwire?.ready === true && navigator.serviceWorker.controller !== null,
    undefined,
    { timeout: WAIT_MS },
  );
  return page;
}

/** Raises a speeding alert on a truck; resolves with its id once every given tab knows it. */
async function speeding(truckId: string, pages: Page[]): Promise<string> {
  const ts = Date.now();
  await ingest(server.url, 'demo-acme', [
    { truckId, ts, lat: 51.9, lon: 4.5, speedKph: 40, headingDeg: 90 },
    { truckId, ts: ts + 1_000, lat: 51.91, lon: 4.5, speedKph: 130, headingDeg: 90 },
  ]);
  return alertIn('speeding', truckId, pages);
}

/**
 * Raises a critical reefer excursion on a refrigerated truck (every third demo truck): three minutes
 * far out of band. Its notification asks for interaction, so it stays until closed.
 */
async function reeferExcursion(truckId: string, pages: Page[]): Promise<string> {
  const ts = Date.now() - 3 * 60_000;
  await ingest(
    server.url,
    'demo-acme',
    [0, 1, 2, 3].map((minute) => ({ truckId, ts: ts + minute * 60_000, lat: 52.3, lon: 4.9, speedKph: 60, headingDeg: 90, reeferTempC: 15 })),
  );
  return alertIn('reefer-excursion', truckId, pages);
}

/** Resolves with the id of a truck's active alert of a kind once every given tab knows it. */
async function alertIn(kind: string, truckId: string, pages: Page[]): Promise<string> {
  let alertId = '';
  for (const page of pages) {
    await eventually(
      async () => {
        alertId = await page.evaluate(
          ([id, k]) => [...(window.fleetwire?.activeAlerts.values() ?? [])].find((a) => a.truckId === id && a.kind === k)?.id ?? '',
          [truckId, kind] as const,
        );
        return alertId !== '';
      },
      `the ${kind} alert of ${truckId} in ${page.url()}`,
      WAIT_MS,
    );
  }
  return alertId;
}

/** Notifications the service worker's registration shows right now, by tag. */
async function shown(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return (await registration.getNotifications()).map((n) => n.tag);
  });
}

/** A page's side of notifying: permission, the alerts it knows, the notifications shown. */
async function notifyState() {
  const registration = await navigator.serviceWorker.getRegistration();
  return {
    url: location.pathname,
    permission: Notification.permission,
    shown: registration ? (await registration.getNotifications()).map((n) => n.tag) : 'no registration',
    alerts: [...(window.fleetwire?.activeAlerts.keys() ?? [])],
  };
}

/**
 * Has every showNotification call say so on the console: the browser collapses repeats of a tag,
 * so its list alone cannot tell one call from three.
 */
function reportShowNotification(): void {
  const show = ServiceWorkerRegistration.prototype.showNotification;
  ServiceWorkerRegistration.prototype.showNotification = function (title, options) {
    console.debug(`showNotification ${options?.tag ?? ''}`);
    return show.call(this, title, options);
  };
}

/** showNotification calls of any tab for a tag. */
function showCalls(tag: string): number {
  return consoleLines.filter((line) => line.endsWith(`debug: showNotification ${tag}`)).length;
}

/**
 * Samples the notifications a page's registration shows, from now until stopped: one that is not
 * sticky closes by itself after a while (about 25 s in headless Chromium), so it is watched for
 * from the moment the alert is raised.
 */
function watchShown(page: Page) {
  const samples: string[][] = [];
  let stopped = false;
  const sampling = (async () => {
    while (!stopped) {
      samples.push(await shown(page));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await sampling;
    },
  };
}

beforeAll(async () => {
  server = await startServer();
  profile = await launchProfile({ initScript: reportShowNotification });
  await logIn(profile.context, server.url, 'ana');
});

afterAll(async () => {
  await profile?.close();
  await server?.stop();
});

describe('alert notifications', () => {
  it('shows none until allowed from the button, then one per alert across every tab', async () => {
    const pages = [await open('/'), await open('/'), await open('/trucks/acme-09')];

    // Every tab hears every alert: all must have heard this one before notifications are allowed.
    const before = await speeding('acme-08', pages);
    expect(await shown(pages[0]!)).not.toContain(before);

    await profile.context.grantPermissions(['notifications'], { origin: server.url });
    await pages[0]!.getByRole('button', { name: 'Notify me of alerts' }).click();
    await pages[0]!.getByRole('button', { name: 'Notify me of alerts' }).waitFor({ state: 'detached', timeout: WAIT_MS });
    for (const page of pages) expect(await page.evaluate(() => Notification.permission)).toBe('granted');

    const watch = watchShown(pages[0]!);
    const after = await speeding('acme-09', pages);
    await eventually(async () => watch.samples.some((tags) => tags.includes(after)), 'the notification of the new alert', WAIT_MS).catch(
      async (error: unknown) => {
        const states = await Promise.all(pages.map((page) => page.evaluate(notifyState).catch(String)));
        throw new Error(`${String(error)}\nalert ${after}\npages: ${JSON.stringify(states)}\nconsole:\n${consoleLines.join('\n')}`);
      },
    );
    await watch.stop();
    // A later event reached every tab: any other tab asked to show the alert has done so by now.
    const [later] = await ingest(server.url, 'demo-acme', [{ truckId: 'acme-09', ts: Date.now() + 2_000, lat: 51.92, lon: 4.5, speedKph: 60, headingDeg: 90 }]);
    for (const page of pages) {
      await eventually(
        async () => compareEventIds((await client(page, (f) => f.lastEventId)) ?? '0-0', later!) >= 0,
        `${page.url()} to have ${later}`,
        WAIT_MS,
      );
    }
    // Three tabs heard the alert; one of them showed it, once.
    expect(showCalls(after)).toBe(1);
    // Alerts from before the operator allowed notifications are not notified after the fact.
    expect(showCalls(before)).toBe(0);
    expect(watch.samples.flat()).not.toContain(before);
  });
});

describe('alert notifications when the session ends', () => {
  let own: Profile[] = [];

  afterEach(async () => {
    for (const p of own) await p.close();
    own = [];
  });

  /** A browser of ana's that allowed notifications, with a dashboard and a truck window open. */
  async function allowedBrowser(truckId: string): Promise<{ context: BrowserContext; pages: Page[] }> {
    const p = await launchProfile({ initScript: reportShowNotification });
    own.push(p);
    await p.context.grantPermissions(['notifications'], { origin: server.url });
    await logIn(p.context, server.url, 'ana');
    const pages = [await open('/', p.context), await open(`/trucks/${truckId}`, p.context)];
    for (const page of pages) expect(await page.evaluate(() => Notification.permission)).toBe('granted');
    return { context: p.context, pages };
  }

  /** Waits until the registration shows every one of the tags. */
  async function waitShown(page: Page, tags: string[]): Promise<void> {
    await eventually(async () => {
      const now = await shown(page);
      return tags.every((tag) => now.includes(tag));
    }, `notifications ${tags.join(', ')}`, WAIT_MS).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\nshown: ${JSON.stringify(await shown(page))}\nconsole:\n${consoleLines.join('\n')}`);
    });
  }

  it('logout in any tab closes every alert notification, the sticky critical ones included', async () => {
    const { pages } = await allowedBrowser('acme-12');
    const critical = await reeferExcursion('acme-12', pages);
    const warning = await speeding('acme-10', pages);
    await waitShown(pages[0]!, [critical, warning]);

    await pages[0]!.getByRole('button', { name: 'Log out' }).click();
    for (const page of pages) await page.waitForURL(/\/login/, { timeout: WAIT_MS });
    // Well before a non-sticky notification would close by itself (about 25 s), and the critical one never does.
    await eventually(async () => (await shown(pages[1]!)).length === 0, 'no notification left after logout', 5_000).catch(async (error: unknown) => {
      throw new Error(`${String(error)}: ${JSON.stringify(await shown(pages[1]!))}`);
    });
    expect(await shown(pages[0]!)).toEqual([]);
  });

  it('an expired session closes them too, and a login as another operator closes any left from before', async () => {
    const { context, pages } = await allowedBrowser('acme-15');
    const critical = await reeferExcursion('acme-15', pages);
    await waitShown(pages[0]!, [critical]);

    // The session ends on the server (revoked elsewhere with the same cookie): every tab hears it expired.
    const cookie = (await context.cookies(server.url)).map((c) => `${c.name}=${c.value}`).join('; ');
    expect((await fetch(`${server.url}/api/session`, { method: 'DELETE', headers: { cookie } })).status).toBe(204);
    for (const page of pages) await page.getByText('Your session has expired').waitFor({ timeout: WAIT_MS });
    await eventually(async () => (await shown(pages[0]!)).length === 0, 'no notification left after the session expired', 5_000);

    // One left on screen by a session that expired while no window was open (shown here by hand:
    // with no window, nothing of the app ran to close it); then bo logs in on this browser.
    const page = pages[0]!;
    await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      await registration.showNotification('Critical: Acme 15', { tag: 'acme-15:reefer-excursion:left-over', body: 'Reefer at 15 °C', requireInteraction: true });
    });
    expect(await shown(page)).toEqual(['acme-15:reefer-excursion:left-over']);
    await page.getByLabel('Username').fill('bo');
    await page.getByLabel('Password').fill('fleetwire');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((url) => url.pathname === '/', { timeout: WAIT_MS });
    await eventually(async () => (await shown(page)).length === 0, 'acme’s notification closed when bo logged in', 5_000);
  });
});
