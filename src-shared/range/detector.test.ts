import { describe, expect, it } from 'vitest';
import {
  calibrate,
  calibrateAxis,
  Calibrator,
  DEFAULT_DETECTOR_SETTINGS,
  detectImpacts,
  detectorSettingsSchema,
  deviation,
  ImpactDetector,
  quantile,
  QUARTILE_METHOD,
  quartiles,
  type DetectedImpact,
  type DetectorSettings,
  type Sample,
  type Vec3,
} from './detector';
import { seededRandom, type SeededRandom } from './seeded-random';

const ORIGIN: Vec3 = { x: 0, y: 0, z: 0 };

/** Samples at 50 Hz (t0 + 20·i ms) whose x deviation from `base` is `devs[i]`. */
function fromDeviations(devs: readonly number[], t0 = 0, base: Vec3 = ORIGIN, periodMs = 20): Sample[] {
  return devs.map((d, i) => ({ ts: t0 + periodMs * i, x: base.x + d, y: base.y, z: base.z }));
}

describe('settings', () => {
  it('has the §4 defaults', () => {
    expect(DEFAULT_DETECTOR_SETTINGS).toEqual({
      threshold: 10,
      debounceMs: 1000,
      minSamples: 1,
      maxSamples: 11,
      calibrationSamples: 100,
      calibrationTimeoutMs: 30_000,
    });
  });

  it('fills defaults for a partial and rejects nonsense', () => {
    expect(detectorSettingsSchema.parse({ threshold: 7 }).debounceMs).toBe(1000);
    expect(detectorSettingsSchema.safeParse({ threshold: 0 }).success).toBe(false);
    expect(detectorSettingsSchema.safeParse({ threshold: -1 }).success).toBe(false);
    expect(detectorSettingsSchema.safeParse({ maxSamples: 2.5 }).success).toBe(false);
    expect(detectorSettingsSchema.safeParse({ minSamples: 5, maxSamples: 4 }).success).toBe(false);
    expect(detectorSettingsSchema.safeParse({ debounceMs: Number.NaN }).success).toBe(false);
    expect(() => new ImpactDetector('s1', { maxSamples: 0 })).toThrow();
  });
});

describe('quartiles (Hyndman & Fan type 7)', () => {
  it('is the documented method', () => {
    expect(QUARTILE_METHOD).toBe('hyndman-fan-7');
  });

  it('interpolates between closest ranks', () => {
    // R: quantile(1:4) → 1.75, 2.5, 3.25
    expect(quartiles([4, 1, 3, 2])).toEqual({ q1: 1.75, median: 2.5, q3: 3.25, iqr: 1.5 });
    // odd n: 1..5 → 2, 3, 4
    expect(quartiles([5, 4, 3, 2, 1])).toEqual({ q1: 2, median: 3, q3: 4, iqr: 2 });
    expect(quantile([7], 0.25)).toBe(7);
    expect(quantile([1, 2], 1)).toBe(2);
    expect(quantile([1, 2], 0)).toBe(1);
    expect(() => quantile([], 0.5)).toThrow(RangeError);
  });
});

