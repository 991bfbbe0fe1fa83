import { describe, expect, it } from 'vitest';
import { HISTORY_WINDOW_MS, loadWindows, readPages, type HistoryPager } from '../../src/client/history';
import type { Telemetry } from '../../src/shared/fleet';

function s(ts: number): Telemetry {
  return { truckId: 't1', ts, lat: 50, lon: 5, speedKph: 50, headingDeg: 0 };
}

/** A server holding `times`, answering like `GET /api/trucks/:id/history`: since <= ts < until, oldest first, at most limit. */
function server(times: number[]): { pager: HistoryPager; asked: { since: number; until: number; limit: number }[] } {
  const asked: { since: number; until: number; limit: number }[] = [];
  const rows = [...times].sort((a, b) => a - b).map(s);
  return {
    asked,
    pager: async (range) => {
      asked.push(range);
      return rows.filter((r) => r.ts >= range.since && r.ts < range.until).slice(0, range.limit);
    },
  };
}

describe('readPages', () => {
  it('reads a range page after page, each from after the last sample, and stops at a short page', async () => {
    const { pager, asked } = server(Array.from({ length: 25 }, (_, i) => i * 10));
    const out = await readPages(pager, { since: 0, until: 1_000 }, { limit: 10 });
    expect(out.map((x) => x.ts)).toEqual(Array.from({ length: 25 }, (_, i) => i * 10));
    expect(asked.map((a) => a.since)).toEqual([0, 91, 191]);
  });

  it('keeps one sample per time when the server holds two rows of one time', async () => {
    const { pager } = server([1, 2, 2, 3]);
    expect((await readPages(pager, { since: 0, until: 10 }, { limit: 2 })).map((x) => x.ts)).toEqual([1, 2, 3]);
  });

  it('stops when aborted', async () => {
    const abort = new AbortController();
    const { pager } = server([1, 2, 3, 4]);
    const paging = readPages(
      async (range, signal) => {
        abort.abort();
        return pager(range, signal);
      },
      { since: 0, until: 10 },
      { limit: 2, signal: abort.signal },
    );
    await expect(paging).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('loadWindows', () => {
  it('loads a week in windows, newest first, and returns it in order without gaps or duplicates', async () => {
    const week = 7 * 24 * 3_600_000;
    const until = 1_700_000_000_000;
    // One sample a minute, and one exactly on a window's edge.
    const times = Array.from({ length: week / 60_000 }, (_, i) => until - week + i * 60_000);
    const { pager, asked } = server(times);
    let progress = 0;
    const out = await loadWindows(pager, { since: until - week, until }, { onProgress: (n) => (progress = n) });
    expect(out.map((x) => x.ts)).toEqual(times);
    expect(progress).toBe(times.length);
    expect(asked[0]).toMatchObject({ since: until - HISTORY_WINDOW_MS, until });
    expect(new Set(asked.map((a) => `${a.since}-${a.until}`)).size).toBe(asked.length);
  });

  it('fails as a whole when one window fails, and stops asking', async () => {
    let calls = 0;
    const failing: HistoryPager = async () => {
      calls += 1;
      if (calls === 2) throw new Error('server down');
      await new Promise((r) => setTimeout(r, 5));
      return [];
    };
    await expect(loadWindows(failing, { since: 0, until: 40 * HISTORY_WINDOW_MS })).rejects.toThrow('server down');
    expect(calls).toBeLessThan(10);
  });
});
