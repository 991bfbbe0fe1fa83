// Where a page's main thread spends its time: a Chromium trace of a few seconds, summed by kind.
import type { BrowserContext, Page } from 'playwright-core';

/** Trace events a benchmark reads (Chrome's Trace Event Format). */
interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  dur?: number;
  args?: { name?: string; data?: { frames?: { processId: number }[] } };
}

/**
 * Event kinds summed, each its inclusive time: rendering code runs in animation-frame callbacks,
 * hub messages arrive as posted messages; style, layout and paint are the browser's share.
 */
const KINDS = ['FireAnimationFrame', 'EventDispatch', 'HandlePostMessage', 'TimerFire', 'UpdateLayoutTree', 'Layout', 'PrePaint', 'Paint', 'Layerize', 'Commit'] as const;

/**
 * Main-thread time of one page per second of trace, in total (busy) and by kind, ms/s: the wall
 * time of its tasks, which on a machine with more work than cores includes waiting for a core.
 */
export interface MainThreadProfile {
  busyMsPerS: number;
  byKindMsPerS: Record<string, number>;
}

/** Traces `page` while `during` runs and sums its renderer main thread's tasks per second. */
export async function traceMainThread(context: BrowserContext, page: Page, during: () => Promise<unknown>): Promise<MainThreadProfile> {
  const cdp = await context.newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (d) => events.push(...(d.value as unknown as TraceEvent[])));
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline', transferMode: 'ReportEvents' });
  const started = performance.now();
  await during();
  const seconds = (performance.now() - started) / 1000;
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.end');
  await complete;
  await cdp.detach();
  // The page's renderer process, from the trace's own list of the traced page's frames.
  const pid = events.find((e) => e.name === 'TracingStartedInBrowser')?.args?.data?.frames?.[0]?.processId;
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === pid && e.args?.name === 'CrRendererMain');
  const onMain = events.filter((e) => main && e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined);
  const msPerS = (name: string) => onMain.filter((e) => e.name === name).reduce((sum, e) => sum + e.dur! / 1000, 0) / seconds;
  return {
    busyMsPerS: msPerS('RunTask'),
    byKindMsPerS: Object.fromEntries(KINDS.map((k) => [k, msPerS(k)])),
  };
}
