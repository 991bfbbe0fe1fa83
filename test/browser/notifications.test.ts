// Alerts as system notifications in real Chromium: none before the operator allows them from the
// button, then exactly one per alert however many tabs hear it, tagged with the alert id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { eventually, launchProfile, logIn, type Profile } from '../support/browser';
import { ingest, startServer, type RunningServer } from '../support/server';

const WAIT_MS = 30_000;

let server: RunningServer;
let profile: Profile;

async function open(path: string): Promise<Page> {
  const page = await profile.context.newPage();
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

beforeAll(async () => {
  server = await startServer();
  profile = await launchProfile();
  await logIn(profile.context, server.url, 'ana');
});

afterAll(async () => {
  await profile?.close();
  await server?.stop();
});

describe('alert notifications', () => {
  it('shows none until allowed from the button, then one per alert across every tab', async () => {
    const pages = [await open('/'), await open('/'), await open('/trucks/acme-09')];

    const before = await speeding('acme-08', pages.slice(0, 2));
    expect(await shown(pages[0]!)).not.toContain(before);

    await profile.context.grantPermissions(['notifications'], { origin: server.url });
    await pages[0]!.getByRole('button', { name: 'Notify me of alerts' }).click();
    await pages[0]!.getByRole('button', { name: 'Notify me of alerts' }).waitFor({ state: 'detached', timeout: WAIT_MS });

    const after = await speeding('acme-09', pages);
    await eventually(async () => (await shown(pages[0]!)).includes(after), 'the notification of the new alert', WAIT_MS);
    // Three tabs heard the alert; the browser shows it once.
    const tags = await shown(pages[2]!);
    expect(tags.filter((tag) => tag === after)).toHaveLength(1);
    // Alerts from before the operator allowed notifications are not notified after the fact.
    expect(tags).not.toContain(before);
  });
});
