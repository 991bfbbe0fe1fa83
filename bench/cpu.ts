// CPU time per process kind from /proc: where a browser benchmark's cores went.
import { readFile } from 'node:fs/promises';
import { processesMentioning } from './quiet';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

/** CPU ticks (user + system) so far, by process id, with each process's kind. */
export type CpuSnapshot = Map<string, { kind: string; ticks: number }>;

async function ticksOf(pid: string): Promise<number | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return null;
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Chromium's `--type=` (renderer, gpu-process, utility…), or `browser` for the main process. */
async function chromiumKind(pid: string): Promise<string> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  const type = /--type=([\w-]+)/.exec(cmdline)?.[1];
  return type ? `chromium ${type}` : 'chromium browser';
}

/** Ticks of every Chromium process of the profile in `profileDir`, the server and this process. */
export async function cpuSnapshot(profileDir: string, serverPid: number): Promise<CpuSnapshot> {
  const snapshot: CpuSnapshot = new Map();
  for (const pid of await processesMentioning(profileDir)) {
    const ticks = await ticksOf(pid);
    if (ticks !== null) snapshot.set(pid, { kind: await chromiumKind(pid), ticks });
  }
  for (const [pid, kind] of [
    [String(serverPid), 'server'],
    [String(process.pid), 'load generator'],
  ] as const) {
    const ticks = await ticksOf(pid);
    if (ticks !== null) snapshot.set(pid, { kind, ticks });
  }
  return snapshot;
}

/** Cores used per kind between two snapshots `seconds` apart (a process new in `after` counts from 0). */
export function cpuByProcessKind(before: CpuSnapshot, after: CpuSnapshot, seconds: number): Record<string, number> {
  const cores: Record<string, number> = {};
  for (const [pid, { kind, ticks }] of after) {
    const used = ticks - (before.get(pid)?.ticks ?? 0);
    cores[kind] = (cores[kind] ?? 0) + used / TICKS_PER_S / seconds;
  }
  return cores;
}
