/**
 * Loading a truck's history for a range in pages, from the hub's storage or from the server. Pages
 * stay small (a few thousand samples): each is parsed or copied in a few milliseconds, and the page
 * never has a long task however long the range. Pure of browser APIs, so it is unit tested as is.
 */
import type { Telemetry } from '../shared/fleet';

/**
 * Samples per page of the server's history: about 530 KB of JSON, read and parsed in under 10 ms
 * (a page of 10,000 took the page's thread 25 to 35 ms, too close to a long task on a busy machine).
 */
export const HISTORY_PAGE_SAMPLES = 2_500;
/**
 * Samples per page read from the hub's storage: a structured clone from the hub, which the page
 * receives in about the time it parses half as many samples of JSON.
 */
export const STORED_PAGE_SAMPLES = 5_000;
/**
 * The server's history is asked for in windows of this length, a few at a time: three hours hold
 * 2,160 samples at one every 5 s (one page), and a week is 56 windows instead of one long chain of
 * pages each waiting for the one before.
 */
export const HISTORY_WINDOW_MS = 3 * 3_600_000;
/**
 * Windows asked for at once: 24 hours (8 windows) come in two rounds. The hub's stream holds one of
 * the browser's ~6 connections to the server, and one stays free for the page's other requests.
 */
export const HISTORY_CONCURRENCY = 4;

/** One page: at most `limit` samples with `since <= ts < until`, oldest first. */
export type HistoryPager = (range: { since: number; until: number; limit: number }, signal?: AbortSignal) => Promise<Telemetry[]>;

/**
 * Every sample of `[since, until)` through `page`, page after page: time-ordered with one sample
 * per `ts` (a page repeating a time is cut there). `onPage` hears each page as it comes.
 */
export async function readPages(
  page: HistoryPager,
  range: { since: number; until: number },
  options: { signal?: AbortSignal; limit?: number; onPage?: (samples: Telemetry[]) => void } = {},
): Promise<Telemetry[]> {
  const limit = options.limit ?? HISTORY_PAGE_SAMPLES;
  const out: Telemetry[] = [];
  let since = range.since;
  while (since < range.until) {
    options.signal?.throwIfAborted();
    const samples = await page({ since, until: range.until, limit }, options.signal);
    options.signal?.throwIfAborted();
    let last = out.length ? (out[out.length - 1] as Telemetry).ts : -Infinity;
    for (const s of samples) {
      if (s.ts <= last) continue;
      out.push(s);
      last = s.ts;
    }
    options.onPage?.(samples);
    const lastOfPage = samples[samples.length - 1];
    if (samples.length < limit || !lastOfPage) break;
    // Times are whole milliseconds; a page that ends with several samples of one time loses none,
    // since they are one sample.
    since = lastOfPage.ts + 1;
  }
  return out;
}

/**
 * Every sample of `[since, until)` from the server, asked for in HISTORY_WINDOW_MS windows,
 * HISTORY_CONCURRENCY at a time, each window paged. Resolves time-ordered; `onPage` hears every
 * page as it comes (to store it), `onProgress` the number of samples so far.
 */
export async function loadWindows(
  page: HistoryPager,
  range: { since: number; until: number },
  options: { signal?: AbortSignal; onPage?: (samples: Telemetry[]) => void; onProgress?: (loaded: number) => void } = {},
): Promise<Telemetry[]> {
  const windows: { since: number; until: number }[] = [];
  // Newest first: the recent hours are what an operator looks at first, and what is least likely stored.
  for (let until = range.until; until > range.since; until -= HISTORY_WINDOW_MS) {
    windows.push({ since: Math.max(range.since, until - HISTORY_WINDOW_MS), until });
  }
  const results: Telemetry[][] = new Array<Telemetry[]>(windows.length);
  let loaded = 0;
  let next = 0;
  // One window failing stops the others: the caller falls back to what is stored.
  const inner = new AbortController();
  const forward = () => inner.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', forward, { once: true });
  const worker = async () => {
    while (next < windows.length) {
      const i = next++;
      results[i] = await readPages(page, windows[i] as { since: number; until: number }, {
        signal: inner.signal,
        onPage: (samples) => {
          loaded += samples.length;
          options.onPage?.(samples);
          options.onProgress?.(loaded);
        },
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(HISTORY_CONCURRENCY, windows.length) }, worker));
  } catch (error) {
    inner.abort();
    throw options.signal?.aborted ? (options.signal.reason ?? error) : error;
  } finally {
    options.signal?.removeEventListener('abort', forward);
  }
  // Windows are disjoint and each is in order: oldest window first is the whole range in order.
  return ([] as Telemetry[]).concat(...results.reverse());
}
