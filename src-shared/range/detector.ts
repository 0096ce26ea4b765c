/**
 * Impact detection — domain.md §4, steps 1–3. One detector per sensor: each detector owns its own
 * baseline and debounce, so impacts can be attributed to plates (the original bridge shared one
 * detector across all sensors; we do not).
 *
 * Definitions used throughout (decisions where §4 leaves room are marked "Decision"):
 *
 * - **Calibration**: collect `calibrationSamples` (100) samples with the plate still. Time is
 *   measured by sample timestamps: the window is `[first.ts, first.ts + calibrationTimeoutMs)`. A
 *   sample at or after the window's end is not collected and ends calibration with status
 *   `timeout`, carrying whatever was collected (`tick(nowMs)` times out without samples, for a
 *   sensor that went silent). Per axis, when at least 10 samples were collected, values outside
 *   `[Q1 − 1.5·IQR, Q3 + 1.5·IQR]` (bounds inclusive) are dropped; baseline = median of the rest,
 *   noise = their population standard deviation (divide by n). Quartiles use
 *   {@link QUARTILE_METHOD}: see {@link quantile}.
 *   Decision: a `timeout` result is reported, not adopted — the detector keeps its previous
 *   baseline (or stays uncalibrated); the caller may adopt it with `setBaseline`.
 * - **Deviation** of a sample = max over axes of |value − baseline| (orientation-independent).
 * - **Above threshold** means deviation ≥ `threshold`; an event ends at the first sample with
 *   deviation < `threshold`.
 * - **Onset**: a sample above threshold starts an event only when the detector is *armed* and
 *   either no impact was accepted yet or `ts − lastAcceptedOnset ≥ debounceMs`.
 * - **Armed**: the detector is armed after calibration and after every sample below threshold.
 *   Decision: an above-threshold sample that cannot start an event (inside the debounce) puts the
 *   detector in `holdoff` until a sample falls below threshold — the rest of that run is ignored
 *   for onset even when it outlasts the debounce (it is the ringing of the same hit, not a new
 *   one). Onsets therefore always sit on a rising edge.
 * - **Discard**: an event that grows past `maxSamples` above-threshold samples is discarded at
 *   once and the detector goes to `holdoff` (the whole over-long run never fires). An event that
 *   ends with fewer than `minSamples` samples is discarded too.
 *   Decision: a discarded event does NOT reset the debounce; only accepted impacts do.
 * - **Accepted impact**: onset = timestamp of the first sample; duration in samples = number of
 *   above-threshold samples; `endMs` = timestamp of the first below-threshold sample (the one that
 *   ended the event) and `durationMs = endMs − onsetMs`. A single-sample spike at 50 Hz lasts
 *   1 sample / 20 ms. An impact is reported when the sample that ends it arrives.
 * - Samples must arrive in timestamp order: a sample older than the previous one, or with a
 *   non-finite field, is dropped (counted in `state.droppedSamples`).
 */
import { z } from 'zod';

export const detectorSettingsSchema = z
  .object({
    /** mm/s; a sample whose deviation is ≥ threshold is above threshold. */
    threshold: z.number().positive().default(10),
    /** Minimum time between the onsets of two accepted impacts, ms. */
    debounceMs: z.number().min(0).default(1000),
    /** An event is accepted only if it lasted at least this many samples. */
    minSamples: z.number().int().min(1).default(1),
    /** An event growing past this many samples is discarded. */
    maxSamples: z.number().int().min(1).default(11),
    /** Samples to collect for calibration. */
    calibrationSamples: z.number().int().min(1).default(100),
    /** Calibration gives up this long after its first sample (by sample timestamps), ms. */
    calibrationTimeoutMs: z.number().positive().default(30_000),
  })
  .refine((s) => s.minSamples <= s.maxSamples, {
    message: 'minSamples must not exceed maxSamples',
    path: ['minSamples'],
  });

export type DetectorSettings = z.output<typeof detectorSettingsSchema>;

export const DEFAULT_DETECTOR_SETTINGS: Readonly<DetectorSettings> = Object.freeze(
  detectorSettingsSchema.parse({}),
);

