// Reads a process's memory and CPU from /proc (Linux), and the machine's CPU, for bench/server.
import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second (`getconf CLK_TCK`); 100 on every Linux this runs on. */
const CLK_TCK = 100;

/** Resident set size of a process, bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** CPU time (user + system) a process used so far, ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), counted from field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLK_TCK;
}

/**
 * The machine's CPU time so far (all cores), in ticks: busy, total, and the part spent in softirq
 * (where the kernel does most loopback TCP work; it is charged to no process when ksoftirqd runs it).
 */
export function machineTicks(): { busy: number; total: number; softirq: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] as string;
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total, softirq: v[6] ?? 0 };
}
