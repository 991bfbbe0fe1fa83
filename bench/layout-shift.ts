// Layout stability: how far the page moves under the operator's eyes while it loads and while live
// data arrives, per page, screen and visit, from Chromium's own layout-shift entries.
import os from 'node:os';
import type { Page } from 'playwright-core';
import { DESKTOP, PHONE, launchProfile, logIn, type Device } from '../test/support/browser';
import { ingest, startServer } from '../test/support/server';
import { untilQuiet } from './quiet';
import { gitState, table, writeResult } from './report';
import { CRUISE_KPH, cruising, seedFleet } from './seed';

/** The good threshold of Core Web Vitals' CLS, and this benchmark's target for every row. */
const CLS_TARGET = 0.1;
/** Live data after the page is ready, s: every panel in view and the truck page's log take events meanwhile. */
const LIVE_S = 5;
/** Events per second during the live seconds (one request per event, as separate devices send them). */
const LIVE_RATE_PER_S = 4;
/** Into the live seconds, the watched truck starts speeding: an alert (toast, panel line) appears. */
const ALERT_AFTER_S = 2;
/** Above the speeding limit (100 km/h): the watched truck's alert. */
const SPEEDING_KPH = 112;
/** History before the run: every truck reported every HISTORY_STEP_S for HISTORY_MIN minutes. */
const HISTORY_MIN = 10;
const HISTORY_STEP_S = 20;
/** The truck whose page is measured, and that raises the alert on every page. */
const WATCHED = 'acme-03';
/** Longest wait for a page to be ready, ms. */
const READY_MS = 30_000;

interface PageCase {
  path: string;
  loggedIn: boolean;
  /** Trucks the page shows, which the live data is for. */
  trucks: 'all' | string[];
}

const PAGES: PageCase[] = [
  { path: '/login', loggedIn: false, trucks: [] },
  { path: '/', loggedIn: true, trucks: 'all' },
  { path: `/trucks/${WATCHED}`, loggedIn: true, trucks: [WATCHED] },
];
const SCREENS: { name: string; device: Device }[] = [
  { name: 'desktop 1280×800', device: DESKTOP },
  { name: 'phone 412×915', device: PHONE },
];

/** One layout-shift entry as the page recorded it. */
interface Shift {
  value: number;
  startTime: number;
  hadRecentInput: boolean;
  /** Each source node, as `host › element` (its shadow root's host, then the element). */
  sources: string[];
}

interface Row {
  page: string;
  screen: string;
  visit: 'first' | 'return';
  /** Sum of every layout-shift value without recent input, load and live seconds together. */
  cls: number;
  /** The part before the live data started (the load), and during it. */
  clsLoad: number;
  clsLive: number;
  /** The largest session window (shifts < 1 s apart, ≤ 5 s long): Core Web Vitals' CLS. */
  clsWindow: number;
  shifts: number;
  /** Elements that moved, with the summed value of the shifts they were part of. */
  sources: { node: string; shifts: number; value: number }[];
  met: boolean;
  entries: Shift[];
}

declare global {
  interface Window {
    __shifts?: Shift[];
  }
}

/** Runs in every page before the app: records layout shifts from the very first one. */
const RECORD_SHIFTS = `(() => {
  const shifts = (window.__shifts = []);
  const label = (el) => el.localName + (el.id ? '#' + el.id : el.classList.length ? '.' + el.classList[0] : '');
  const name = (el) => {
    const root = el.getRootNode();
    return root instanceof ShadowRoot ? root.host.localName + ' › ' + label(el) : label(el);
  };
  // Chromium gives no node for a source inside a shadow root: the outermost element (document and
  // shadow roots in tree order) whose box is now the source's current rectangle names it instead.
  const at = (rect) => {
    const near = (a, b) => Math.abs(a - b) < 1;
    const visit = (root) => {
      for (const el of root.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (near(r.x, rect.x) && near(r.y, rect.y) && near(r.width, rect.width) && near(r.height, rect.height)) return el;
        if (el.shadowRoot) {
          const found = visit(el.shadowRoot);
          if (found) return found;
        }
      }
      return null;
    };
    return visit(document);
  };
  const describe = (source) => {
    const node = source.node;
    const el = node && (node.nodeType === 1 ? node : node.parentElement);
    if (el) return name(el);
    const found = at(source.currentRect);
    const r = source.currentRect;
    return found ? name(found) : '(' + Math.round(r.x) + ',' + Math.round(r.y) + ' ' + Math.round(r.width) + '×' + Math.round(r.height) + ')';
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      shifts.push({ value: e.value, startTime: e.startTime, hadRecentInput: e.hadRecentInput, sources: (e.sources || []).map(describe) });
    }
  }).observe({ type: 'layout-shift', buffered: true });
})()`;

