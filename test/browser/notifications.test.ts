// Alerts as system notifications in real Chromium: none before the operator allows them from the
// button, then exactly one per alert however many tabs hear it, tagged with the alert id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { compareEventIds } from '../../src/shared/events';
import { client, eventually, launchProfile, logIn, type Profile } from '../support/browser';
import { ingest, startServer, type RunningServer } from '../support/server';

const WAIT_MS = 30_000;

let server: RunningServer;
let profile: Profile;
/** What the pages printed: a missing notification is explained by a failed showNotification. */
const consoleLines: string[] = [];

async function open(path: string): Promise<Page> {
  const page = await profile.context.newPage();
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
  let alertId = '';
  for (const page of pages) {
    await eventually(
      async () => {
        alertId = await page.evaluate(
          (id) => [...(window.fleetwire?.activeAlerts.values() ?? [])].find((a) => a.truckId === id && a.kind === 'speeding')?.id ?? '',
          truckId,
        );
        return alertId !== '';
      },
      `the speeding alert of ${truckId} in ${page.url()}`,
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
