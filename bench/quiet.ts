// Benchmarks measure one thing at a time: each waits for the machine to be at rest before it starts.
import { readdir, readFile } from 'node:fs/promises';
import { PROFILE_DIR_PREFIX } from '../test/support/browser';

/** Ids of the running processes whose command line contains `text` (Linux /proc). */
export async function processesMentioning(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    // A process that ended while we looked has no command line.
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text)) found.push(pid);
  }
  return found;
}

/**
 * Waits until no Chromium of an earlier run is left (a 50-window profile takes seconds to exit and
 * give its memory back), then a moment more: each run starts on a machine at rest.
 */
export async function untilQuiet(): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && (await processesMentioning(PROFILE_DIR_PREFIX)).length > 0) {
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 2_000));
}