/** Fills defaults and validates; throws a ZodError on invalid settings. */
export function parseDetectorSettings(input: Partial<DetectorSettings> = {}): DetectorSettings {
  return detectorSettingsSchema.parse(input);
}

export interface Vec3 {
  x: number;
  y: number;
  z: number;
}

/** One velocity sample, mm/s per axis, `ts` in ms. */
export interface Sample extends Vec3 {
  ts: number;
}

// ---------------------------------------------------------------------------------------------
// Quartiles and calibration statistics

/**
 * The quartile method: Hyndman & Fan type 7, i.e. linear interpolation between closest ranks —
 * the default of R's `quantile`, NumPy's `percentile` and Excel's `QUARTILE.INC`.
 */
export const QUARTILE_METHOD = 'hyndman-fan-7' as const;

/**
 * Quantile `p` (0..1) of an ascending-sorted, non-empty array, Hyndman & Fan type 7:
 * `h = (n − 1)·p`, `Q = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋])`. p = 0.5 is the usual median.
 */
export function quantile(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of an empty array');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile p must be in [0, 1], got ${p}`);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const frac = h - lo;
  const a = sorted[lo] as number;
  if (frac === 0 || lo + 1 >= n) return a;
  const b = sorted[lo + 1] as number;
  return a + frac * (b - a);
}

export interface Quartiles {
  q1: number;
  median: number;
  q3: number;
  iqr: number;
}

/** Q1, median and Q3 of unsorted, non-empty values ({@link QUARTILE_METHOD}). */
export function quartiles(values: readonly number[]): Quartiles {
  const sorted = [...values].sort((a, b) => a - b);
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  return { q1, median: quantile(sorted, 0.5), q3, iqr: q3 - q1 };
}

/** Outlier rejection applies only with at least this many samples. */
export const OUTLIER_MIN_SAMPLES = 10;
export const IQR_FENCE = 1.5;

export interface AxisCalibration {
  baseline: number;
  noise: number;
  /** Samples kept after outlier rejection. */
  kept: number;
  /** Samples dropped as outliers. */
  dropped: number;
  /** Inclusive bounds of the kept values; null when outlier rejection did not apply. */
  fence: { low: number; high: number } | null;
}

/** Calibration of one axis from its values (non-empty). */
export function calibrateAxis(values: readonly number[]): AxisCalibration {
  if (values.length === 0) throw new RangeError('calibrateAxis needs at least one value');
  let kept: number[] = [...values];
  let fence: AxisCalibration['fence'] = null;
  if (values.length >= OUTLIER_MIN_SAMPLES) {
    const q = quartiles(values);
    fence = { low: q.q1 - IQR_FENCE * q.iqr, high: q.q3 + IQR_FENCE * q.iqr };
    const { low, high } = fence;
    kept = values.filter((v) => v >= low && v <= high);
  }
  kept.sort((a, b) => a - b);
  const baseline = quantile(kept, 0.5);
  let mean = 0;
  for (const v of kept) mean += v;
  mean /= kept.length;
  let sq = 0;
  for (const v of kept) sq += (v - mean) * (v - mean);
  const noise = Math.sqrt(sq / kept.length);
  return { baseline, noise, kept: kept.length, dropped: values.length - kept.length, fence };
}

export interface BaselineEstimate {
  baseline: Vec3;
  noise: Vec3;
  axes: { x: AxisCalibration; y: AxisCalibration; z: AxisCalibration };
}

/** Baseline and noise of still-plate samples (non-empty), each axis on its own. */
export function estimateBaseline(samples: readonly Vec3[]): BaselineEstimate {
  const x = calibrateAxis(samples.map((s) => s.x));
  const y = calibrateAxis(samples.map((s) => s.y));
  const z = calibrateAxis(samples.map((s) => s.z));
  return {
    baseline: { x: x.baseline, y: y.baseline, z: z.baseline },
    noise: { x: x.noise, y: y.noise, z: z.noise },
    axes: { x, y, z },
  };
}

