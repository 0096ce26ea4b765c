/**
 * Time for the simulator. Devices never read the clock themselves: each tick hands them "now"
 * (epoch ms) and they emit everything that became due since their last tick. That makes them
 * catch up on timer drift (Node timers are not accurate at 5 ms) and lets tests drive the same
 * code in virtual time.
 */
import { performance } from 'node:perf_hooks';

/** A monotonic epoch-ms clock: Date.now() at start, then advanced by performance.now(). */
export function monotonicEpochClock(): () => number {
  const origin = Date.now() - performance.now();
  return () => origin + performance.now();
}

export function isoAt(ms: number): string {
  return new Date(Math.round(ms)).toISOString();
}

interface QueueItem {
  at: number;
  seq: number;
  run: (at: number) => void;
}

/** A min-heap of callbacks by due time (ties run in insertion order). */
export class EventQueue {
  private heap: QueueItem[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** When the earliest item is due, or undefined. */
  nextDue(): number | undefined {
    return this.heap[0]?.at;
  }

  schedule(at: number, run: (at: number) => void): void {
    this.heap.push({ at, seq: this.seq++, run });
    this.up(this.heap.length - 1);
  }

  /** Runs every item due at or before now, including items scheduled by those items. */
  runDue(now: number): number {
    let count = 0;
    for (;;) {
      const top = this.heap[0];
      if (!top || top.at > now) return count;
      this.pop();
      top.run(top.at);
      count++;
    }
  }

  clear(): void {
    this.heap = [];
  }

  private less(a: QueueItem, b: QueueItem): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private pop(): void {
    const last = this.heap.pop();
    if (last && this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

export interface TickerStats {
  ticks: number;
  /** Largest delay between a tick's planned time and when it ran. */
  maxLagMs: number;
  /** 99th percentile of that delay (1 ms resolution). */
  p99LagMs: number;
  /** Largest time spent inside one tick. */
  maxWorkMs: number;
  /** Total time spent inside ticks (for a busy fraction). */
  totalWorkMs: number;
}

export interface Ticker {
  stop(): void;
  stats(): TickerStats;
}

/**
 * Calls onTick(now) on a fixed grid of tickMs from the start. A late tick is not repeated: the
 * next one is planned on the grid after the current time, and onTick emits whatever is due.
 */
export function startTicker(
  tickMs: number,
  onTick: (now: number) => void,
  now = monotonicEpochClock(),
): Ticker {
  const start = now();
  let planned = start;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const stats: TickerStats = { ticks: 0, maxLagMs: 0, p99LagMs: 0, maxWorkMs: 0, totalWorkMs: 0 };
  const lagHistogram = new Uint32Array(1001);
  const p99 = (): number => {
    const target = Math.ceil(stats.ticks * 0.99);
    let seen = 0;
    for (let ms = 0; ms < lagHistogram.length; ms++) {
      seen += lagHistogram[ms]!;
      if (seen >= target) return ms;
    }
    return lagHistogram.length - 1;
  };

  const loop = (): void => {
    if (stopped) return;
    const t = now();
    const lag = Math.max(0, t - planned);
    stats.maxLagMs = Math.max(stats.maxLagMs, lag);
    lagHistogram[Math.min(1000, Math.ceil(lag))]!++;
    stats.ticks++;
    try {
      onTick(t);
    } finally {
      const after = now();
      const work = after - t;
      stats.totalWorkMs += work;
      stats.maxWorkMs = Math.max(stats.maxWorkMs, work);
      planned = start + (Math.floor((after - start) / tickMs) + 1) * tickMs;
      if (!stopped) timer = setTimeout(loop, Math.max(0, planned - after));
    }
  };
  timer = setTimeout(loop, 0);
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
    stats: () => ({ ...stats, p99LagMs: stats.ticks > 0 ? p99() : 0 }),
  };
}
