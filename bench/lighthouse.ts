// Lighthouse on fleetwire's first load: /login, the dashboard and a truck window, logged in, with
// Lighthouse's desktop and mobile presets, against a running server on this machine's Chromium.
import os from 'node:os';
import { launch, type LaunchedChrome } from 'chrome-launcher';
import lighthouse, { desktopConfig, type Config, type Result } from 'lighthouse';
import { computeMedianRun } from 'lighthouse/core/lib/median-run.js';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH, logIn } from '../test/support/browser';
import { startServer } from '../test/support/server';
import { untilQuiet } from './quiet';
import { gitState, ms, table, writeResult } from './report';
import { seedFleet } from './seed';

/** Audits per page and preset; the median run (Lighthouse's own pick, by FCP and TTI) is reported. */
const RUNS = Number(process.env.BENCH_LIGHTHOUSE_RUNS ?? 3);
/** The issue's bar for the dashboard on a phone: a performance score of 90 (TBT ≤ 200 ms). */
const MOBILE_SCORE_TARGET = 90;
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;
const METRICS = {
  fcp: 'first-contentful-paint',
  lcp: 'largest-contentful-paint',
  tbt: 'total-blocking-time',
  cls: 'cumulative-layout-shift',
  si: 'speed-index',
} as const;
const PAGES = [
  { path: '/login', loggedIn: false },
  { path: '/', loggedIn: true },
  { path: '/trucks/acme-03', loggedIn: true },
];
/** `mobile` is Lighthouse's default config (a 412 px phone, simulated slow 4G and a 4× slower CPU). */
const PRESETS: { name: 'desktop' | 'mobile'; config: Config | undefined }[] = [
  { name: 'desktop', config: desktopConfig },
  { name: 'mobile', config: undefined },
];

/** One network request of the page, as Lighthouse's `network-requests` audit lists it. */
interface NetworkRequest {
  url: string;
  transferSize?: number;
  resourceSize?: number;
  resourceType?: string;
}

interface Row {
  page: string;
  preset: 'desktop' | 'mobile';
  runs: number;
  /** 0–100, of the median run. */
  scores: Record<(typeof CATEGORIES)[number], number | null>;
  /** Milliseconds (CLS unitless), of the median run. */
  metrics: Record<keyof typeof METRICS, number | null>;
  /** Every run's performance score and TBT, to show the spread. */
  performanceScores: (number | null)[];
  tbtMs: (number | null)[];
  /** Bytes of the first load: as sent (compressed, headers included) and as the resources are. */
  transferBytes: number;
  resourceBytes: number;
  requests: number;
  domElements: number | null;
  /** Lighthouse's CPU benchmark of this machine during the run (higher: faster). */
  benchmarkIndex: number;
  lighthouseVersion: string;
  warnings: string[];
}

const loadBefore = os.loadavg();
const git = gitState();
await untilQuiet();
const server = await startServer({ LOG_LEVEL: 'error' });

/**
 * Launches the system Chromium with a fresh profile for Lighthouse (as its CLI would) and, for a
 * page behind the login, logs that profile in: the session cookie lands in the browser's own jar,
 * where the hub's SharedWorker finds it too (Lighthouse's `extraHeaders` reach the page only).
 */
async function browserFor(loggedIn: boolean): Promise<LaunchedChrome> {
  const chrome = await launch({
    chromePath: CHROMIUM_PATH,
    chromeFlags: ['--headless=new', ...CHROMIUM_ARGS],
    logLevel: 'silent',
  });
  if (loggedIn) {
    const browser = await chromium.connectOverCDP(`http://127.0.0.1:${chrome.port}`);
    try {
      const context = browser.contexts()[0];
      if (!context) throw new Error('Chromium has no default browser context to log in');
      await logIn(context, server.url, 'ana');
    } finally {
      // Over CDP this disconnects and leaves the browser running.
      await browser.close();
    }
  }
  return chrome;
}