describe('calibration', () => {
  it('drops outliers outside the 1.5·IQR fences, then takes the median and the SD of the rest', () => {
    // 49 × 1, 49 × 3, one 500 and one −400. Sorted: −400, 1 (idx 1..49), 3 (idx 50..98), 500.
    // Q1: h = 99·0.25 = 24.75 → 1; Q3: h = 74.25 → 3; IQR 2 → fences [−2, 6]: 500 and −400 go.
    // Kept: 49 × 1, 49 × 3 → median (1 + 3)/2 = 2; every value is 1 from the mean 2 → SD 1.
    const values = [...Array<number>(49).fill(1), ...Array<number>(49).fill(3), 500, -400];
    const axis = calibrateAxis(values);
    expect(axis).toEqual({ baseline: 2, noise: 1, kept: 98, dropped: 2, fence: { low: -2, high: 6 } });
  });

  it('keeps everything below 10 samples, rejects from 10 on', () => {
    // 9 samples: no rejection; median 0, population SD of [0×8, 100] = √(80000)/9.
    const nine = [0, 0, 0, 0, 0, 0, 0, 0, 100];
    const a9 = calibrateAxis(nine);
    expect(a9.baseline).toBe(0);
    expect(a9.kept).toBe(9);
    expect(a9.fence).toBeNull();
    expect(a9.noise).toBeCloseTo(Math.sqrt(80000) / 9, 10);
    // 10 samples: Q1 = Q3 = 0, fences [0, 0] → 100 is dropped, noise 0.
    const a10 = calibrateAxis([...nine, 0]);
    expect(a10).toEqual({ baseline: 0, noise: 0, kept: 9, dropped: 1, fence: { low: 0, high: 0 } });
  });

  it('calibrates each axis on its own', () => {
    const samples: Sample[] = [];
    for (let i = 0; i < 100; i++) samples.push({ ts: i * 20, x: 5, y: i % 2 === 0 ? -2 : -4, z: 1000 });
    samples[10] = { ts: 200, x: 5, y: -2, z: -1000 }; // an outlier on z only; y: 50 × −2, 50 × −4
    const r = calibrate(samples);
    expect(r.status).toBe('complete');
    expect(r.samples).toBe(100);
    expect(r.estimate?.baseline).toEqual({ x: 5, y: -3, z: 1000 });
    expect(r.estimate?.axes.x.dropped).toBe(0);
    expect(r.estimate?.axes.z.dropped).toBe(1);
    expect(r.estimate?.noise.z).toBe(0);
  });

  it('completes at exactly 100 samples and ignores later ones', () => {
    const c = new Calibrator();
    for (let i = 0; i < 99; i++) expect(c.push({ ts: i * 10, x: 1, y: 2, z: 3 })).toBeNull();
    const r = c.push({ ts: 990, x: 1, y: 2, z: 3 });
    expect(r?.status).toBe('complete');
    expect(r?.samples).toBe(100);
    expect(r?.startedAtMs).toBe(0);
    expect(r?.lastSampleMs).toBe(990);
    expect(c.push({ ts: 1000, x: 9, y: 9, z: 9 })).toBeNull();
    expect(c.result).toBe(r);
  });

  it('times out 30 s after its first sample, by sample timestamps, with what it collected', () => {
    // 1 sample per second from t = 5000: 5000 … 34000 are inside [5000, 35000) → 30 samples;
    // the sample at 35000 ends calibration and is not collected.
    const samples: Sample[] = [];
    for (let i = 0; i < 50; i++) samples.push({ ts: 5000 + i * 1000, x: 4, y: 0, z: 0 });
    const r = calibrate(samples);
    expect(r.status).toBe('timeout');
    expect(r.samples).toBe(30);
    expect(r.wanted).toBe(100);
    expect(r.lastSampleMs).toBe(34_000);
    expect(r.estimate?.baseline).toEqual({ x: 4, y: 0, z: 0 });
  });

  it('times out by tick() when the sensor stops sending', () => {
    const c = new Calibrator();
    c.push({ ts: 1000, x: 0, y: 0, z: 0 });
    expect(c.tick(30_999)).toBeNull();
    const r = c.tick(31_000);
    expect(r?.status).toBe('timeout');
    expect(r?.samples).toBe(1);
    expect(new Calibrator().tick(1e9)).toBeNull(); // no first sample yet, no window
  });

  it('reports incomplete for a short batch, and no estimate when empty', () => {
    expect(calibrate([{ ts: 0, x: 1, y: 1, z: 1 }]).status).toBe('incomplete');
    const empty = calibrate([]);
    expect(empty.status).toBe('incomplete');
    expect(empty.estimate).toBeNull();
  });
});

describe('deviation', () => {
  it('is the max absolute deviation over axes', () => {
    expect(deviation({ x: 1, y: -12, z: 5 }, { x: 0, y: 0, z: 0 })).toBe(12);
    expect(deviation({ x: 1, y: 2, z: 3 }, { x: 1, y: 2, z: 3 })).toBe(0);
    expect(deviation({ x: 20, y: 2, z: 3 }, { x: 25, y: 2, z: 3 })).toBe(5);
  });
});

