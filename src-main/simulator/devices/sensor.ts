/**
 * A WitMotion BT50-style vibration sensor behind a range bridge (domain.md §1, §3): velocity
 * noise around 0 mm/s at rest (no gravity vector), a short burst when its plate is hit, and the
 * three telemetry shapes bridges publish (single samples, batches, raw BT50 notifications).
 */
import { bytesToHex, encodeBt50Notification, type Bt50RecordInput } from '../../../src-shared/decoders/bt50';
import { round, type Rng } from '../random';

export type TelemetryShape = 'single' | 'batch' | 'raw';

/** The noise at rest is uniform in ±NOISE_MM_S on each axis. */
export const NOISE_MM_S = 0.5;
/** A burst starts this long after the shot that caused it. */
export const IMPACT_DELAY_MS = { min: 300, max: 700 } as const;
export const BURST_SAMPLES = { min: 3, max: 6 } as const;
export const BURST_PEAK_MM_S = { min: 20, max: 80 } as const;
/** The bridge's detection threshold (domain.md §4 default). */
export const DETECTION_THRESHOLD_MM_S = 10;
export const BATCH_SIZE = 10;
export const RECORDS_PER_NOTIFICATION = 4;

export type Vec3 = [number, number, number];

export interface BurstPlan {
  sensorId: string;
  plateId: string;
  shotMs: number;
  /** First burst sample. */
  startIndex: number;
  values: Vec3[];
  /** The detection the bridge makes from these samples (threshold on max |axis|). */
  onsetIndex: number;
  onsetMs: number;
  /** First sample back under the threshold. */
  endIndex: number;
  endMs: number;
  durationSamples: number;
  durationMs: number;
  peak: number;
  rms: number;
}

export interface SensorOptions {
  id: string;
  plateId: string;
  rateHz: number;
  startMs: number;
  shape: TelemetryShape;
  rng: Rng;
}

export interface SensorSample {
  index: number;
  tMs: number;
  v: Vec3;
}

export class Bt50Sensor {
  readonly id: string;
  readonly plateId: string;
  readonly rateHz: number;
  readonly periodMs: number;
  /** Time of sample 0 (set again by begin()). */
  startMs: number;
  readonly shape: TelemetryShape;
  battery: number;
  temperatureC: number;
  rssi: number;
  /** Static mounting tilt reported in raw records (degrees). */
  readonly tilt: Vec3;
  samplesEmitted = 0;
  messagesEmitted = 0;

  private readonly noise: Rng;
  private readonly slow: Rng;
  private nextIndex = 0;
  private seq = 0;
  private pending: SensorSample[] = [];
  private readonly overrides = new Map<number, Vec3>();
  /** [from, to) windows in which the sensor is off the air (a BLE dropout): nothing is sent. */
  private readonly outages: Array<[number, number]> = [];
  samplesLost = 0;

  constructor(opts: SensorOptions) {
    if (!(opts.rateHz > 0)) throw new RangeError(`sensor rate must be > 0 Hz, got ${opts.rateHz}`);
    this.id = opts.id;
    this.plateId = opts.plateId;
    this.rateHz = opts.rateHz;
    this.periodMs = 1000 / opts.rateHz;
    this.startMs = opts.startMs;
    this.shape = opts.shape;
    this.noise = opts.rng.fork('noise');
    this.slow = opts.rng.fork('slow');
    this.battery = this.slow.int(70, 100);
    this.temperatureC = round(this.slow.uniform(18, 28), 2);
    this.rssi = this.slow.int(-75, -50);
    this.tilt = [round(this.slow.uniform(-2, 2), 2), round(this.slow.uniform(-2, 2), 2), 0];
  }

  /** Restarts the sample clock: sample 0 is at startMs. */
  begin(startMs: number): void {
    this.startMs = startMs;
    this.nextIndex = 0;
    this.pending = [];
    this.overrides.clear();
    this.outages.length = 0;
  }

  /** The sensor drops off the air for [fromMs, toMs): its samples in that window are never sent. */
  dropOut(fromMs: number, toMs: number): void {
    if (toMs > fromMs) this.outages.push([fromMs, toMs]);
  }

  /** Whether the sensor is off the air at tMs. */
  offlineAt(tMs: number): boolean {
    return this.outages.some(([a, b]) => tMs >= a && tMs < b);
  }

  timeOf(index: number): number {
    return this.startMs + index * this.periodMs;
  }