async function audit(path: string, loggedIn: boolean, config: Config | undefined): Promise<Result> {
  const chrome = await browserFor(loggedIn);
  try {
    const result = await lighthouse(
      server.url + path,
      { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: [...CATEGORIES] },
      config,
    );
    if (!result) throw new Error(`Lighthouse gave no result for ${path}`);
    const lhr = result.lhr;
    if (lhr.runtimeError) throw new Error(`Lighthouse could not audit ${path}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
    const landed = new URL(lhr.finalDisplayedUrl).pathname;
    if (landed !== path) throw new Error(`Lighthouse audited ${landed} instead of ${path}: not logged in?`);
    return lhr;
  } finally {
    chrome.kill();
  }
}

function numeric(lhr: Result, id: string): number | null {
  return lhr.audits[id]?.numericValue ?? null;
}

function row(page: string, preset: Row['preset'], runs: Result[]): Row {
  const lhr = computeMedianRun(runs);
  const details = lhr.audits['network-requests']?.details;
  const requests = (details && 'items' in details ? details.items : []) as NetworkRequest[];
  const score = (id: string) => {
    const s = lhr.categories[id]?.score;
    return s === null || s === undefined ? null : Math.round(s * 100);
  };
  return {
    page,
    preset,
    runs: runs.length,
    scores: Object.fromEntries(CATEGORIES.map((c) => [c, score(c)])) as Row['scores'],
    metrics: Object.fromEntries(Object.entries(METRICS).map(([k, id]) => [k, numeric(lhr, id)])) as Row['metrics'],
    performanceScores: runs.map((r) => {
      const s = r.categories.performance?.score;
      return s === null || s === undefined ? null : Math.round(s * 100);
    }),
    tbtMs: runs.map((r) => numeric(r, METRICS.tbt)),
    transferBytes: requests.reduce((a, r) => a + (r.transferSize ?? 0), 0),
    resourceBytes: requests.reduce((a, r) => a + (r.resourceSize ?? 0), 0),
    requests: requests.length,
    domElements: numeric(lhr, 'dom-size'),
    benchmarkIndex: lhr.environment.benchmarkIndex,
    lighthouseVersion: lhr.lighthouseVersion,
    warnings: lhr.runWarnings.map(String),
  };
}

const rows: Row[] = [];
try {
  // The fleet the pages show: every truck has reported for a few minutes.
  await seedFleet(server.url, 10, 20);
  for (const preset of PRESETS) {
    for (const page of PAGES) {
      const runs: Result[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await audit(page.path, page.loggedIn, preset.config));
      const r = row(page.path, preset.name, runs);
      rows.push(r);
      console.log(`${preset.name} ${page.path}: performance ${r.performanceScores.join('/')}, TBT ${r.tbtMs.map((v) => Math.round(v ?? 0)).join('/')} ms`);
    }
  }
} finally {
  await server.stop();
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const mobileDashboard = rows.find((r) => r.preset === 'mobile' && r.page === '/');
const mobileScore = mobileDashboard?.scores.performance ?? null;
await writeResult(
  'lighthouse',
  {
    commit: git.commit,
    dirty: git.dirty,
    loadAverageBefore: { '1m': loadBefore[0], '5m': loadBefore[1], '15m': loadBefore[2] },
    lighthouseVersion: rows[0]?.lighthouseVersion ?? null,
    runsPerRow: RUNS,
    mobileScoreTarget: MOBILE_SCORE_TARGET,
    rows,
  },
  `## Lighthouse: first load, desktop and mobile

Commit \`${git.commit.slice(0, 12)}\`${git.dirty ? ' (with uncommitted changes)' : ''}, load average ${loadBefore[0]?.toFixed(1)} on ${os.cpus().length} cores before the run.
Lighthouse ${rows[0]?.lighthouseVersion ?? '—'} (Node API) on this machine's Chromium (\`--headless=new\`), a fresh profile per
audit, logged in as \`ana\` through \`POST /api/session\` in that browser for \`/\` and the truck window;
the acme fleet has reported for 10 minutes. Presets: Lighthouse's *desktop* config and its default
*mobile* one (412 px phone, simulated slow 4G, CPU 4× slower). ${RUNS} audits per row; the median
run (Lighthouse's \`computeMedianRun\`) is shown, with every run's performance score and TBT beside
it. *Bytes*: the first load's requests, as transferred (compressed) and as resources (uncompressed).
The benchmark index is Lighthouse's measure of this machine's CPU during the run (others' load shows
there).

${table(
  ['page', 'preset', 'performance', 'a11y', 'best practices', 'SEO', 'FCP', 'LCP', 'TBT', 'CLS', 'SI', 'runs: perf / TBT', 'transferred', 'resources', 'requests', 'DOM elements', 'benchmark index'],
  rows.map((r) => [
    `\`${r.page}\``,
    r.preset,
    r.scores.performance,
    r.scores.accessibility,
    r.scores['best-practices'],
    r.scores.seo,
    ms(r.metrics.fcp),
    ms(r.metrics.lcp),
    ms(r.metrics.tbt),
    r.metrics.cls === null ? null : r.metrics.cls.toFixed(3),
    ms(r.metrics.si),
    `${r.performanceScores.join(', ')} / ${r.tbtMs.map((v) => Math.round(v ?? 0)).join(', ')} ms`,
    kb(r.transferBytes),
    kb(r.resourceBytes),
    r.requests,
    r.domElements,
    Math.round(r.benchmarkIndex),
  ]),
)}

Target: the dashboard (\`/\`) on the mobile preset scores ≥ ${MOBILE_SCORE_TARGET} for performance: ${mobileScore ?? '—'},
**${mobileScore !== null && mobileScore >= MOBILE_SCORE_TARGET ? 'met' : 'not met'}**.`,
);
