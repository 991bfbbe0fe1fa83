// The hub's IndexedDB storage (src/store) in real Chromium: each event stored once, a batch kept
// whole or not at all, history bounded per truck, a reset leaving nothing old behind.
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HISTORY_SAMPLES_MAX_AGE_MS, MAX_EVENTS_PER_TRUCK, type AppendBatch } from '../../src/hub/storage';
import type { StreamEvent } from '../../src/shared/events';
import type { FleetSnapshot, Telemetry, TruckSnapshot } from '../../src/shared/fleet';
import type { IdbStorage } from '../../src/store';
import { launchProfile, type Profile } from '../support/browser';
import { REPO_ROOT, startServer, type RunningServer } from '../support/server';

declare global {
  interface Window {
    fleetwireStore?: { IdbStorage: typeof IdbStorage };
    storage?: IdbStorage;
  }
}

let server: RunningServer;
let profile: Profile;
let page: Page;
let databases = 0;

/** src/store bundled as a script that sets `window.fleetwireStore`. */
async function bundleStore(): Promise<string> {
  const result = await build({
    configFile: false,
    root: REPO_ROOT,
    logLevel: 'warn',
    build: { write: false, minify: false, lib: { entry: 'src/store/index.ts', formats: ['iife'], name: 'fleetwireStore' } },
  });
  const output = (Array.isArray(result) ? result[0] : result) as { output: { type: string; code?: string }[] };
  const chunk = output.output.find((c) => c.type === 'chunk');
  if (!chunk?.code) throw new Error('bundling src/store gave no code');
  return `${chunk.code}\nwindow.fleetwireStore = fleetwireStore;`;
}

/** Opens a database of its own for one test as `window.storage`. */
async function openStorage(): Promise<void> {
  databases += 1;
  await page.evaluate(async (name) => {
    window.storage?.close();
    window.storage = await window.fleetwireStore!.IdbStorage.open(name);
  }, `fleetwire:test:store-${databases}`);
}

function telemetry(truckId: string, n: number): StreamEvent {
  const data: Telemetry = { truckId, ts: 1_700_000_000_000 + n * 1000, lat: 51.9, lon: 4.5 + n * 1e-4, speedKph: 60, headingDeg: 90 };
  return { id: `7-${n}`, type: 'telemetry', data };
}

function truck(id: string, last: StreamEvent | null): TruckSnapshot {
  return {
    id,
    tenant: 'acme',
    name: id,
    plate: 'FW-01',
    driver: null,
    transfer: null,
    last: last ? (last.data as Telemetry) : null,
    lastEventId: last?.id ?? null,
    alerts: [],
  };
}

function append(batch: AppendBatch): Promise<void> {
  return page.evaluate((b) => window.storage!.append(b), batch);
}

function count(): Promise<number> {
  return page.evaluate(() => window.storage!.countEvents());
}

beforeAll(async () => {
  server = await startServer();
  profile = await launchProfile();
  page = await profile.context.newPage();
  // Any page of the server's origin: IndexedDB belongs to an origin.
  await page.goto(`${server.url}/healthz`);
  await page.evaluate(await bundleStore());
});

afterAll(async () => {
  await profile?.close();
  await server?.stop();
});