const loadBefore = os.loadavg();
const git = gitState();
await untilQuiet();
const server = await startServer({ LOG_LEVEL: 'error' });
const { sim, truckIds } = await seedFleet(server.url, HISTORY_MIN, HISTORY_STEP_S).catch(async (error: unknown) => {
  await server.stop();
  throw error;
});

/** LIVE_S seconds of telemetry for the page's trucks; the watched truck speeds from ALERT_AFTER_S on. */
async function liveData(page: PageCase): Promise<void> {
  const ids = page.trucks === 'all' ? truckIds : page.trucks;
  const start = Date.now();
  const ticks = LIVE_S * LIVE_RATE_PER_S;
  for (let k = 0; k < ticks; k++) {
    await new Promise((r) => setTimeout(r, Math.max(0, start + (k * 1000) / LIVE_RATE_PER_S - Date.now())));
    if (ids.length === 0) continue;
    const now = Date.now();
    sim.advance(now);
    const speeding = k >= ALERT_AFTER_S * LIVE_RATE_PER_S;
    // Once it speeds, the watched truck every other tick (on its own page every tick), so the alert
    // holds; the page's other trucks round robin.
    const id = speeding && ids.includes(WATCHED) && k % 2 === 0 ? WATCHED : ids[k % ids.length]!;
    const [sample] = sim.take(1, now, (info) => info.id === id);
    if (!sample) continue;
    await ingest(server.url, 'demo-acme', [id === WATCHED && speeding ? { ...sample, speedKph: SPEEDING_KPH } : cruising(sample)]);
  }
}

/** The watched truck back at cruising speed: its alert clears before the next page opens. */
async function clearAlert(): Promise<void> {
  const now = Date.now();
  sim.advance(now);
  const [sample] = sim.take(1, now, (info) => info.id === WATCHED);
  if (sample) await ingest(server.url, 'demo-acme', [{ ...sample, speedKph: CRUISE_KPH }]);
}

/** Waits until the page shows what it is for: the form, the painted panels, the truck's history. */
async function ready(page: Page, path: string): Promise<void> {
  if (path === '/login') {
    await page.getByLabel('Username').waitFor({ timeout: READY_MS });
    return;
  }
  await page.waitForFunction(() => window.fleetwire?.ready === true, undefined, { timeout: READY_MS });
  if (path === '/') await page.locator('truck-panel[data-last-event]').first().waitFor({ timeout: READY_MS });
  else await page.locator('truck-page[data-history-source="server"]').waitFor({ timeout: READY_MS });
}

/** Session windows as Core Web Vitals groups shifts: < 1 s apart, at most 5 s long; the largest. */
function largestWindow(shifts: Shift[]): number {
  let best = 0;
  let sum = 0;
  let first = -Infinity;
  let last = -Infinity;
  for (const s of shifts) {
    if (s.startTime - last >= 1000 || s.startTime - first >= 5000) {
      sum = 0;
      first = s.startTime;
    }
    sum += s.value;
    last = s.startTime;
    best = Math.max(best, sum);
  }
  return best;
}

async function measure(page: Page, pageCase: PageCase, screen: string, visit: Row['visit']): Promise<Row> {
  await page.goto(server.url + pageCase.path);
  await ready(page, pageCase.path);
  const liveFrom = await page.evaluate(() => performance.now());
  await liveData(pageCase);
  // The last events' frames, and the toasts' and log's reaction to them.
  await page.waitForTimeout(1_000);
  const entries = ((await page.evaluate(() => window.__shifts ?? [])) as Shift[]).filter((s) => !s.hadRecentInput);
  const sum = (list: Shift[]) => list.reduce((a, s) => a + s.value, 0);
  const bySource = new Map<string, { node: string; shifts: number; value: number }>();
  for (const e of entries) {
    for (const node of new Set(e.sources)) {
      const s = bySource.get(node) ?? { node, shifts: 0, value: 0 };
      s.shifts += 1;
      s.value += e.value;
      bySource.set(node, s);
    }
  }
  const cls = sum(entries);
  return {
    page: pageCase.path,
    screen,
    visit,
    cls: round(cls),
    clsLoad: round(sum(entries.filter((e) => e.startTime < liveFrom))),
    clsLive: round(sum(entries.filter((e) => e.startTime >= liveFrom))),
    clsWindow: round(largestWindow(entries)),
    shifts: entries.length,
    sources: [...bySource.values()].sort((a, b) => b.value - a.value).map((s) => ({ ...s, value: round(s.value) })),
    met: cls <= CLS_TARGET,
    entries,
  };
}