describe('§4 vector', () => {
  const DEVS = [0.5, 1.2, 24.0, 3.0, 0.8, 12, 15, 2, 40, 1];
  const T0 = 1_700_000_000_000;

  it('finds exactly one impact, at sample 2, peak 24.0 (batch)', () => {
    const impacts = detectImpacts(
      fromDeviations(DEVS, T0),
      ORIGIN,
      { threshold: 10, debounceMs: 1000 },
      'p1',
    );
    expect(impacts).toEqual([
      {
        sensorId: 'p1',
        onsetMs: T0 + 40,
        onsetIndex: 2,
        peakDeviation: 24.0,
        peakMs: T0 + 40,
        durationSamples: 1,
        durationMs: 20,
        endMs: T0 + 60,
      },
    ]);
  });

  it('finds the same impact streaming, after calibration on a non-zero baseline, on any axis', () => {
    const d = new ImpactDetector('p1', { threshold: 10, debounceMs: 1000 });
    const base = { x: 3, y: -7, z: 120 };
    const still: Sample[] = [];
    for (let i = 0; i < 100; i++) still.push({ ts: i * 20, ...base });
    expect(d.calibrate(still).status).toBe('complete');
    expect(d.state.phase).toBe('armed');
    expect(d.state.baseline).toEqual(base);
    const out: DetectedImpact[] = [];
    DEVS.forEach((dev, i) => {
      const axis = (['x', 'y', 'z'] as const)[i % 3] as 'x' | 'y' | 'z';
      const sign = i % 2 === 0 ? 1 : -1;
      const s: Sample = { ts: T0 + 20 * i, ...base };
      s[axis] += sign * dev;
      const r = d.push(s);
      if (r) out.push(r);
    });
    expect(out).toHaveLength(1);
    expect(out[0]?.onsetIndex).toBe(2);
    expect(out[0]?.onsetMs).toBe(T0 + 40);
    expect(out[0]?.peakDeviation).toBeCloseTo(24.0, 10);
  });
});

describe('event rules', () => {
  const settings: Partial<DetectorSettings> = { threshold: 10, debounceMs: 1000 };

  it('threshold is inclusive: a deviation of exactly 10 fires, 9.999 does not', () => {
    expect(detectImpacts(fromDeviations([0, 10, 0]), ORIGIN, settings)).toHaveLength(1);
    expect(detectImpacts(fromDeviations([0, 9.999, 0]), ORIGIN, settings)).toHaveLength(0);
  });

  it('carries peak, duration in samples and ms', () => {
    const [imp] = detectImpacts(fromDeviations([0, 11, 30, 25, 2]), ORIGIN, settings);
    expect(imp).toMatchObject({
      onsetIndex: 1,
      onsetMs: 20,
      peakDeviation: 30,
      peakMs: 40,
      durationSamples: 3,
      durationMs: 60,
      endMs: 80,
    });
  });

  it('accepts an event of exactly maxSamples, discards one that grows past it', () => {
    const eleven = fromDeviations([0, ...Array<number>(11).fill(20), 0]);
    const twelve = fromDeviations([0, ...Array<number>(12).fill(20), 0]);
    expect(detectImpacts(eleven, ORIGIN, settings).map((i) => i.durationSamples)).toEqual([11]);
    expect(detectImpacts(twelve, ORIGIN, settings)).toEqual([]);
  });

  it('ignores the whole over-long run, not just its first maxSamples samples', () => {
    const d = new ImpactDetector('s', settings);
    d.setBaseline(ORIGIN);
    const devs = [0, ...Array<number>(30).fill(20), 0];
    const out = fromDeviations(devs).map((s) => d.push(s));
    expect(out.every((r) => r === null)).toBe(true);
    expect(d.state.eventsDiscarded).toBe(1);
    expect(d.state.phase).toBe('armed');
  });

  it('a discarded event does not reset the debounce', () => {
    // 12-sample run at 20..240 ms is discarded; a spike at 400 ms is accepted although it is
    // within 1 s of the discarded onset.
    const devs = Array<number>(30).fill(0);
    for (let i = 1; i <= 12; i++) devs[i] = 20;
    devs[20] = 50;
    const impacts = detectImpacts(fromDeviations(devs), ORIGIN, settings);
    expect(impacts.map((i) => i.onsetMs)).toEqual([400]);
  });

  it('a too-short event (minSamples) is discarded and does not reset the debounce either', () => {
    const devs = [0, 20, 20, 0, 0, 20, 20, 20, 0];
    const impacts = detectImpacts(fromDeviations(devs), ORIGIN, { ...settings, minSamples: 3 });
    expect(impacts.map((i) => [i.onsetIndex, i.durationSamples])).toEqual([[5, 3]]);
  });

  it('debounce is measured from the accepted onset and is inclusive at exactly debounceMs', () => {
    // 10 ms period: spikes at 0, 990 and 1000 ms.
    const devs = Array<number>(120).fill(0);
    devs[0] = 20;
    devs[99] = 20;
    devs[100] = 0;
    devs[101] = 0;
    const a = detectImpacts(fromDeviations(devs, 0, ORIGIN, 10), ORIGIN, settings);
    expect(a.map((i) => i.onsetMs)).toEqual([0]); // 990 is inside the debounce
    const devs2 = Array<number>(120).fill(0);
    devs2[0] = 20;
    devs2[100] = 20;
    const b = detectImpacts(fromDeviations(devs2, 0, ORIGIN, 10), ORIGIN, settings);
    expect(b.map((i) => i.onsetMs)).toEqual([0, 1000]);
  });

  it('a run that began inside the debounce is ignored even after the debounce ends', () => {
    // Impact at 0; a run from 960 to 1100 ms (inside → past the debounce) never fires; the next
    // rising edge at 1200 ms does.
    const devs = Array<number>(70).fill(0);
    devs[0] = 20;
    for (let i = 48; i <= 55; i++) devs[i] = 20; // 960 … 1100 ms
    devs[60] = 20; // 1200 ms
    const impacts = detectImpacts(fromDeviations(devs), ORIGIN, settings);
    expect(impacts.map((i) => i.onsetMs)).toEqual([0, 1200]);
  });

  it('does not report an event that has not ended yet', () => {
    const d = new ImpactDetector('s', settings);
    d.setBaseline(ORIGIN);
    expect(d.push({ ts: 0, x: 50, y: 0, z: 0 })).toBeNull();
    expect(d.state.phase).toBe('event');
    expect(d.push({ ts: 20, x: 0, y: 0, z: 0 })?.onsetMs).toBe(0);
  });

  it('drops out-of-order and non-finite samples', () => {
    const d = new ImpactDetector('s', settings);
    d.setBaseline(ORIGIN);
    d.push({ ts: 100, x: 0, y: 0, z: 0 });
    expect(d.push({ ts: 50, x: 99, y: 0, z: 0 })).toBeNull();
    expect(d.push({ ts: 120, x: Number.NaN, y: 0, z: 0 })).toBeNull();
    expect(d.state.droppedSamples).toBe(2);
    expect(d.state.phase).toBe('armed');
    // batch onsetIndex still points into the input array
    const samples = [...fromDeviations([0, 0]), { ts: 10, x: 99, y: 0, z: 0 }, { ts: 60, x: 30, y: 0, z: 0 }];
    samples.push({ ts: 80, x: 0, y: 0, z: 0 });
    expect(detectImpacts(samples, ORIGIN, settings).map((i) => i.onsetIndex)).toEqual([3]);
  });
});

