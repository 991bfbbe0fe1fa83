// Where benchmarks put their numbers: bench/results/<name>.json and a Markdown section beside it.
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/results, where every benchmark writes. */
export const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

/** The commit a run measured, and whether the tree held changes beyond bench/results. */
export function gitState(): { commit: string; dirty: boolean } {
  const commit = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--', '.', ':!bench/results'], { encoding: 'utf8' }).stdout.trim() !== '';
  return { commit, dirty };
}

/** The machine a run was made on: numbers mean little without it. */
export function machine(): { cpus: number; cpuModel: string; memGiB: number; node: string; date: string; loadAverage1m: number; git: { commit: string; dirty: boolean } } {
  return {
    git: gitState(),
    // What else ran on the machine shows here: a run on busy cores is slower, whatever the code.
    loadAverage1m: os.loadavg()[0] ?? 0,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString(),
  };
}

/** Writes a benchmark's raw numbers and its Markdown section (collected into BENCHMARKS.md by run.ts). */
export async function writeResult(name: string, data: unknown, markdown: string): Promise<void> {
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(path.join(RESULTS_DIR, `${name}.json`), JSON.stringify({ machine: machine(), ...(data as object) }, null, 2) + '\n');
  await writeFile(path.join(RESULTS_DIR, `${name}.md`), markdown.trim() + '\n');
  console.log(markdown);
}

/** The q-quantile (0..1) of numbers, nearest-rank; null when empty. */
export function quantile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? null;
}

/** A Markdown table from a header and rows. */
export function table(header: string[], rows: (string | number | null)[][]): string {
  const cell = (v: string | number | null) => (v === null ? '—' : String(v));
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** Milliseconds, rounded for a table. */
export function ms(v: number | null): string | null {
  return v === null ? null : `${Math.round(v)} ms`;
}