  firstIndexAtOrAfter(tMs: number): number {
    return Math.max(0, Math.ceil((tMs - this.startMs) / this.periodMs - 1e-9));
  }

  lastIndexAtOrBefore(tMs: number): number {
    return Math.floor((tMs - this.startMs) / this.periodMs + 1e-9);
  }

  /**
   * Plans the burst a hit on this sensor's plate causes: 3–6 samples starting 300–700 ms after
   * the shot, peaking at 20–80 mm/s on a dominant axis, alternating sign as the plate rings.
   */
  planBurst(rng: Rng, shotMs: number): BurstPlan {
    const lo = Math.max(this.firstIndexAtOrAfter(shotMs + IMPACT_DELAY_MS.min), this.nextIndex);
    const hi = Math.max(lo, this.lastIndexAtOrBefore(shotMs + IMPACT_DELAY_MS.max));
    const startIndex = rng.int(lo, hi);
    const length = rng.int(BURST_SAMPLES.min, BURST_SAMPLES.max);
    const peak = rng.uniform(BURST_PEAK_MM_S.min, BURST_PEAK_MM_S.max);
    const axis = rng.pick([0, 0, 1, 2] as const);
    const peakAt = rng.chance(0.6) ? 1 : 0;
    const quantize = (x: number): number => (this.shape === 'raw' ? Math.round(x) : round(x, 2));
    let sign = rng.chance(0.5) ? 1 : -1;
    let envelope = 1;
    const values: Vec3[] = [];
    for (let k = 0; k < length; k++) {
      if (k < peakAt) envelope = rng.uniform(0.55, 0.85);
      else if (k === peakAt) envelope = 1;
      else envelope *= rng.uniform(0.45, 0.7);
      const main = sign * envelope * peak;
      const v: Vec3 = [0, 0, 0];
      for (let a = 0; a < 3; a++) {
        v[a] =
          a === axis
            ? quantize(main)
            : quantize(
                main * rng.uniform(0.1, 0.35) * (rng.chance(0.5) ? 1 : -1) +
                  rng.uniform(-NOISE_MM_S, NOISE_MM_S),
              );
      }
      values.push(v);
      sign = -sign;
    }
    values.forEach((v, k) => this.overrides.set(startIndex + k, v));

    const deviation = (v: Vec3): number => Math.max(Math.abs(v[0]), Math.abs(v[1]), Math.abs(v[2]));
    let onset = values.findIndex((v) => deviation(v) >= DETECTION_THRESHOLD_MM_S);
    if (onset < 0) onset = 0;
    let end = onset;
    while (end < values.length && deviation(values[end]!) >= DETECTION_THRESHOLD_MM_S) end++;
    const event = values.slice(onset, Math.max(end, onset + 1));
    const devs = event.map(deviation);
    const durationSamples = Math.max(1, end - onset);
    return {
      sensorId: this.id,
      plateId: this.plateId,
      shotMs,
      startIndex,
      values,
      onsetIndex: startIndex + onset,
      onsetMs: this.timeOf(startIndex + onset),
      endIndex: startIndex + onset + durationSamples,
      endMs: this.timeOf(startIndex + onset + durationSamples),
      durationSamples,
      durationMs: Math.round(durationSamples * this.periodMs),
      peak: round(Math.max(...devs), 2),
      rms: round(Math.sqrt(devs.reduce((s, d) => s + d * d, 0) / devs.length), 2),
    };
  }

  /** Samples due at or before now, oldest first. */
  takeDue(now: number): SensorSample[] {
    const out: SensorSample[] = [];
    for (;;) {
      const tMs = this.timeOf(this.nextIndex);
      if (tMs > now) break;
      const index = this.nextIndex++;
      // Noise is always drawn so the stream does not depend on where bursts fall.
      const n: Vec3 = [
        round(this.noise.uniform(-NOISE_MM_S, NOISE_MM_S), 3),
        round(this.noise.uniform(-NOISE_MM_S, NOISE_MM_S), 3),
        round(this.noise.uniform(-NOISE_MM_S, NOISE_MM_S), 3),
      ];
      const override = this.overrides.get(index);
      if (override) this.overrides.delete(index);
      out.push({ index, tMs, v: override ?? n });
    }
    this.samplesEmitted += out.length;
    return out;
  }