describe('IndexedDB storage', () => {
  it('keeps every event once, the changed trucks and the last id, and loads them back in order', async () => {
    await openStorage();
    const events = Array.from({ length: 6 }, (_, i) => telemetry(i % 2 ? 'acme-02' : 'acme-01', i + 1));
    await append({ events: events.slice(0, 4), trucks: [truck('acme-01', events[2]!), truck('acme-02', events[3]!)], lastEventId: '7-4' });
    // A resumed stream replays 7-3 and 7-4: they overwrite themselves.
    await append({ events: events.slice(2), trucks: [truck('acme-01', events[4]!), truck('acme-02', events[5]!)], lastEventId: '7-6' });
    expect(await count()).toBe(6);
    const loaded = await page.evaluate(async () => {
      const state = await window.storage!.load(2);
      return { lastEventId: state.lastEventId, trucks: state.trucks.map((t) => t.lastEventId), recent: Object.fromEntries(state.recent) };
    });
    expect(loaded.lastEventId).toBe('7-6');
    expect(loaded.trucks.sort()).toEqual(['7-5', '7-6']);
    expect(loaded.recent['acme-01']!.map((t) => t.ts)).toEqual([events[2]!, events[4]!].map((e) => (e.data as Telemetry).ts));
  });

  it('keeps nothing of a batch that cannot be written, and the stored id does not move', async () => {
    await openStorage();
    await append({ events: [telemetry('acme-01', 1)], trucks: [], lastEventId: '7-1' });
    const outcome = await page.evaluate(async () => {
      const unclonable = { truckId: 'acme-01', ts: 2, lat: 0, lon: 0, speedKph: 0, headingDeg: 0, extra: () => undefined };
      const good = { id: '7-2', type: 'telemetry' as const, data: { truckId: 'acme-01', ts: 1, lat: 0, lon: 0, speedKph: 0, headingDeg: 0 } };
      const bad = { id: '7-3', type: 'telemetry' as const, data: unclonable };
      try {
        await window.storage!.append({ events: [good, bad], trucks: [], lastEventId: '7-3' });
        return 'stored';
      } catch (error) {
        return (error as DOMException).name;
      }
    });
    expect(outcome).toBe('DataCloneError');
    expect(await count()).toBe(1);
    expect(await page.evaluate(async () => (await window.storage!.load(1)).lastEventId)).toBe('7-1');
  });

  it('prunes each truck to its newest events, oldest first, and leaves the other trucks alone', async () => {
    await openStorage();
    const extra = 250;
    const many = Array.from({ length: MAX_EVENTS_PER_TRUCK + extra }, (_, i) => telemetry('acme-01', i + 1));
    const few = Array.from({ length: 10 }, (_, i) => telemetry('acme-02', MAX_EVENTS_PER_TRUCK + extra + i + 1));
    const trucks = [truck('acme-01', many.at(-1)!), truck('acme-02', few.at(-1)!)];
    for (let i = 0; i < many.length; i += 1_000) await append({ events: many.slice(i, i + 1_000), trucks, lastEventId: many.at(-1)!.id });
    await append({ events: few, trucks, lastEventId: few.at(-1)!.id });
    expect(await count()).toBe(many.length + few.length);

    await page.evaluate(() => window.storage!.prune());
    const kept = await page.evaluate(async () => ({
      one: (await window.storage!.history('acme-01', 0)).map((t) => t.ts),
      two: (await window.storage!.history('acme-02', 0)).length,
    }));
    expect(kept.one).toEqual(many.slice(extra).map((e) => (e.data as Telemetry).ts));
    expect(kept.two).toBe(few.length);
    expect(await count()).toBe(MAX_EVENTS_PER_TRUCK + few.length);
  });

  it('keeps the server history by truck and time: stored twice is stored once, merged with received events, paged, and pruned by age', async () => {
    await openStorage();
    const now = Date.now();
    const sample = (truckId: string, ts: number, speedKph = 50): Telemetry => ({ truckId, ts, lat: 51.9, lon: 4.5, speedKph, headingDeg: 90 });
    // A week and a day ago (older than any range), then the last hour, and a received event that the history repeats.
    const old = sample('acme-01', now - HISTORY_SAMPLES_MAX_AGE_MS - 86_400_000);
    const history = Array.from({ length: 10 }, (_, i) => sample('acme-01', now - 3_600_000 + i * 60_000, 70));
    const received: StreamEvent = { id: '9-1', type: 'telemetry', data: sample('acme-01', history[9]!.ts) };
    const later: StreamEvent = { id: '9-2', type: 'telemetry', data: sample('acme-01', now - 1_000) };
    await append({ events: [received, later], trucks: [truck('acme-01', later)], lastEventId: '9-2' });
    await page.evaluate((list) => window.storage!.storeHistory('acme-01', list), [old, ...history]);
    await page.evaluate((list) => window.storage!.storeHistory('acme-01', list), history);
    await page.evaluate((list) => window.storage!.storeHistory('acme-02', list), [sample('acme-02', now - 5_000)]);
    const read = await page.evaluate(
      ({ since }) =>
        Promise.all([
          window.storage!.history('acme-01', since),
          window.storage!.history('acme-01', since, Infinity, 4),
          window.storage!.history('acme-01', since + 9 * 60_000, Infinity, 4),
        ]),
      { since: now - 3_600_000 },
    );
    expect(read[0].map((t) => t.ts)).toEqual([...history.map((t) => t.ts), now - 1_000]);
    // Where the history and a received event hold one time, the history's sample is kept.
    expect(read[0][9]!.speedKph).toBe(70);
    expect(read[1].map((t) => t.ts)).toEqual(history.slice(0, 4).map((t) => t.ts));
    expect(read[2].map((t) => t.ts)).toEqual([history[9]!.ts, now - 1_000]);

    await page.evaluate(() => window.storage!.prune());
    expect((await page.evaluate(() => window.storage!.history('acme-01', 0))).map((t) => t.ts)).toEqual(read[0].map((t) => t.ts));
    expect(await page.evaluate(() => window.storage!.history('acme-02', 0))).toHaveLength(1);
  });

  it('replaces everything on a reset: only the snapshot is left', async () => {
    await openStorage();
    const old = Array.from({ length: 20 }, (_, i) => telemetry('acme-01', i + 1));
    await append({ events: old, trucks: [truck('acme-01', old.at(-1)!)], lastEventId: old.at(-1)!.id });
    const fresh: StreamEvent = { id: '8-3', type: 'telemetry', data: { ...(old[0]!.data as Telemetry), truckId: 'acme-03' } };
    const snapshot: FleetSnapshot = { epoch: '8', lastEventId: '8-3', trucks: [truck('acme-03', fresh), truck('acme-04', null)] };
    await page.evaluate((s) => window.storage!.replace(s), snapshot);
    const state = await page.evaluate(async () => {
      const loaded = await window.storage!.load(5);
      return { epoch: loaded.epoch, lastEventId: loaded.lastEventId, trucks: loaded.trucks.map((t) => t.id).sort() };
    });
    expect(state).toEqual({ epoch: '8', lastEventId: '8-3', trucks: ['acme-03', 'acme-04'] });
    expect(await count()).toBe(1);
    expect(await page.evaluate(() => window.storage!.history('acme-01', 0))).toEqual([]);
  });
});
