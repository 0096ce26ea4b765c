/**
 * Canvas drawing for the live telemetry chart. Pure of React and DOM globals so the scaling and
 * decimation can be unit-tested with a fake context.
 */
import type { SampleRing } from '../state/ring';

export const AXIS_COLORS = { x: '#ff6b6b', y: '#5ce08a', z: '#63b3ff' } as const;
export const WINDOW_MS = 10_000;
/** A gap longer than this between samples breaks the line. */
export const GAP_MS = 500;

const NICE = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];

/** Symmetric y range (±value) that comfortably holds `maxAbs`, at least ±5 mm/s. */
export function niceRange(maxAbs: number): number {
  const need = Math.max(5, Math.abs(maxAbs) * 1.1);
  for (const n of NICE) if (n >= need) return n;
  return Math.ceil(need / 10000) * 10000;
}

/**
 * The right edge of the window (server epoch ms): the newest sample time advanced by the local
 * time since it arrived, so the chart scrolls smoothly between batches and keeps scrolling (data
 * sliding off) when the sensor goes silent. Never moves backwards.
 */
export function rightEdge(latestT: number, lastArrival: number, localNow: number, previous: number): number {
  if (!Number.isFinite(latestT)) return previous;
  const advance = lastArrival > 0 ? Math.max(0, localNow - lastArrival) : 0;
  return Math.max(previous, latestT + advance);
}

export interface Layout {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export function layoutFor(width: number, height: number): Layout {
  return { width, height, left: 56, right: 12, top: 10, bottom: 26 };
}

/** Minimal canvas surface the drawing uses (CanvasRenderingContext2D satisfies it). */
export interface Ctx {
  fillStyle: string | CanvasGradient | CanvasPattern;
  strokeStyle: string | CanvasGradient | CanvasPattern;
  lineWidth: number;
  font: string;
  textAlign: CanvasTextAlign;
  textBaseline: CanvasTextBaseline;
  fillRect(x: number, y: number, w: number, h: number): void;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  stroke(): void;
  fillText(text: string, x: number, y: number): void;
}

/**
 * Per-axis polyline with min/max decimation per pixel column: with more samples than pixels,
 * each column draws its first, min, max and last value, so spikes (impacts) are never lost.
 */
class ColumnLine {
  private col = NaN;
  private first = 0;
  private min = 0;
  private max = 0;
  private last = 0;
  private open = false;
  points = 0;

  constructor(private readonly ctx: Ctx) {}

  add(col: number, y: number, breakLine: boolean): void {
    if (breakLine) this.flush(true);
    if (col !== this.col) {
      this.flush(false);
      this.col = col;
      this.first = this.min = this.max = this.last = y;
      return;
    }
    if (y < this.min) this.min = y;
    if (y > this.max) this.max = y;
    this.last = y;
  }

  flush(breakAfter: boolean): void {
    if (!Number.isNaN(this.col)) {
      const c = this.col;
      if (!this.open) {
        this.ctx.moveTo(c, this.first);
        this.open = true;
      } else this.ctx.lineTo(c, this.first);
      if (this.min !== this.first || this.max !== this.first) {
        this.ctx.lineTo(c, this.min);
        this.ctx.lineTo(c, this.max);
      }
      this.ctx.lineTo(c, this.last);
      this.points += 1;
    }
    this.col = NaN;
    if (breakAfter) this.open = false;
  }
}

export interface DrawResult {
  samples: number;
  range: number;
}

/** Draws the last WINDOW_MS of `ring` ending at `right`. */
export function drawChart(ctx: Ctx, l: Layout, ring: SampleRing | undefined, right: number): DrawResult {
  const plotW = Math.max(1, l.width - l.left - l.right);
  const plotH = Math.max(1, l.height - l.top - l.bottom);
  const from = right - WINDOW_MS;

  // Pass 1: scale.
  let maxAbs = 0;
  let samples = 0;
  ring?.forEachSince(from, (_t, x, y, z) => {
    samples++;
    const m = Math.max(Math.abs(x), Math.abs(y), Math.abs(z));
    if (m > maxAbs) maxAbs = m;
  });
  const range = niceRange(maxAbs);

  ctx.fillStyle = '#0e1217';
  ctx.fillRect(0, 0, l.width, l.height);

  // Grid and labels.
  ctx.lineWidth = 1;
  ctx.font = '12px system-ui, sans-serif';
  ctx.fillStyle = '#b8c2cc';
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const frac of [1, 0.5, 0, -0.5, -1]) {
    const y = Math.round(l.top + plotH / 2 - (frac * plotH) / 2) + 0.5;
    ctx.strokeStyle = frac === 0 ? '#4a5563' : '#262e38';
    ctx.beginPath();
    ctx.moveTo(l.left, y);
    ctx.lineTo(l.left + plotW, y);
    ctx.stroke();
    ctx.fillText(String(Math.round(frac * range)), l.left - 8, y);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (let s = 0; s <= WINDOW_MS / 1000; s += 2) {
    const x = Math.round(l.left + plotW - (s * 1000 * plotW) / WINDOW_MS) + 0.5;
    ctx.strokeStyle = '#262e38';
    ctx.beginPath();
    ctx.moveTo(x, l.top);
    ctx.lineTo(x, l.top + plotH);
    ctx.stroke();
    ctx.fillText(s === 0 ? 'now' : `−${s} s`, x, l.top + plotH + 6);
  }

  if (!ring || samples === 0) return { samples: 0, range };

  // Pass 2: one decimated line per axis.
  const toX = (t: number) => Math.floor(l.left + ((t - from) / WINDOW_MS) * plotW);
  const toY = (v: number) => l.top + plotH / 2 - (v / range) * (plotH / 2);
  ctx.lineWidth = 1.5;
  for (const axis of [0, 1, 2] as const) {
    ctx.strokeStyle = axis === 0 ? AXIS_COLORS.x : axis === 1 ? AXIS_COLORS.y : AXIS_COLORS.z;
    ctx.beginPath();
    const line = new ColumnLine(ctx);
    let prevT = NaN;
    ring.forEachSince(from, (t, x, y, z) => {
      const v = axis === 0 ? x : axis === 1 ? y : z;
      line.add(toX(t), toY(v), t - prevT > GAP_MS);
      prevT = t;
    });
    line.flush(true);
    ctx.stroke();
  }
  return { samples, range };
}