export type CalibrationStatus = 'complete' | 'timeout' | 'incomplete';

export interface CalibrationResult {
  /** `complete`: all samples collected; `timeout`: the window ran out; `incomplete`: a batch ran out of samples. */
  status: CalibrationStatus;
  /** Samples collected. */
  samples: number;
  /** Samples wanted. */
  wanted: number;
  /** Timestamp of the first collected sample (start of the window), null if none. */
  startedAtMs: number | null;
  /** Timestamp of the last collected sample, null if none. */
  lastSampleMs: number | null;
  /** Null when nothing was collected. */
  estimate: BaselineEstimate | null;
}

function isValidSample(s: Sample): boolean {
  return Number.isFinite(s.ts) && Number.isFinite(s.x) && Number.isFinite(s.y) && Number.isFinite(s.z);
}

/** Streaming calibration: push samples until it returns a result. */
export class Calibrator {
  readonly settings: DetectorSettings;
  private readonly collected: Vec3[] = [];
  private startedAt: number | null = null;
  private lastTs: number | null = null;
  private done: CalibrationResult | null = null;

  constructor(settings: Partial<DetectorSettings> = {}) {
    this.settings = parseDetectorSettings(settings);
  }

  /** Samples collected so far. */
  get count(): number {
    return this.collected.length;
  }

  /** The final result once calibration is over, else null. */
  get result(): CalibrationResult | null {
    return this.done;
  }

  /** Collects one sample; returns the result when this sample completes or times out calibration. */
  push(sample: Sample): CalibrationResult | null {
    if (this.done) return null;
    if (!isValidSample(sample)) return null;
    if (this.lastTs !== null && sample.ts < this.lastTs) return null;
    if (this.startedAt !== null && sample.ts - this.startedAt >= this.settings.calibrationTimeoutMs) {
      return this.finish('timeout');
    }
    this.startedAt ??= sample.ts;
    this.lastTs = sample.ts;
    this.collected.push({ x: sample.x, y: sample.y, z: sample.z });
    if (this.collected.length >= this.settings.calibrationSamples) return this.finish('complete');
    return null;
  }

  /** Times calibration out when `nowMs` is past the window (for a sensor that stopped sending). */
  tick(nowMs: number): CalibrationResult | null {
    if (this.done || this.startedAt === null) return null;
    if (nowMs - this.startedAt >= this.settings.calibrationTimeoutMs) return this.finish('timeout');
    return null;
  }

  /** Ends calibration now (a batch ran out of samples): status `incomplete` unless already over. */
  finish(status: CalibrationStatus = 'incomplete'): CalibrationResult {
    if (this.done) return this.done;
    this.done = {
      status,
      samples: this.collected.length,
      wanted: this.settings.calibrationSamples,
      startedAtMs: this.startedAt,
      lastSampleMs: this.lastTs,
      estimate: this.collected.length > 0 ? estimateBaseline(this.collected) : null,
    };
    return this.done;
  }
}

/** Batch calibration: feeds `samples` in order to a {@link Calibrator}. */
export function calibrate(
  samples: readonly Sample[],
  settings: Partial<DetectorSettings> = {},
): CalibrationResult {
  const c = new Calibrator(settings);
  for (const s of samples) {
    const r = c.push(s);
    if (r) return r;
  }
  return c.finish('incomplete');
}

// ---------------------------------------------------------------------------------------------
// Detection

/** max over axes of |value − baseline|. */
export function deviation(sample: Vec3, baseline: Vec3): number {
  return Math.max(
    Math.abs(sample.x - baseline.x),
    Math.abs(sample.y - baseline.y),
    Math.abs(sample.z - baseline.z),
  );
}

export interface DetectedImpact {
  sensorId: string;
  /** Timestamp of the first above-threshold sample, ms. */
  onsetMs: number;
  /** Index of the onset sample among the detection samples pushed (0-based; batch: index in the input). */
  onsetIndex: number;
  /** Largest deviation in the event, mm/s. */
  peakDeviation: number;
  /** Timestamp of the peak sample (first one on equal peaks), ms. */
  peakMs: number;
  /** Above-threshold samples in the event. */
  durationSamples: number;
  /** `endMs − onsetMs`. */
  durationMs: number;
  /** Timestamp of the first below-threshold sample, which ended the event, ms. */
  endMs: number;
}

