/**
 * Pure helpers for the gateway charts (one chart per metric, one line per zone): value scales
 * with round ticks, SVG paths with gaps, and merging live readings into loaded series.
 */
import type { ReadingSeries } from '../../../src-shared/contract/games';
import type { MarshalEvent } from '../../../src-shared/events/model';

export const ZONE_COLORS = ['#5cc8ff', '#3ddc84', '#ffb020', '#ff6b9d', '#b48cff', '#f2f5f8', '#ff5c5c'];
/** A gap longer than this between two readings breaks the line. */
export const GAP_MS = 60_000;
/** Points kept per series while live readings are appended. */
export const MAX_LIVE_POINTS = 4000;

const STEPS = [1, 2, 2.5, 5, 10];

/** Round tick values covering [lo, hi] (at most about `count` of them). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo === hi) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.05 : 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = (STEPS.find((s) => s * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    out.push(Number(v.toFixed(10)));
    if (out.length > 50) break;
  }
  if (out[out.length - 1]! < hi) out.push(Number((out[out.length - 1]! + step).toFixed(10)));
  return out;
}

/** The y range of a chart: every value in view, and the threshold lines. */
export function valueRange(
  series: readonly ReadingSeries[],
  fromMs: number,
  extra: readonly number[] = [],
): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series)
    for (const [t, v] of s.points) {
      if (t < fromMs) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  if (!Number.isFinite(lo)) return null;
  for (const x of extra) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  return [lo, hi];
}

export interface Scale {
  x(t: number): number;
  y(v: number): number;
}

export function makeScale(
  box: { left: number; right: number; top: number; bottom: number },
  t0: number,
  t1: number,
  v0: number,
  v1: number,
): Scale {
  const w = box.right - box.left;
  const h = box.bottom - box.top;
  const dt = Math.max(1, t1 - t0);
  const dv = v1 - v0 || 1;
  return {
    x: (t) => box.left + ((t - t0) / dt) * w,
    y: (v) => box.bottom - ((v - v0) / dv) * h,
  };
}

/** An SVG path through the points from `fromMs` on, broken where readings stopped for a while. */
export function linePath(
  points: readonly [number, number][],
  scale: Scale,
  fromMs: number,
  gapMs = GAP_MS,
): string {
  let d = '';
  let prev: number | null = null;
  for (const [t, v] of points) {
    if (t < fromMs) continue;
    const cmd = prev === null || t - prev > gapMs ? 'M' : 'L';
    d += `${cmd}${scale.x(t).toFixed(1)},${scale.y(v).toFixed(1)}`;
    prev = t;
  }
  return d;
}

/** Live `gateway.reading` events of one gateway merged into its loaded series (new arrays). */
export function mergeReadings(
  series: readonly ReadingSeries[],
  deviceId: string,
  events: readonly MarshalEvent[],
): ReadingSeries[] {
  const byKey = new Map(series.map((s) => [`${s.metric}\u0000${s.zone}`, s]));
  const added = new Map<string, [number, number][]>();
  for (const e of events) {
    if (e.kind !== 'gateway.reading' || e.device_id !== deviceId) continue;
    const { zone, metric, value, unit } = e.data as {
      zone?: unknown;
      metric?: unknown;
      value?: unknown;
      unit?: unknown;
    };
    const t = Date.parse(e.ts);
    if (
      typeof zone !== 'string' ||
      typeof metric !== 'string' ||
      typeof value !== 'number' ||
      !Number.isFinite(t)
    )
      continue;
    const key = `${metric}\u0000${zone}`;
    if (!byKey.has(key))
      byKey.set(key, { zone, metric, unit: typeof unit === 'string' ? unit : null, points: [] });
    let list = added.get(key);
    if (!list) added.set(key, (list = []));
    list.push([t, value]);
  }
  if (added.size === 0) return series as ReadingSeries[];
  return [...byKey.entries()]
    .map(([key, s]) => {
      const more = added.get(key);
      if (!more) return s;
      // A reading already loaded (a reload overlapping the live ones) is kept once.
      const seen = new Set(s.points.map((p) => p[0]));
      const fresh = more.filter((p) => !seen.has(p[0]) && (seen.add(p[0]), true));
      if (fresh.length === 0) return s;
      const points = [...s.points, ...fresh].sort((a, b) => a[0] - b[0]);
      return {
        ...s,
        points: points.length > MAX_LIVE_POINTS ? points.slice(points.length - MAX_LIVE_POINTS) : points,
      };
    })
    .sort((a, b) => (a.metric + a.zone < b.metric + b.zone ? -1 : 1));
}

/** Metric names in a stable, familiar order: temperature, humidity, CO2, then the rest. */
export function metricOrder(metrics: Iterable<string>): string[] {
  const rank = (m: string) => {
    const x = m.toLowerCase();
    if (x.startsWith('temp')) return 0;
    if (x === 'humidity' || x === 'rh') return 1;
    if (x === 'co2') return 2;
    return 3;
  };
  return [...new Set(metrics)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

export function metricLabel(metric: string): string {
  const x = metric.toLowerCase();
  if (x === 'temp' || x === 'temperature' || x === 'temperature_c') return 'Temperature';
  if (x === 'humidity' || x === 'rh') return 'Humidity';
  if (x === 'co2') return 'CO₂';
  return metric;
}
