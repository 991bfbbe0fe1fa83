// Freshness, measured as an operator sees it: per event and window, from sending the event until
// the window shows the truck's panel with that event or a later one. Shared by the browser benchmarks.
import { compareEventIds } from '../src/shared/events';
import { quantile } from './report';

/** What one window showed: [truckId, event id, epoch ms] each time a shown panel changed. */
export type ShownLog = [string, string, number][];

declare global {
  interface Window {
    __shown?: ShownLog;
    /** Epoch ms each event reached the page's JavaScript, by event id (the hub benchmark's *received*). */
    __received?: Record<string, number>;
    /** The trucks this window shows (in view), whose events it is measured on. */
    __watched?: string[];
  }
}

/**
 * The floor: what any page does with the fewest steps. One EventSource in the tab that holds a Web
 * Lock, the events handed to every tab on a BroadcastChannel, one line of text set per event and
 * counted as shown in the next animation frame.
 */
export const FLOOR_PAGE_JS = `(() => {
  const shown = [];
  window.__shown = shown;
  window.__watched = null;
  document.body.innerHTML = '<p id="line" style="font: 16px system-ui">waiting</p>';
  const line = document.getElementById('line');
  const channel = new BroadcastChannel('floor');
  const show = (truckId, id) => {
    line.textContent = truckId + ' ' + id;
    requestAnimationFrame(() => shown.push([truckId, id, Date.now()]));
  };
  channel.onmessage = (e) => show(e.data.truckId, e.data.id);
  navigator.locks.request('floor-leader', () => new Promise(() => {
    const source = new EventSource('/api/stream');
    source.addEventListener('telemetry', (e) => {
      const truckId = JSON.parse(e.data).truckId;
      channel.postMessage({ truckId, id: e.lastEventId });
      show(truckId, e.lastEventId);
    });
  }));
})()`;

/**
 * A naive tab: its own EventSource, each event shown (one line of text) in the next animation frame.
 */
export const NAIVE_PAGE_JS = `(() => {
  const shown = [];
  const received = {};
  window.__shown = shown;
  window.__received = received;
  window.__watched = null;
  document.body.innerHTML = '<p id="line" style="font: 16px system-ui">waiting</p>';
  const line = document.getElementById('line');
  const source = new EventSource('/api/stream');
  source.addEventListener('telemetry', (e) => {
    received[e.lastEventId] = Date.now();
    const truckId = JSON.parse(e.data).truckId;
    line.textContent = truckId + ' ' + e.lastEventId;
    requestAnimationFrame(() => shown.push([truckId, e.lastEventId, Date.now()]));
  });
})()`;

/**
 * fleetwire: logs each change of `data-last-event` (set once the panel's DOM holds that event) of
 * the panels in view. A dashboard window is scrolled to its panel grid first, as an operator
 * watching panels has it.
 */
export const FLEETWIRE_PAGE_JS = `(async () => {
  const all = (root, selector, out = []) => {
    out.push(...root.querySelectorAll(selector));
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) all(el.shadowRoot, selector, out);
    return out;
  };
  const grid = all(document, '.grid')[0];
  if (grid) grid.scrollIntoView({ block: 'start' });
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const shown = [];
  window.__shown = shown;
  const panels = all(document, 'truck-panel').filter((p) => {
    const r = p.getBoundingClientRect();
    return r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
  });
  window.__watched = panels.map((p) => p.getAttribute('truck-id'));
  const observer = new MutationObserver((records) => {
    const now = Date.now();
    for (const r of records) {
      const id = r.target.getAttribute('data-last-event');
      if (id) shown.push([r.target.getAttribute('truck-id'), id, now]);
    }
  });
  for (const p of panels) observer.observe(p, { attributes: true, attributeFilter: ['data-last-event'] });
})()`;

/** What a window logged: its shown events, and the trucks it shows (null: every truck). */
export interface WindowLog {
  shown: ShownLog;
  watched: string[] | null;
}

/** Reads what a page logged since FLOOR_PAGE_JS or FLEETWIRE_PAGE_JS started it. */
export const READ_LOG_JS = '({ shown: window.__shown ?? [], watched: window.__watched ?? null })';

/** Forgets what was logged so far (a warm-up). */
export const CLEAR_LOG_JS = 'void window.__shown?.splice(0)';

/**
 * Per event and window: send →  the first log entry of that truck at this event or later. An event
 * never shown counts as shown at `endedAt`.
 */
export function freshness(truckOf: ReadonlyMap<string, string>, sentAt: ReadonlyMap<string, number>, logs: readonly WindowLog[], endedAt: number) {
  const latencies: number[] = [];
  let exact = 0;
  let notShown = 0;
  let wentBack = 0;
  for (const { shown, watched } of logs) {
    const byTruck = new Map<string, { id: string; at: number }[]>();
    for (const [truckId, id, at] of shown) {
      let list = byTruck.get(truckId);
      if (!list) byTruck.set(truckId, (list = []));
      const previous = list.at(-1);
      if (previous && compareEventIds(id, previous.id) < 0) wentBack += 1;
      list.push({ id, at });
    }
    for (const [eventId, truckId] of truckOf) {
      if (watched && !watched.includes(truckId)) continue;
      const sent = sentAt.get(eventId)!;
      const list = byTruck.get(truckId) ?? [];
      const first = list.find((e) => compareEventIds(e.id, eventId) >= 0);
      if (first) {
        latencies.push(first.at - sent);
        if (first.id === eventId) exact += 1;
      } else {
        latencies.push(endedAt - sent);
        notShown += 1;
      }
    }
  }
  return {
    pairs: latencies.length,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: latencies.length ? Math.max(...latencies) : null,
    paintedIndividually: latencies.length ? exact / latencies.length : 0,
    notShown,
    wentBack,
  };
}