export type DetectorPhase = 'uncalibrated' | 'calibrating' | 'armed' | 'event' | 'holdoff';

export interface DetectorState {
  phase: DetectorPhase;
  baseline: Vec3 | null;
  noise: Vec3 | null;
  /** Last calibration result (complete or not), null if never calibrated. */
  calibration: CalibrationResult | null;
  /** Samples collected by a calibration in progress. */
  calibrationCollected: number;
  /** Onset of the last accepted impact, ms. */
  lastAcceptedOnsetMs: number | null;
  /** Detection samples processed (not counting calibration or dropped samples). */
  samplesSeen: number;
  impactsAccepted: number;
  eventsDiscarded: number;
  droppedSamples: number;
  lastDeviation: number | null;
}

interface OpenEvent {
  onsetMs: number;
  onsetIndex: number;
  peak: number;
  peakMs: number;
  count: number;
}

export class ImpactDetector {
  readonly sensorId: string;
  readonly settings: DetectorSettings;

  private phase: DetectorPhase = 'uncalibrated';
  private baseline: Vec3 | null = null;
  private noise: Vec3 | null = null;
  private calibrator: Calibrator | null = null;
  private lastCalibration: CalibrationResult | null = null;
  private open: OpenEvent | null = null;
  private lastAcceptedOnset: number | null = null;
  private lastTs: number | null = null;
  private seen = 0;
  private accepted = 0;
  private discarded = 0;
  private dropped = 0;
  private lastDev: number | null = null;

  constructor(sensorId: string, settings: Partial<DetectorSettings> = {}) {
    this.sensorId = sensorId;
    this.settings = parseDetectorSettings(settings);
  }

  get state(): DetectorState {
    return {
      phase: this.phase,
      baseline: this.baseline ? { ...this.baseline } : null,
      noise: this.noise ? { ...this.noise } : null,
      calibration: this.lastCalibration,
      calibrationCollected: this.calibrator?.count ?? 0,
      lastAcceptedOnsetMs: this.lastAcceptedOnset,
      samplesSeen: this.seen,
      impactsAccepted: this.accepted,
      eventsDiscarded: this.discarded,
      droppedSamples: this.dropped,
      lastDeviation: this.lastDev,
    };
  }

  /** Detection samples processed so far. */
  get samplesSeen(): number {
    return this.seen;
  }

  /** Starts a streaming calibration: the following pushed samples feed it (an open event is abandoned). */
  startCalibration(): void {
    this.open = null;
    this.calibrator = new Calibrator(this.settings);
    this.phase = 'calibrating';
  }

  /** Batch calibration from still-plate samples; adopts the baseline only when `complete`. */
  calibrate(samples: readonly Sample[]): CalibrationResult {
    this.startCalibration();
    for (const s of samples) {
      this.push(s);
      if (this.phase !== 'calibrating') return this.lastCalibration as CalibrationResult;
    }
    return this.endCalibration((this.calibrator as Calibrator).finish('incomplete'));
  }

  /** Times a streaming calibration out when `nowMs` is past its window; returns the result if it ended. */
  tick(nowMs: number): CalibrationResult | null {
    if (this.phase !== 'calibrating' || !this.calibrator) return null;
    const r = this.calibrator.tick(nowMs);
    return r ? this.endCalibration(r) : null;
  }

  /** Sets the baseline directly (e.g. a stored calibration, or a timed-out result the RO accepts). */
  setBaseline(baseline: Vec3, noise: Vec3 | null = null): void {
    if (![baseline.x, baseline.y, baseline.z].every(Number.isFinite)) {
      throw new RangeError('baseline must be finite');
    }
    this.baseline = { x: baseline.x, y: baseline.y, z: baseline.z };
    this.noise = noise ? { ...noise } : null;
    this.calibrator = null;
    this.open = null;
    this.phase = 'armed';
  }

