// `npm run bench`: runs every benchmark in its own process, then gathers their sections into BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULTS_DIR } from './report';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Benchmarks in report order: file in bench/ and the result name it writes. */
const BENCHES: { file: string; result: string }[] = [
  { file: 'hub.ts', result: 'hub' },
  { file: 'fresh.ts', result: 'fresh' },
  { file: 'ui.ts', result: 'ui' },
  { file: 'layout-shift.ts', result: 'layout-shift' },
  { file: 'lighthouse.ts', result: 'lighthouse' },
  { file: 'map.ts', result: 'map' },
  { file: 'offline.ts', result: 'offline' },
  { file: 'server/run.ts', result: 'server' },
  { file: 'store.ts', result: 'store' },
  { file: 'history.ts', result: 'history' },
  { file: 'history-window.ts', result: 'history-window' },
  { file: 'redis.ts', result: 'redis' },
  { file: 'soak.ts', result: 'soak' },
];

const only = process.argv.slice(2);
let failed = 0;
for (const bench of BENCHES) {
  if (only.length > 0 && !only.includes(bench.result)) continue;
  const file = path.join(here, bench.file);
  if (!existsSync(file)) continue;
  console.log(`\n=== bench/${bench.file}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit', env: process.env });
  if (run.status !== 0) {
    failed += 1;
    console.error(`bench/${bench.file} failed with exit code ${run.status}`);
  }
}

const sections: string[] = [];
for (const bench of BENCHES) {
  const md = path.join(RESULTS_DIR, `${bench.result}.md`);
  if (existsSync(md)) sections.push((await readFile(md, 'utf8')).trim());
}
const header = `# fleetwire benchmarks

Written by \`npm run bench\` (raw numbers in \`bench/results/*.json\`). Each section says what was
measured and how; timings come from one run on the machine named in the JSON, and are never asserted
by tests. Re-run a single benchmark with \`npm run bench -- <name>\` (${BENCHES.map((b) => b.result).join(', ')}).
`;
await writeFile(path.join(here, '..', 'BENCHMARKS.md'), [header, ...sections].join('\n\n') + '\n');
process.exit(failed > 0 ? 1 : 0);
