/**
 * Impact detection in the console (domain.md §4): one ImpactDetector per sensor, fed with every
 * raw telemetry sample of each committed ingest batch. This is the hot path (design load is 4,000
 * samples/s), so it allocates nothing per sample: one map lookup per run of samples of the same
 * sensor and the detector's own arithmetic.
 *
 * Decisions where §4 is silent:
 * - A sensor seen for the first time calibrates itself on its first 100 samples; its baseline is
 *   stored so a restart resumes detection at once. `detector.calibrate` starts a new calibration.
 * - A calibration that times out (fewer than 100 samples in 30 s, a slow sensor) is adopted when
 *   it collected at least {@link MIN_TIMEOUT_SAMPLES} samples; otherwise calibration starts over.
 * - A sensor is in `console` mode (its impacts come from our detector) while its detector has a
 *   baseline and samples arrived within {@link LIVE_MS}; otherwise `bridge` mode (impacts the bridge
 *   reports are used).
 * - The learnt shot → impact delay per sensor is an EMA over the pairs of approved strings.
 */
import {
  ImpactDetector,
  parseDetectorSettings,
  type DetectedImpact,
  type DetectorSettings,
} from '../../src-shared/range/detector';
import { learnDelay, DEFAULT_CORRELATION_SETTINGS } from '../../src-shared/range/correlation';
import { toIso } from '../../src-shared/events/time';
import type { CommandReq } from '../../src-shared/contract';
import type { DetectorRow } from '../../src-shared/contract/range';
import type { RangeRepo, SensorRec } from './repo';

export const LIVE_MS = 3000;
export const MIN_TIMEOUT_SAMPLES = 20;

interface SampleLike {
  sensor_id: string;
  ts: number;
  x: number;
  y: number;
  z: number;
}

interface Slot {
  det: ImpactDetector;
  rec: SensorRec;
  lastSampleAt: number;
  impacts: number;
  calibrating: boolean;
  /** Has a baseline (cheaper than reading the detector's state object per sample). */
  ready: boolean;
}

function settingsOf(rec: SensorRec): Partial<DetectorSettings> {
  const s = rec.settings as Partial<DetectorSettings>;
  const out: Partial<DetectorSettings> = {};
  for (const k of [
    'threshold',
    'debounceMs',
    'minSamples',
    'maxSamples',
    'calibrationSamples',
    'calibrationTimeoutMs',
  ] as const) {
    if (typeof s[k] === 'number') out[k] = s[k];
  }
  return out;
}

export class DetectionService {
  private readonly slots = new Map<string, Slot>();
  private readonly calibrating = new Set<Slot>();
  /** Sensors whose calibration just completed and must be stored. */
  private readonly toSave = new Set<Slot>();

  constructor(
    private readonly repo: RangeRepo,
    private readonly now: () => number = Date.now,
  ) {
    for (const rec of repo.sensors()) this.slots.set(rec.sensor_id, this.makeSlot(rec));
  }

  private makeSlot(rec: SensorRec): Slot {
    let det: ImpactDetector;
    try {
      det = new ImpactDetector(rec.sensor_id, settingsOf(rec));
    } catch {
      det = new ImpactDetector(rec.sensor_id);
    }
    const slot: Slot = { det, rec, lastSampleAt: 0, impacts: 0, calibrating: false, ready: false };
    if (rec.baseline) {
      det.setBaseline(rec.baseline, rec.noise);
      slot.ready = true;
    }
    return slot;
  }

  private slot(sensorId: string): Slot {
    let s = this.slots.get(sensorId);
    if (!s) {
      s = this.makeSlot({
        sensor_id: sensorId,
        settings: {},
        baseline: null,
        noise: null,
        calibrated_at: null,
        expected_delay_ms: null,
      });
      this.slots.set(sensorId, s);
    }
    return s;
  }

