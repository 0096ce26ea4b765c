import { describe, expect, it } from 'vitest';
import { decodeBt50Notification, hexToBytes } from '../../../src-shared/decoders/bt50';
import { createRng } from '../random';
import {
  BATCH_SIZE,
  BURST_PEAK_MM_S,
  BURST_SAMPLES,
  Bt50Sensor,
  DETECTION_THRESHOLD_MM_S,
  IMPACT_DELAY_MS,
  NOISE_MM_S,
  type TelemetryShape,
} from './sensor';

const iso = (ms: number): string => new Date(ms).toISOString();
const T0 = Date.UTC(2026, 0, 1);

function sensor(shape: TelemetryShape, rateHz = 50, seed = 1): Bt50Sensor {
  return new Bt50Sensor({ id: 'bt50-01', plateId: 'P1', rateHz, startMs: T0, shape, rng: createRng(seed) });
}

const dev = (v: readonly number[]): number => Math.max(...v.map(Math.abs));

describe('BT50 sensor model', () => {
  it('emits exactly the samples due, catching up after a late tick', () => {
    const s = sensor('single', 200);
    expect(s.takeDue(T0 - 1)).toHaveLength(0);
    expect(s.takeDue(T0)).toHaveLength(1);
    // A 47 ms stall: every 5 ms sample in between comes out at once, in order.
    const late = s.takeDue(T0 + 47);
    expect(late.map((x) => x.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(late.map((x) => x.tMs - T0)).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45]);
    expect(s.takeDue(T0 + 1000)).toHaveLength(200 - 9);
  });

  it('noise at rest stays within ±0.5 mm/s around 0', () => {
    const samples = sensor('single', 100).takeDue(T0 + 60_000);
    expect(samples.length).toBe(6001);
    const all = samples.flatMap((s) => s.v);
    expect(Math.max(...all.map(Math.abs))).toBeLessThanOrEqual(NOISE_MM_S);
    const sum = all.reduce((a, v) => a + v, 0);
    expect(Math.abs(sum / (samples.length * 3))).toBeLessThan(0.02);
  });

  for (const rateHz of [50, 100, 200]) {
    it(`a burst follows its shot within 300–700 ms at ${rateHz} Hz (3–6 samples, peak 20–80 mm/s)`, () => {
      const s = sensor('single', rateHz, rateHz);
      const rng = createRng(99);
      for (let k = 0; k < 200; k++) {
        const shotMs = T0 + 5000 + k * 3000 + rng.int(0, 999);
        const burst = s.planBurst(rng, shotMs);
        const samples = s.takeDue(shotMs + 2000);
        const loud = samples.filter((x) => dev(x.v) >= DETECTION_THRESHOLD_MM_S);
        expect(loud.length).toBeGreaterThanOrEqual(1);
        const onset = loud[0]!.tMs - shotMs;
        expect(onset).toBeGreaterThanOrEqual(IMPACT_DELAY_MS.min);
        expect(onset).toBeLessThanOrEqual(IMPACT_DELAY_MS.max);
        expect(burst.onsetMs).toBe(loud[0]!.tMs);
        expect(burst.values.length).toBeGreaterThanOrEqual(BURST_SAMPLES.min);
        expect(burst.values.length).toBeLessThanOrEqual(BURST_SAMPLES.max);
        const peak = Math.max(...samples.map((x) => dev(x.v)));
        expect(peak).toBeGreaterThanOrEqual(BURST_PEAK_MM_S.min);
        expect(peak).toBeLessThanOrEqual(BURST_PEAK_MM_S.max);
        expect(burst.peak).toBe(peak);
        // Everything outside the burst is still noise.
        const inBurst = (i: number): boolean =>
          i >= burst.startIndex && i < burst.startIndex + burst.values.length;
        const outside = samples.filter((x) => !inBurst(x.index)).map((x) => dev(x.v));
        expect(Math.max(...outside)).toBeLessThanOrEqual(NOISE_MM_S);
        expect(burst.durationMs).toBe(Math.round(burst.durationSamples * (1000 / rateHz)));
      }
    });
  }

  it('single-sample payloads carry seq, ts, x, y, z, battery, temperature', () => {
    const s = sensor('single');
    const out = s.drain(T0 + 40, iso).map((p) => JSON.parse(p) as Record<string, unknown>);
    expect(out).toHaveLength(3);
    expect(out.map((m) => m.seq)).toEqual([0, 1, 2]);
    expect(out.map((m) => m.ts)).toEqual([iso(T0), iso(T0 + 20), iso(T0 + 40)]);
    expect(Object.keys(out[0]!).sort()).toEqual(['battery', 'seq', 'temperature', 'ts', 'x', 'y', 'z']);
  });

  it('batches hold 10 samples spaced by the period, from t0 to ts (the newest)', () => {
    const s = sensor('batch', 50);
    expect(s.drain(T0 + 170, iso)).toHaveLength(0); // 9 samples: not a full batch yet
    const [first] = s.drain(T0 + 180, iso).map((p) => JSON.parse(p) as Record<string, unknown>);
    expect(first).toBeDefined();
    expect(first!.rate_hz).toBe(50);
    expect((first!.samples as unknown[]).length).toBe(BATCH_SIZE);
    expect(first!.t0).toBe(iso(T0));
    expect(first!.ts).toBe(iso(T0 + 180));
    const more = s.drain(T0 + 1000, iso).map((p) => JSON.parse(p) as Record<string, unknown>);
    expect(more.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('raw_hex holds a 128-byte BT50 notification of 4 records equal to the samples', () => {
    const s = sensor('raw', 100, 4);
    const rng = createRng(5);
    const burst = s.planBurst(rng, T0 + 1000);
    const payloads = s
      .drain(T0 + 3000, iso)
      .map((p) => JSON.parse(p) as { seq: number; ts: string; raw_hex: string });
    expect(payloads).toHaveLength(75); // 301 samples → 75 full notifications
    const records = payloads.flatMap((p) => {
      const bytes = hexToBytes(p.raw_hex);
      expect(bytes.length).toBe(128);
      const rs = decodeBt50Notification(bytes);
      expect(rs).toHaveLength(4);
      return rs;
    });
    expect(payloads[0]!.ts).toBe(iso(T0 + 30));
    // Burst values were quantized to the sensor's 1 mm/s resolution, so they survive exactly.
    const burstRecords = records.slice(burst.startIndex, burst.startIndex + burst.values.length);
    expect(burstRecords.map((r) => [r.vx, r.vy, r.vz])).toEqual(burst.values);
    expect(records[0]!.temperatureC).toBeCloseTo(s.temperatureC, 2);
  });
});