describe('ImpactDetector lifecycle', () => {
  it('ignores samples until calibrated; a timed-out calibration is reported but not adopted', () => {
    const d = new ImpactDetector('s');
    expect(d.push({ ts: 0, x: 100, y: 0, z: 0 })).toBeNull();
    expect(d.state.phase).toBe('uncalibrated');
    d.startCalibration();
    expect(d.state.phase).toBe('calibrating');
    for (let i = 0; i < 10; i++) d.push({ ts: 1000 + i * 1000, x: 1, y: 1, z: 1 });
    expect(d.state.calibrationCollected).toBe(10);
    expect(d.tick(31_000)?.status).toBe('timeout');
    expect(d.state.phase).toBe('uncalibrated');
    expect(d.state.calibration?.samples).toBe(10);
    expect(d.state.baseline).toBeNull();
  });

  it('keeps the previous baseline when a recalibration times out', () => {
    const d = new ImpactDetector('s');
    d.setBaseline({ x: 1, y: 2, z: 3 });
    d.startCalibration();
    d.push({ ts: 0, x: 9, y: 9, z: 9 });
    d.push({ ts: 30_000, x: 9, y: 9, z: 9 }); // ends the window
    expect(d.state.calibration?.status).toBe('timeout');
    expect(d.state.phase).toBe('armed');
    expect(d.state.baseline).toEqual({ x: 1, y: 2, z: 3 });
  });

  it('streams calibration through push and then detects', () => {
    const d = new ImpactDetector('s', { calibrationSamples: 10 });
    d.startCalibration();
    for (let i = 0; i < 10; i++) expect(d.push({ ts: i * 20, x: 2, y: 2, z: 2 })).toBeNull();
    expect(d.state.phase).toBe('armed');
    expect(d.state.calibration?.status).toBe('complete');
    d.push({ ts: 300, x: 2, y: 40, z: 2 });
    expect(d.push({ ts: 320, x: 2, y: 2, z: 2 })?.peakDeviation).toBe(38);
  });

  it('reset() forgets the debounce', () => {
    const d = new ImpactDetector('s');
    d.setBaseline(ORIGIN);
    d.push({ ts: 0, x: 50, y: 0, z: 0 });
    expect(d.push({ ts: 20, x: 0, y: 0, z: 0 })).not.toBeNull();
    d.reset();
    d.push({ ts: 100, x: 50, y: 0, z: 0 });
    expect(d.push({ ts: 120, x: 0, y: 0, z: 0 })?.onsetMs).toBe(100);
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests

interface Case {
  settings: DetectorSettings;
  baseline: Vec3;
  samples: Sample[];
}

function randomSettings(r: SeededRandom): DetectorSettings {
  const maxSamples = r.int(1, 12);
  return detectorSettingsSchema.parse({
    threshold: r.int(3, 25),
    debounceMs: r.int(0, 10) * 100,
    maxSamples,
    minSamples: r.int(1, Math.min(3, maxSamples)),
  });
}

/** A random stream: integer noise around a baseline, with bursts of random length and amplitude. */
function randomCase(r: SeededRandom): Case {
  const settings = randomSettings(r);
  const baseline = { x: r.int(-50, 50), y: r.int(-50, 50), z: r.int(-50, 50) };
  const samples: Sample[] = [];
  let ts = r.int(0, 1_000_000);
  const n = r.int(50, 400);
  let burst = 0;
  let amp = 0;
  for (let i = 0; i < n; i++) {
    ts += r.int(5, 40);
    if (burst === 0 && r.chance(0.05)) {
      burst = r.int(1, 16);
      amp = r.int(1, 80);
    }
    const s: Sample = {
      ts,
      x: baseline.x + r.int(-2, 2),
      y: baseline.y + r.int(-2, 2),
      z: baseline.z + r.int(-2, 2),
    };
    if (burst > 0) {
      burst--;
      const axis = r.pick(['x', 'y', 'z'] as const);
      s[axis] = baseline[axis] + (r.chance(0.5) ? 1 : -1) * r.int(Math.floor(amp / 2), amp);
    }
    samples.push(s);
  }
  return { settings, baseline, samples };
}

/**
 * Reference model, written independently of the state machine: split the deviation series into
 * maximal runs of above-threshold samples; a run that ended (has a following sample), starts at
 * least debounceMs after the last accepted onset, and has min..max samples is an impact.
 */
function referenceImpacts(c: Case): Array<{ onsetIndex: number; durationSamples: number; peak: number }> {
  const devs = c.samples.map((s) => deviation(s, c.baseline));
  const out: Array<{ onsetIndex: number; durationSamples: number; peak: number }> = [];
  let last: number | null = null;
  let i = 0;
  while (i < devs.length) {
    if ((devs[i] as number) < c.settings.threshold) {
      i++;
      continue;
    }
    let j = i;
    while (j < devs.length && (devs[j] as number) >= c.settings.threshold) j++;
    const len = j - i;
    const onset = (c.samples[i] as Sample).ts;
    const ended = j < devs.length;
    const debounced = last === null || onset - last >= c.settings.debounceMs;
    if (ended && debounced && len >= c.settings.minSamples && len <= c.settings.maxSamples) {
      out.push({ onsetIndex: i, durationSamples: len, peak: Math.max(...devs.slice(i, j)) });
      last = onset;
    }
    i = j;
  }
  return out;
}

const CASES = 400;

describe('properties', () => {
  it('matches the run-based reference model', () => {
    const r = seededRandom(0x5eed);
    for (let k = 0; k < CASES; k++) {
      const c = randomCase(r);
      const got = detectImpacts(c.samples, c.baseline, c.settings).map((i) => ({
        onsetIndex: i.onsetIndex,
        durationSamples: i.durationSamples,
        peak: i.peakDeviation,
      }));
      expect(got).toEqual(referenceImpacts(c));
    }
  });

  it('nothing below threshold ever fires', () => {
    const r = seededRandom(1);
    for (let k = 0; k < CASES; k++) {
      const settings = randomSettings(r);
      const baseline = { x: r.int(-100, 100), y: r.int(-100, 100), z: r.int(-100, 100) };
      const samples: Sample[] = [];
      const below = (): number => (r.next() * 2 - 1) * settings.threshold * 0.999999;
      for (let i = 0; i < 200; i++) {
        samples.push({
          ts: i * 20,
          x: baseline.x + below(),
          y: baseline.y + below(),
          z: baseline.z + below(),
        });
      }
      expect(detectImpacts(samples, baseline, settings)).toEqual([]);
    }
  });

  it('two accepted impacts are never closer than the debounce; every impact obeys the event rules', () => {
    const r = seededRandom(2);
    let total = 0;
    for (let k = 0; k < CASES; k++) {
      const c = randomCase(r);
      const impacts = detectImpacts(c.samples, c.baseline, c.settings);
      total += impacts.length;
      const devs = c.samples.map((s) => deviation(s, c.baseline));
      impacts.forEach((imp, idx) => {
        const prev = impacts[idx - 1];
        if (prev) expect(imp.onsetMs - prev.onsetMs).toBeGreaterThanOrEqual(c.settings.debounceMs);
        expect(imp.peakDeviation).toBeGreaterThanOrEqual(c.settings.threshold);
        expect(imp.durationSamples).toBeGreaterThanOrEqual(c.settings.minSamples);
        expect(imp.durationSamples).toBeLessThanOrEqual(c.settings.maxSamples);
        // a rising edge, a full run, and the sample that ended it
        if (imp.onsetIndex > 0) expect(devs[imp.onsetIndex - 1]).toBeLessThan(c.settings.threshold);
        for (let i = 0; i < imp.durationSamples; i++) {
          expect(devs[imp.onsetIndex + i]).toBeGreaterThanOrEqual(c.settings.threshold);
        }
        expect(devs[imp.onsetIndex + imp.durationSamples]).toBeLessThan(c.settings.threshold);
      });
    }
    expect(total).toBeGreaterThan(100); // the generator does exercise detection
  });

  it('an event longer than maxSamples never fires', () => {
    const r = seededRandom(3);
    for (let k = 0; k < CASES; k++) {
      const settings = randomSettings(r);
      const devs: number[] = [];
      const bursts = r.int(1, 6);
      for (let b = 0; b < bursts; b++) {
        for (let q = r.int(1, 5); q > 0; q--) devs.push(r.next() * settings.threshold * 0.99);
        for (let q = r.int(settings.maxSamples + 1, settings.maxSamples + 20); q > 0; q--) {
          devs.push(settings.threshold + r.next() * 100);
        }
      }
      devs.push(0);
      const samples = fromDeviations(devs, r.int(0, 1e6), ORIGIN, r.int(5, 50));
      expect(detectImpacts(samples, ORIGIN, settings)).toEqual([]);
    }
  });

  it('detection is independent of axis orientation (axes permuted and negated)', () => {
    const r = seededRandom(4);
    const axes = ['x', 'y', 'z'] as const;
    for (let k = 0; k < CASES; k++) {
      const c = randomCase(r);
      const perm = r.shuffle(axes);
      const sign = { x: r.pick([1, -1]), y: r.pick([1, -1]), z: r.pick([1, -1]) };
      const tf = (s: Sample): Sample => ({
        ts: s.ts,
        x: sign.x * s[perm[0] as 'x'],
        y: sign.y * s[perm[1] as 'x'],
        z: sign.z * s[perm[2] as 'x'],
      });
      // Calibrate both detectors on (transformed) still samples with integer noise, then detect.
      const still: Sample[] = [];
      for (let i = 0; i < 100; i++) {
        still.push({
          ts: i * 20,
          x: c.baseline.x + r.int(-3, 3),
          y: c.baseline.y + r.int(-3, 3),
          z: c.baseline.z + r.int(-3, 3) + (r.chance(0.03) ? 200 : 0),
        });
      }
      const shift = 10_000 + (c.samples[0]?.ts ?? 0);
      const stream = c.samples.map((s) => ({ ...s, ts: s.ts + shift }));
      const a = new ImpactDetector('s', c.settings);
      const b = new ImpactDetector('s', c.settings);
      expect(a.calibrate(still).status).toBe('complete');
      expect(b.calibrate(still.map(tf)).status).toBe('complete');
      const outA = stream.map((s) => a.push(s)).filter((i) => i !== null);
      const outB = stream.map((s) => b.push(tf(s))).filter((i) => i !== null);
      expect(outB).toEqual(outA);
    }
  });
});