  /** The hot path: every sample of a committed batch, in order. Returns impacts completed. */
  onSamples(samples: readonly SampleLike[], receivedAt = this.now()): DetectedImpact[] | null {
    let out: DetectedImpact[] | null = null;
    let lastId = '';
    let slot: Slot | undefined;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      if (s.sensor_id !== lastId || !slot) {
        lastId = s.sensor_id;
        slot = this.slot(lastId);
        slot.lastSampleAt = receivedAt;
        if (!slot.ready && !slot.calibrating) this.beginCalibration(slot);
      }
      const impact = slot.det.push(s);
      if (impact) {
        slot.impacts++;
        (out ??= []).push(impact);
      }
    }
    if (this.calibrating.size) this.checkCalibrations();
    return out;
  }

  private beginCalibration(slot: Slot): void {
    slot.det.startCalibration();
    slot.calibrating = true;
    this.calibrating.add(slot);
  }

  private checkCalibrations(nowMs?: number): void {
    for (const slot of this.calibrating) {
      if (nowMs !== undefined) slot.det.tick(nowMs);
      const st = slot.det.state;
      if (st.phase === 'calibrating') continue;
      const cal = st.calibration;
      this.calibrating.delete(slot);
      slot.calibrating = false;
      if (cal && cal.status === 'complete' && st.baseline) {
        slot.ready = true;
        this.toSave.add(slot);
      } else if (cal?.estimate && cal.samples >= MIN_TIMEOUT_SAMPLES) {
        slot.det.setBaseline(cal.estimate.baseline, cal.estimate.noise);
        slot.ready = true;
        this.toSave.add(slot);
      } else if (st.baseline) {
        // A recalibration that failed: the previous baseline stays.
        slot.ready = true;
      } else {
        this.beginCalibration(slot);
      }
    }
  }

  /**
   * Once a second or so: times out calibrations of sensors that went silent (the window is in
   * sample time; the console clock stands in for a sensor that sends nothing), stores baselines.
   */
  tick(nowMs = this.now()): void {
    if (this.calibrating.size) this.checkCalibrations(nowMs);
    if (this.toSave.size) {
      this.repo.tx(() => {
        for (const slot of this.toSave) {
          const st = slot.det.state;
          slot.rec = {
            ...slot.rec,
            baseline: st.baseline,
            noise: st.noise,
            calibrated_at: this.now(),
          };
          this.repo.upsertSensor(slot.rec);
        }
      });
      this.toSave.clear();
    }
  }

  mode(sensorId: string, nowMs = this.now()): 'console' | 'bridge' {
    const s = this.slots.get(sensorId);
    if (!s || !s.ready || s.calibrating) return 'bridge';
    return nowMs - s.lastSampleAt < LIVE_MS ? 'console' : 'bridge';
  }

  /** Learnt delays per sensor (only sensors with one). */
  expectedDelays(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, s] of this.slots) {
      if (s.rec.expected_delay_ms !== null && Number.isFinite(s.rec.expected_delay_ms)) {
        out[id] = s.rec.expected_delay_ms;
      }
    }
    return out;
  }

  /** One EMA step per confirmed pair (an approved string), in shot order. */
  learn(pairs: { sensor_id: string; delay_ms: number }[]): void {
    if (!pairs.length) return;
    let delays: Readonly<Record<string, number>> = this.expectedDelays();
    for (const p of pairs) delays = learnDelay(delays, p.sensor_id, p.delay_ms, DEFAULT_CORRELATION_SETTINGS);
    this.repo.tx(() => {
      for (const id of new Set(pairs.map((p) => p.sensor_id))) {
        const slot = this.slot(id);
        slot.rec = { ...slot.rec, expected_delay_ms: delays[id] ?? null };
        this.repo.upsertSensor(slot.rec);
      }
    });
  }

  configure(req: CommandReq<'detector.configure'>): void {
    const slot = this.slot(req.sensor_id);
    const current = settingsOf(slot.rec);
    const next: Partial<DetectorSettings> = {
      ...current,
      ...(req.threshold !== undefined ? { threshold: req.threshold } : {}),
      ...(req.debounce_ms !== undefined ? { debounceMs: req.debounce_ms } : {}),
      ...(req.min_samples !== undefined ? { minSamples: req.min_samples } : {}),
      ...(req.max_samples !== undefined ? { maxSamples: req.max_samples } : {}),
      ...(req.calibration_samples !== undefined ? { calibrationSamples: req.calibration_samples } : {}),
    };
    parseDetectorSettings(next); // throws on an invalid combination
    slot.rec = { ...slot.rec, settings: next };
    this.repo.upsertSensor(slot.rec);
    const replaced = this.makeSlot({
      ...slot.rec,
      baseline: slot.det.state.baseline,
      noise: slot.det.state.noise,
    });
    replaced.lastSampleAt = slot.lastSampleAt;
    replaced.impacts = slot.impacts;
    this.calibrating.delete(slot);
    this.toSave.delete(slot);
    this.slots.set(req.sensor_id, replaced);
  }

  calibrate(sensorId: string): void {
    const slot = this.slot(sensorId);
    this.beginCalibration(slot);
  }

  /** Puts a stored-calibration detector back in step after a restart (replayed samples). */
  replay(samples: readonly SampleLike[]): DetectedImpact[] {
    const out: DetectedImpact[] = [];
    for (const s of samples) {
      const slot = this.slots.get(s.sensor_id);
      if (!slot || !slot.rec.baseline) continue;
      const impact = slot.det.push(s);
      if (impact) out.push(impact);
    }
    return out;
  }

  hasBaseline(sensorId: string): boolean {
    return !!this.slots.get(sensorId)?.rec.baseline;
  }

  row(sensorId: string, plates: string[] = []): DetectorRow {
    const slot = this.slot(sensorId);
    const st = slot.det.state;
    const s = slot.det.settings;
    const cal = st.calibration;
    return {
      sensor_id: sensorId,
      settings: {
        threshold: s.threshold,
        debounce_ms: s.debounceMs,
        min_samples: s.minSamples,
        max_samples: s.maxSamples,
        calibration_samples: s.calibrationSamples,
      },
      phase: st.phase,
      baseline: st.baseline,
      noise: st.noise,
      calibrated_at: slot.rec.calibrated_at !== null ? toIso(slot.rec.calibrated_at) : null,
      calibration_collected: st.calibrationCollected,
      last_calibration: cal ? `${cal.status}: ${cal.samples}/${cal.wanted} samples` : null,
      mode: this.mode(sensorId),
      last_sample_at: slot.lastSampleAt ? toIso(slot.lastSampleAt) : null,
      samples_seen: st.samplesSeen,
      impacts: slot.impacts,
      expected_delay_ms: slot.rec.expected_delay_ms ?? DEFAULT_CORRELATION_SETTINGS.expectedDelayMs,
      plates,
    };
  }

  sensorIds(): string[] {
    return [...this.slots.keys()].sort();
  }
}