function round(v: number): number {
  return Math.round(v * 10_000) / 10_000;
}

const rows: Row[] = [];
try {
  for (const { name: screen, device } of SCREENS) {
    for (const pageCase of PAGES) {
      const profile = await launchProfile({ device, initScript: RECORD_SHIFTS });
      try {
        if (pageCase.loggedIn) await logIn(profile.context, server.url, 'ana');
        const page = await profile.context.newPage();
        rows.push(await measure(page, pageCase, screen, 'first'));
        await clearAlert();
        // A return visit finds the service worker active and the hub's database (and the last view) stored.
        const active = await page.evaluate(
          (ms) => Promise.race([navigator.serviceWorker.ready.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]),
          READY_MS,
        );
        if (!active) throw new Error(`no active service worker on ${pageCase.path} after ${READY_MS} ms`);
        await page.waitForTimeout(500);
        rows.push(await measure(page, pageCase, screen, 'return'));
        await clearAlert();
      } finally {
        await profile.close();
      }
      const r = rows.slice(-2);
      console.log(r.map((x) => `${x.page} ${x.screen} ${x.visit}: ${x.cls} (${x.sources.slice(0, 3).map((s) => s.node).join(', ')})`).join('\n'));
    }
  }
} finally {
  await server.stop();
}

const met = rows.filter((r) => r.met).length;
await writeResult(
  'layout-shift',
  {
    commit: git.commit,
    dirty: git.dirty,
    loadAverageBefore: { '1m': loadBefore[0], '5m': loadBefore[1], '15m': loadBefore[2] },
    target: CLS_TARGET,
    liveSeconds: LIVE_S,
    liveRatePerS: LIVE_RATE_PER_S,
    rows,
  },
  `## Layout shift: pages that hold still

Commit \`${git.commit.slice(0, 12)}\`${git.dirty ? ' (with uncommitted changes)' : ''}, load average ${loadBefore[0]?.toFixed(1)} on ${os.cpus().length} cores before the run.
Real Chromium, a fresh profile per page and screen: the *first* visit, then a *return* visit (a
second navigation in the same profile, once the service worker is active and the hub's database
holds the fleet). Each visit is measured from navigation until ${LIVE_S} s after the page is ready
(the form; the panels painted; the truck's history loaded), while ${LIVE_RATE_PER_S} events/s arrive
for the page's trucks (seeded simulator, after ${HISTORY_MIN} minutes of history for all
${truckIds.length} trucks); ${ALERT_AFTER_S} s in, ${WATCHED} starts speeding, so an alert toast and
the panel's alert line appear. *CLS* is the sum of every \`layout-shift\` entry without recent input
(a \`PerformanceObserver\` with \`buffered: true\` installed before the app); *load* and *live* split
it at the start of the live data; *window* is Core Web Vitals' largest session window. *Moved*: the
elements Chromium names as the shift's sources (shadow host › element), largest share first.
The phone is 412×915 at 2.6 device pixels per CSS pixel, with touch and mobile viewport.

${table(
  ['page', 'screen', 'visit', 'CLS', 'load', 'live', 'window', 'shifts', 'moved', 'verdict'],
  rows.map((r) => [
    `\`${r.page}\``,
    r.screen,
    r.visit,
    r.cls.toFixed(3),
    r.clsLoad.toFixed(3),
    r.clsLive.toFixed(3),
    r.clsWindow.toFixed(3),
    r.shifts,
    r.sources.slice(0, 3).map((s) => `${s.node} (${s.value.toFixed(3)})`).join(', ') || '—',
    r.met ? 'met' : '**not met**',
  ]),
)}

Target: CLS ≤ ${CLS_TARGET} in every row: ${met} of ${rows.length} rows **${met === rows.length ? 'met' : 'not met'}**.`,
);
