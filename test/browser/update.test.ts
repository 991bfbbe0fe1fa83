// A new version of fleetwire, deployed under three open windows: accepted in one, all three run it,
// and the browser never holds more than one /api/stream while they switch.
import { mkdir, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchProfile, logIn, type Profile } from '../support/browser';
import { buildClient, buildDir } from '../support/build';
import { startServer, type RunningServer } from '../support/server';

/** Bound on every wait for something the browser does on its own (install, update, reload). */
const WAIT_MS = 45_000;
/** How often the stream gauge is sampled while the windows switch, ms. */
const SAMPLE_EVERY_MS = 25;

let root: string;
let server: RunningServer;
let profile: Profile | null = null;

/** Serves `dir` from now on: the server's static root is a symlink, swapped atomically. */
async function deploy(dir: string): Promise<void> {
  const link = path.join(root, 'current');
  await symlink(dir, `${link}.next`);
  await rename(`${link}.next`, link);
}

async function gauge(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('fleetwire_sse_connections{tenant="acme"}'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** The build a window runs: the version its page carries, and the version of the hub it talks to. */
async function versions(page: Page): Promise<{ page: string | undefined; hub: string }> {
  return page.evaluate(async () => ({
    page: document.documentElement.dataset.fleetwireVersion,
    hub: (await window.fleetwire!.diagnostics()).version,
  }));
}

beforeAll(async () => {
  root = await buildDir();
  await mkdir(path.join(root, 'a'));
  await buildClient(path.join(root, 'a'), 'version-A');
  await deploy(path.join(root, 'a'));
  server = await startServer({ FLEETWIRE_STATIC_DIR: path.join(root, 'current') });
});

afterAll(async () => {
  await profile?.close();
  await server?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('update flow', () => {
  it('accepting the new version in one window reloads all three onto it, with one stream throughout', async () => {
    profile = await launchProfile();
    await logIn(profile.context, server.url, 'ana');
    const pages: Page[] = [];
    for (const route of ['/', '/trucks/acme-01', '/trucks/acme-02']) {
      const page = await profile.context.newPage();
      await page.goto(server.url + route);
      await page.waitForFunction(
        () => window.fleetwire?.status.state === 'live' && navigator.serviceWorker.controller !== null,
        undefined,
        { timeout: WAIT_MS },
      );
      pages.push(page);
    }
    for (const page of pages) expect(await versions(page)).toEqual({ page: 'version-A', hub: 'version-A' });
    expect(await gauge()).toBe(1);

    await buildClient(path.join(root, 'b'), 'version-B');
    await deploy(path.join(root, 'b'));

    const samples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await gauge());
        await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
      }
    })();
    try {
      // Windows ask for updates on their own every hour; the test asks now.
      await pages[0]!.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r?.update()));
      // Every window says a new version is ready, not only the one that found it.
      for (const page of pages) await page.getByRole('button', { name: 'Update now' }).waitFor({ timeout: WAIT_MS });
      await pages[1]!.getByRole('button', { name: 'Update now' }).click();

      for (const page of pages) {
        await page.waitForFunction(
          () => document.documentElement.dataset.fleetwireVersion === 'version-B' && window.fleetwire?.status.state === 'live',
          undefined,
          { timeout: WAIT_MS },
        );
        expect(await versions(page)).toEqual({ page: 'version-B', hub: 'version-B' });
      }
      expect(await pages[0]!.evaluate(async () => (await window.fleetwire!.diagnostics()).tabs)).toBe(3);
    } finally {
      sampling = false;
      await sampler;
    }
    expect(samples.length).toBeGreaterThan(0);
    expect(Math.max(...samples)).toBeLessThanOrEqual(1);
    expect(await gauge()).toBe(1);
  });
});