  /** Telemetry payloads (JSON text) for everything due at or before now. */
  drain(now: number, iso: (ms: number) => string): string[] {
    let samples = this.takeDue(now);
    if (this.outages.length && samples.some((s) => this.offlineAt(s.tMs))) {
      // Off the air: those samples are lost, and so is a batch or notification being filled.
      const kept: SensorSample[] = [];
      for (const s of samples) {
        if (this.offlineAt(s.tMs)) {
          this.samplesLost += 1 + this.pending.length;
          this.pending = [];
        } else kept.push(s);
      }
      this.samplesEmitted -= samples.length - kept.length;
      samples = kept;
    }
    if (samples.length === 0) return [];
    const out: string[] = [];
    if (this.shape === 'single') {
      for (const s of samples) {
        out.push(
          JSON.stringify({
            seq: this.seq++,
            ts: iso(s.tMs),
            x: s.v[0],
            y: s.v[1],
            z: s.v[2],
            battery: this.battery,
            temperature: this.temperatureC,
          }),
        );
      }
    } else {
      const size = this.shape === 'batch' ? BATCH_SIZE : RECORDS_PER_NOTIFICATION;
      for (const s of samples) {
        this.pending.push(s);
        if (this.pending.length >= size) {
          out.push(
            this.shape === 'batch'
              ? this.batchPayload(this.pending, iso)
              : this.rawPayload(this.pending, iso),
          );
          this.pending = [];
        }
      }
    }
    this.messagesEmitted += out.length;
    return out;
  }

  /** A batch: samples spaced by the period, from t0 (first) to ts (last, the newest). */
  private batchPayload(samples: SensorSample[], iso: (ms: number) => string): string {
    const first = samples[0]!;
    const last = samples[samples.length - 1]!;
    return JSON.stringify({
      seq: this.seq++,
      t0: iso(first.tMs),
      ts: iso(last.tMs),
      rate_hz: this.rateHz,
      samples: samples.map((s) => s.v),
      battery: this.battery,
      temperature: this.temperatureC,
    });
  }

  /** A whole BT50 notification (four records at a 32-byte stride); ts is the newest record's. */
  private rawPayload(samples: SensorSample[], iso: (ms: number) => string): string {
    const records: Bt50RecordInput[] = samples.map((s) => {
      const ringing = Math.max(Math.abs(s.v[0]), Math.abs(s.v[1]), Math.abs(s.v[2])) >= 2;
      return {
        vx: s.v[0],
        vy: s.v[1],
        vz: s.v[2],
        angleX: this.tilt[0],
        angleY: this.tilt[1],
        angleZ: this.tilt[2],
        temperatureC: this.temperatureC,
        dx: Math.round(Math.abs(s.v[0]) * 2.5),
        dy: Math.round(Math.abs(s.v[1]) * 2.5),
        dz: Math.round(Math.abs(s.v[2]) * 2.5),
        fx: ringing ? 42 : 0,
        fy: ringing ? 42 : 0,
        fz: ringing ? 42 : 0,
      };
    });
    const last = samples[samples.length - 1]!;
    return JSON.stringify({
      seq: this.seq++,
      ts: iso(last.tMs),
      raw_hex: bytesToHex(encodeBt50Notification(records)),
    });
  }

  /** Slow drift of battery, temperature and signal, once per status period. */
  drift(): void {
    if (this.slow.chance(0.15) && this.battery > 5) this.battery -= 1;
    this.temperatureC = round(
      Math.min(45, Math.max(5, this.temperatureC + this.slow.uniform(-0.15, 0.15))),
      2,
    );
    this.rssi = Math.min(-40, Math.max(-90, this.rssi + this.slow.int(-2, 2)));
  }

  /** `sensor/{id}/status` (retained). */
  statusPayload(connection: 'connected' | 'disconnected', iso: (ms: number) => string, now: number): string {
    return JSON.stringify({
      sensor_id: this.id,
      plate_id: this.plateId,
      connection,
      rssi: this.rssi,
      battery: this.battery,
      temperature_c: this.temperatureC,
      rate_hz: this.rateHz,
      calibration: {
        calibrated: true,
        samples: 100,
        baseline: { x: 0, y: 0, z: 0 },
        noise: this.shape === 'raw' ? { x: 0, y: 0, z: 0 } : { x: 0.29, y: 0.29, z: 0.29 },
      },
      errors: 0,
      reconnect_attempts: 0,
      timestamp: iso(now),
    });
  }
}