  /** Forgets the open event and the debounce (keeps the baseline), e.g. at the start of a new run. */
  reset(): void {
    this.open = null;
    this.lastAcceptedOnset = null;
    if (this.phase === 'event' || this.phase === 'holdoff') this.phase = 'armed';
  }

  /**
   * Feeds one sample. During calibration it is collected (returns null); otherwise it returns the
   * impact this sample completed, if any.
   */
  push(sample: Sample): DetectedImpact | null {
    if (!isValidSample(sample) || (this.lastTs !== null && sample.ts < this.lastTs)) {
      this.dropped++;
      return null;
    }
    this.lastTs = sample.ts;

    if (this.phase === 'calibrating') {
      const r = (this.calibrator as Calibrator).push(sample);
      if (r) this.endCalibration(r);
      return null;
    }
    if (this.phase === 'uncalibrated' || !this.baseline) return null;

    const s = this.settings;
    const index = this.seen++;
    const dev = deviation(sample, this.baseline);
    this.lastDev = dev;
    const above = dev >= s.threshold;

    switch (this.phase) {
      case 'armed': {
        if (!above) return null;
        const debounced =
          this.lastAcceptedOnset === null || sample.ts - this.lastAcceptedOnset >= s.debounceMs;
        if (!debounced) {
          this.phase = 'holdoff';
          return null;
        }
        this.open = { onsetMs: sample.ts, onsetIndex: index, peak: dev, peakMs: sample.ts, count: 1 };
        this.phase = 'event';
        return this.checkTooLong();
      }
      case 'event': {
        const ev = this.open as OpenEvent;
        if (above) {
          ev.count++;
          if (dev > ev.peak) {
            ev.peak = dev;
            ev.peakMs = sample.ts;
          }
          return this.checkTooLong();
        }
        this.open = null;
        this.phase = 'armed';
        if (ev.count < s.minSamples) {
          this.discarded++;
          return null;
        }
        this.accepted++;
        this.lastAcceptedOnset = ev.onsetMs;
        return {
          sensorId: this.sensorId,
          onsetMs: ev.onsetMs,
          onsetIndex: ev.onsetIndex,
          peakDeviation: ev.peak,
          peakMs: ev.peakMs,
          durationSamples: ev.count,
          durationMs: sample.ts - ev.onsetMs,
          endMs: sample.ts,
        };
      }
      case 'holdoff':
        if (!above) this.phase = 'armed';
        return null;
      default:
        return null;
    }
  }

  private checkTooLong(): null {
    const ev = this.open as OpenEvent;
    if (ev.count > this.settings.maxSamples) {
      this.open = null;
      this.phase = 'holdoff';
      this.discarded++;
    }
    return null;
  }

  private endCalibration(r: CalibrationResult): CalibrationResult {
    this.lastCalibration = r;
    this.calibrator = null;
    if (r.status === 'complete' && r.estimate) {
      this.baseline = { ...r.estimate.baseline };
      this.noise = { ...r.estimate.noise };
      this.phase = 'armed';
    } else {
      this.phase = this.baseline ? 'armed' : 'uncalibrated';
    }
    return r;
  }
}

/**
 * Batch detection over samples in timestamp order with a known baseline. Same rules as
 * {@link ImpactDetector}; `onsetIndex` is the index in `samples` (dropped samples included).
 */
export function detectImpacts(
  samples: readonly Sample[],
  baseline: Vec3,
  settings: Partial<DetectorSettings> = {},
  sensorId = '',
): DetectedImpact[] {
  const d = new ImpactDetector(sensorId, settings);
  d.setBaseline(baseline);
  const out: DetectedImpact[] = [];
  // Detection index → input index (they differ when samples are dropped).
  const inputIndex: number[] = [];
  samples.forEach((s, i) => {
    const impact = d.push(s);
    if (d.samplesSeen > inputIndex.length) inputIndex.push(i);
    if (impact) out.push({ ...impact, onsetIndex: inputIndex[impact.onsetIndex] ?? impact.onsetIndex });
  });
  return out;
}
