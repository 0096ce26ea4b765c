import { describe, expect, it } from 'vitest';
import { SampleRing } from '../state/ring';
import { drawChart, niceRange, rightEdge, WINDOW_MS, type Ctx } from './chartDraw';

/** Records path operations per stroke so tests can inspect what was drawn. */
class RecordingCtx implements Ctx {
  fillStyle: Ctx['fillStyle'] = '';
  strokeStyle: Ctx['strokeStyle'] = '';
  lineWidth = 1;
  font = '';
  textAlign: CanvasTextAlign = 'left';
  textBaseline: CanvasTextBaseline = 'top';
  strokes: Array<{ color: string; ops: Array<['M' | 'L', number, number]> }> = [];
  texts: string[] = [];
  private ops: Array<['M' | 'L', number, number]> = [];
  fillRect(): void {}
  beginPath(): void {
    this.ops = [];
  }
  moveTo(x: number, y: number): void {
    this.ops.push(['M', x, y]);
  }
  lineTo(x: number, y: number): void {
    this.ops.push(['L', x, y]);
  }
  stroke(): void {
    this.strokes.push({ color: String(this.strokeStyle), ops: this.ops });
  }
  fillText(text: string): void {
    this.texts.push(text);
  }
}

const layout = { width: 1060, height: 236, left: 50, right: 10, top: 10, bottom: 26 }; // plot 1000 × 200

describe('niceRange', () => {
  it('picks a round symmetric range with headroom and a floor of 5', () => {
    expect(niceRange(0)).toBe(5);
    expect(niceRange(4)).toBe(5);
    expect(niceRange(9.5)).toBe(20);
    expect(niceRange(40)).toBe(50);
    expect(niceRange(-180)).toBe(200);
  });
});

describe('rightEdge', () => {
  it('advances the newest sample time by the local time since it arrived, never backwards', () => {
    expect(rightEdge(10_000, 500, 700, -Infinity)).toBe(10_200);
    expect(rightEdge(10_000, 500, 700, 10_500)).toBe(10_500);
    expect(rightEdge(NaN, 0, 0, 42)).toBe(42);
    expect(rightEdge(10_000, 0, 99_999, -Infinity)).toBe(10_000);
  });
});

describe('drawChart', () => {
  it('draws one line per axis and labels the scale', () => {
    const ring = new SampleRing(100);
    for (let i = 0; i < 10; i++) ring.push(1000 * i, 1, 2, 3);
    const ctx = new RecordingCtx();
    const r = drawChart(ctx, layout, ring, 9000);
    expect(r.samples).toBe(10);
    expect(r.range).toBe(5);
    const dataStrokes = ctx.strokes.filter((s) => s.color.startsWith('#') && s.ops.length > 2);
    expect(dataStrokes).toHaveLength(3);
    expect(ctx.texts).toContain('now');
    expect(ctx.texts).toContain('5');
  });

  it('keeps a one-sample spike when decimating thousands of samples into pixel columns', () => {
    const ring = new SampleRing(4096);
    const right = 100_000;
    // 4,000 samples over 10 s (400 Hz) into 1,000 columns; one spike of 80 on x.
    for (let i = 0; i < 4000; i++) {
      const t = right - WINDOW_MS + i * 2.5;
      ring.push(t, i === 2000 ? 80 : 0, 0, 0);
    }
    const ctx = new RecordingCtx();
    const r = drawChart(ctx, layout, ring, right);
    expect(r.range).toBe(100);
    const xLine = ctx.strokes.find((s) => s.color === '#ff6b6b');
    expect(xLine).toBeDefined();
    // Far fewer path points than samples…
    expect(xLine!.ops.length).toBeLessThan(4000);
    // …but the spike's pixel (80 of ±100 over a 200 px plot: 10 + 100 − 80) is still drawn.
    const minY = Math.min(...xLine!.ops.map((o) => o[2]));
    expect(minY).toBeCloseTo(30, 5);
  });

  it('breaks the line across gaps in the data', () => {
    const ring = new SampleRing(100);
    ring.push(1000, 1, 1, 1);
    ring.push(1100, 1, 1, 1);
    ring.push(5000, 1, 1, 1);
    ring.push(5100, 1, 1, 1);
    const ctx = new RecordingCtx();
    drawChart(ctx, layout, ring, 6000);
    const xLine = ctx.strokes.find((s) => s.color === '#ff6b6b')!;
    expect(xLine.ops.filter((o) => o[0] === 'M')).toHaveLength(2);
  });

  it('draws only the grid when there is no data in the window', () => {
    const ring = new SampleRing(10);
    ring.push(0, 1, 1, 1);
    const ctx = new RecordingCtx();
    expect(drawChart(ctx, layout, ring, 60_000).samples).toBe(0);
    expect(drawChart(ctx, layout, undefined, 60_000).samples).toBe(0);
  });
});
