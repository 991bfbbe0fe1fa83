// A hand-written SVG chart of bench/server's results (no chart dependency): delivered events/s
// against what clients should have received, and p99 latency, per client count and server.
import type { RunResult } from './run';

const W = 900;
const H = 380;
const PANEL_W = 380;
const TOP = 56;
const BOTTOM = 300;
const COLORS: Record<string, string> = { fleetwire: '#1f6feb', 'better-sse': '#d4761c' };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function short(n: number): string {
  const trim = (s: string) => s.replace(/\.0$/, '');
  if (n >= 1e6) return `${trim((n / 1e6).toFixed(n >= 1e7 ? 0 : 1))}M`;
  if (n >= 1e3) return `${trim((n / 1e3).toFixed(n >= 1e4 ? 0 : 1))}k`;
  return String(Math.round(n));
}

interface Panel {
  x0: number;
  title: string;
  value: (r: RunResult) => number | null;
  /** Optional target drawn as a dashed tick over each group (e.g. expected events/s). */
  target?: (group: string) => number | null;
  log?: boolean;
  unit: string;
}

/** A run's group on the x axis: its client count, and its rate when it differs from the first run's. */
function group(r: RunResult, baseRate: number): string {
  return r.ratePerS === baseRate ? `${short(r.clients)} clients` : `${short(r.clients)} clients|at ${short(r.ratePerS)}/s`;
}

function panel(results: RunResult[], p: Panel): string {
  const baseRate = results[0]?.ratePerS ?? 0;
  const counts = [...new Set(results.map((r) => group(r, baseRate)))];
  const servers = [...new Set(results.map((r) => r.server))];
  const values = results.map((r) => p.value(r) ?? 0);
  const targets = counts.map((c) => p.target?.(c) ?? 0);
  const max = niceMax(Math.max(...values, ...targets, 1));
  const minLog = 1;
  const y = (v: number) => {
    if (p.log) {
      const lv = Math.log10(Math.max(v, minLog));
      return BOTTOM - (lv / Math.log10(max)) * (BOTTOM - TOP);
    }
    return BOTTOM - (v / max) * (BOTTOM - TOP);
  };
  const out: string[] = [];
  out.push(`<text x="${p.x0 + PANEL_W / 2}" y="${TOP - 24}" text-anchor="middle" font-size="14" font-weight="600">${esc(p.title)}</text>`);
  const ticks = p.log
    ? Array.from({ length: Math.round(Math.log10(max)) + 1 }, (_, i) => 10 ** i)
    : Array.from({ length: 5 }, (_, i) => (max * i) / 4);
  for (const t of ticks) {
    out.push(`<line x1="${p.x0 + 40}" x2="${p.x0 + PANEL_W}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`);
    out.push(`<text x="${p.x0 + 36}" y="${y(t) + 4}" text-anchor="end" font-size="11" fill="#555">${short(t)}${p.unit}</text>`);
  }
  const groupW = (PANEL_W - 50) / counts.length;
  const barW = Math.min(40, (groupW - 20) / servers.length);
  counts.forEach((c, gi) => {
    const gx = p.x0 + 50 + gi * groupW;
    servers.forEach((s, si) => {
      const r = results.find((x) => group(x, baseRate) === c && x.server === s);
      const v = r ? p.value(r) : null;
      const bx = gx + 10 + si * barW;
      if (v !== null) {
        out.push(`<rect x="${bx}" y="${y(v)}" width="${barW - 4}" height="${BOTTOM - y(v)}" fill="${COLORS[s] ?? '#888'}"><title>${esc(`${s}, ${c} clients: ${v.toLocaleString('en-US')}${p.unit}`)}</title></rect>`);
        out.push(`<text x="${bx + (barW - 4) / 2}" y="${y(v) - 4}" text-anchor="middle" font-size="10">${short(v)}</text>`);
      }
    });
    const t = p.target?.(c);
    if (t) {
      const tx0 = gx + 4;
      const tx1 = gx + 16 + servers.length * barW;
      out.push(`<line x1="${tx0}" x2="${tx1}" y1="${y(t)}" y2="${y(t)}" stroke="#222" stroke-dasharray="4 3"/>`);
    }
    const cx = gx + 10 + (servers.length * barW) / 2;
    const lines = c.split('|').map((line, i) => `<tspan x="${cx}" dy="${i === 0 ? 0 : 13}">${esc(line)}</tspan>`);
    out.push(`<text x="${cx}" y="${BOTTOM + 18}" text-anchor="middle" font-size="11">${lines.join('')}</text>`);
  });
  out.push(`<line x1="${p.x0 + 40}" x2="${p.x0 + PANEL_W}" y1="${BOTTOM}" y2="${BOTTOM}" stroke="#333"/>`);
  return out.join('\n');
}

/** The chart as an SVG document. */
export function throughputChart(results: RunResult[]): string {
  const baseRate = results[0]?.ratePerS ?? 0;
  const expected = (g: string) => results.find((r) => group(r, baseRate) === g)?.expectedPerS ?? null;
  const legend = Object.entries(COLORS)
    .map(([name, color], i) => `<rect x="${60 + i * 130}" y="${H - 30}" width="12" height="12" fill="${color}"/><text x="${78 + i * 130}" y="${H - 20}" font-size="12">${name}</text>`)
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif">
<rect width="${W}" height="${H}" fill="#fff"/>
${panel(results, { x0: 30, title: 'Events delivered per second (dashed: all of them)', value: (r) => r.deliveredPerS, target: expected, unit: '' })}
${panel(results, { x0: 490, title: 'p99 latency, POST sent → client read (log)', value: (r) => r.latencyP99Ms, log: true, unit: ' ms' })}
${legend}
<text x="${W - 10}" y="${H - 20}" text-anchor="end" font-size="11" fill="#555">dashed line: events the clients should receive</text>
</svg>
`;
}
