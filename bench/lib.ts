/**
 * Helpers shared by the benchmark's processes: a clock every process on this machine agrees on,
 * /proc readers for CPU and memory, percentiles, the machine description, and the IPC messages
 * between bench/run.ts and bench/load.ts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * CLOCK_MONOTONIC in milliseconds (sub-microsecond resolution). On Linux it is one clock for the
 * whole machine, so a timestamp taken in the load process can be subtracted from one taken here.
 */
export function mono(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

let clkTck = 0;
/** Kernel clock ticks per second (the unit of utime/stime in /proc/<pid>/stat). */
export function clockTicks(): number {
  if (!clkTck) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** utime + stime of a process (all its threads), in seconds; null once it has gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields are counted after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (Number(rest[11]) + Number(rest[12])) / clockTicks();
  } catch {
    return null;
  }
}

/** Resident set size in MB; null once the process has gone. */
export function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * The main thread's (for node: the event loop's) time on a CPU and time runnable but waiting for
 * one, in seconds (/proc/<pid>/schedstat). The wait is what other processes on the machine cost it.
 */
export function schedSeconds(pid: number): { run: number; wait: number } | null {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return { run: run! / 1e9, wait: wait! / 1e9 };
  } catch {
    return null;
  }
}

/**
 * The scheduler state of a process's main thread: R running or runnable, S sleeping (for node:
 * waiting in epoll for work), D uninterruptible (waiting on the disk: fsync, or write throttled
 * by the kernel's dirty-page limits).
 */
export function threadState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2);
  } catch {
    return null;
  }
}

/** Bytes a process has caused to be written to storage (/proc/<pid>/io write_bytes); null once gone. */
export function diskWriteBytes(pid: number): number | null {
  try {
    const m = /^write_bytes:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Whole-machine CPU time in seconds: busy (all cores) and total (busy + idle, all cores). */
export function systemCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [, user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  const busy = user! + nice! + system! + irq! + softirq! + (steal ?? 0);
  return { busy: busy / clockTicks(), total: (busy + idle! + iowait!) / clockTicks() };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den ? num / den : 0;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  ram_gb: number;
  node: string;
  kernel: string;
  date: string;
  loadavg: string;
  data_fs: string;
}

/** The filesystem type holding `dir` (longest matching mount point in /proc/mounts). */
export function filesystemOf(dir: string): string {
  try {
    let best = { point: '', type: 'unknown', dev: '' };
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [dev, point, type] = line.split(' ');
      if (!point || !type || !dev) continue;
      const inside = dir === point || dir.startsWith(point.endsWith('/') ? point : `${point}/`);
      if (inside && point.length >= best.point.length) best = { point, type, dev };
    }
    return `${best.type} (${best.dev} on ${best.point})`;
  } catch {
    return 'unknown';
  }
}

export function machineInfo(dataRoot: string): MachineInfo {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1]!.trim();
  } catch {
    // keep os.cpus()
  }
  return {
    cpu,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    ram_gb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    date: new Date().toISOString(),
    loadavg: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    data_fs: filesystemOf(dataRoot),
  };
}

// ---- IPC between run.ts and load.ts ----

export interface DesignJob {
  type: 'design';
  url: string;
  sensors: number;
  rateHz: number;
  qos: 0 | 1;
  durationMs: number;
  tickMs: number;
  shotMs: number;
  /** string_number of this phase's SHOTs; shot_number counts up from 1. Together a unique key. */
  stringNumber: number;
  prefix: string;
}

export interface BlastJob {
  type: 'blast';
  url: string;
  connections: number;
  /** In-flight QoS 1 messages per connection. */
  window: number;
  sensors: number;
  durationMs: number;
  shotMs: number;
  stringNumber: number;
  prefix: string;
}

export type ToLoad = DesignJob | BlastJob | { type: 'go' } | { type: 'stop' };

/** Counters at one instant of the load process (mono ms). */
export interface Progress {
  t: number;
  sent: number;
  acked: number;
}

export type FromLoad =
  | { type: 'ready' }
  | {
      type: 'done';
      t0: number;
      tEnd: number;
      progress: Progress[];
      sent: number;
      acked: number;
      /** SHOTs: [shot_number, mono ms just before publish]. */
      shots: [number, number][];
      /** Largest gap between two ticks of the load loop (ms): a hint the generator fell behind. */
      maxTickGapMs: number;
      errors: string[];
    }
  | { type: 'error'; message: string };

export function shotKey(stringNumber: unknown, shotNumber: unknown): string {
  return `${String(stringNumber)}:${String(shotNumber)}`;
}
