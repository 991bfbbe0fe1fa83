/**
 * One truck's telemetry as a time series: merged from the server's history, what the hub stored and
 * what arrives live. Within one truck, two samples with the same `ts` are the same sample (the
 * server keeps one row per truck and time; a replayed event carries the same time again).
 */
import type { Telemetry } from './fleet';

/** The body of `GET /api/trucks/:id/history` (JSON): one page of a truck's telemetry, oldest first. */
export interface HistoryPage {
  truckId: string;
  /** Epoch ms: the page holds samples with `since <= ts < until`, at most `limit` of them. */
  since: number;
  until: number;
  telemetry: Telemetry[];
}

/** The ranges a truck window offers, ms: the last hour, day and week. */
export const HISTORY_RANGES_MS = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 } as const;

/** A range a truck window offers. */
export type HistoryRange = keyof typeof HISTORY_RANGES_MS;

/** The longest range offered: stored history older than this is never shown, so it is not kept. */
export const LONGEST_HISTORY_RANGE_MS = HISTORY_RANGES_MS['7d'];

/** Whether `list` is strictly increasing by `ts` (sorted, no duplicate). */
export function isTimeOrdered(list: readonly Telemetry[]): boolean {
  for (let i = 1; i < list.length; i++) {
    if ((list[i] as Telemetry).ts <= (list[i - 1] as Telemetry).ts) return false;
  }
  return true;
}

/** `list` sorted by `ts` with one sample per `ts` (the first one met is kept); `list` itself when it already is. */
export function timeOrdered(list: readonly Telemetry[]): readonly Telemetry[] {
  if (isTimeOrdered(list)) return list;
  const sorted = [...list].sort((x, y) => x.ts - y.ts);
  const out: Telemetry[] = [];
  for (const s of sorted) if (out.length === 0 || (out[out.length - 1] as Telemetry).ts !== s.ts) out.push(s);
  return out;
}

/**
 * Merges two series of one truck into one sorted by `ts`, one sample per `ts`; where both hold a
 * time, `a`'s sample is kept (pass the server's history first: it is the record). Linear in the
 * total length when both are in order (the usual case); unordered input is put in order first.
 * Returns `a` or `b` itself when the other adds nothing.
 */
export function mergeSamples(a: readonly Telemetry[], b: readonly Telemetry[]): readonly Telemetry[] {
  return mergeOrdered(timeOrdered(a), timeOrdered(b));
}

/**
 * mergeSamples for two series already time-ordered with one sample per `ts` (what readPages and
 * the truck window hold): no pass to check that first, which on a week of samples is not free.
 */
export function mergeOrdered(x: readonly Telemetry[], y: readonly Telemetry[]): readonly Telemetry[] {
  if (y.length === 0) return x;
  if (x.length === 0) return y;
  // Disjoint and in order: one concatenation, no per-sample comparisons.
  if ((x[x.length - 1] as Telemetry).ts < (y[0] as Telemetry).ts) return x.concat(y);
  if ((y[y.length - 1] as Telemetry).ts < (x[0] as Telemetry).ts) return y.concat(x);
  const out: Telemetry[] = new Array<Telemetry>();
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const p = x[i] as Telemetry;
    const q = y[j] as Telemetry;
    if (p.ts < q.ts) {
      out.push(p);
      i++;
    } else if (q.ts < p.ts) {
      out.push(q);
      j++;
    } else {
      out.push(p);
      i++;
      j++;
    }
  }
  while (i < x.length) out.push(x[i++] as Telemetry);
  while (j < y.length) out.push(y[j++] as Telemetry);
  if (out.length === x.length) return x;
  return out;
}

/** Index of the first sample with `ts >= at` in a time-ordered series (its length when none). */
export function firstAtOrAfter(list: readonly Telemetry[], at: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as Telemetry).ts < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The samples of a time-ordered series with `since <= ts < until`; the series itself when all are. */
export function samplesBetween(list: readonly Telemetry[], since: number, until = Infinity): readonly Telemetry[] {
  const from = firstAtOrAfter(list, since);
  const to = until === Infinity ? list.length : firstAtOrAfter(list, until);
  return from === 0 && to === list.length ? list : list.slice(from, to);
}

/**
 * `list` (time-ordered) with the samples of `more` it does not hold yet: live samples, newer than
 * everything held, are appended without walking `list`; an older one missing from it (a device
 * that sent late) takes a full merge. Returns `list` itself when nothing is new.
 */
export function addSamples(list: readonly Telemetry[], more: readonly Telemetry[]): readonly Telemetry[] {
  const lastTs = list.length ? (list[list.length - 1] as Telemetry).ts : -Infinity;
  const fresh: Telemetry[] = [];
  for (const s of more) {
    if (s.ts > lastTs) {
      fresh.push(s);
      continue;
    }
    const i = firstAtOrAfter(list, s.ts);
    if (i >= list.length || (list[i] as Telemetry).ts !== s.ts) return mergeSamples(list, more);
  }
  return fresh.length ? list.concat(timeOrdered(fresh)) : list;
}
