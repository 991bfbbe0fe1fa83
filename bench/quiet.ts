// Benchmarks measure one thing at a time: each waits for the machine to be at rest before it starts.
import { readdir, readFile } from 'node:fs/promises';

/**
 * Waits until no Chromium of an earlier run is left (a 50-window profile takes seconds to exit and
 * give its memory back), then a moment more: each run starts on a machine at rest.
 */
export async function untilQuiet(): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    let busy = false;
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes('fleetwire-chromium-')) {
        busy = true;
        break;
      }
    }
    if (!busy) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 2_000));
}
