/**
 * The range bridge itself (a Raspberry Pi next to the steel): its retained status, the host's
 * system health, and the impacts its detectors report (domain.md §1).
 */
import { round, type Rng } from '../random';
import type { BurstPlan } from './sensor';

export interface BridgeSensorState {
  id: string;
  plateId: string;
  connection: 'connected' | 'disconnected';
}

export interface BridgeStatusInput {
  bridgeId: string;
  online: boolean;
  timerConnection: 'connected' | 'disconnected';
  sensors: BridgeSensorState[];
  clientStats: { messages_published: number; reconnects: number; uptime_s: number; connected: boolean };
  timestamp: string;
}

/** `bridge/status` (retained), in the nested shape. */
export function bridgeStatusPayload(s: BridgeStatusInput): Record<string, unknown> {
  const sensors: Record<string, string> = {};
  const detectors: Record<string, unknown> = {};
  for (const sensor of s.sensors) {
    sensors[sensor.id] = sensor.connection;
    detectors[sensor.plateId] = {
      sensor_id: sensor.id,
      state: !s.online ? 'stopped' : sensor.connection === 'connected' ? 'armed' : 'offline',
      threshold_mm_s: 10,
      debounce_ms: 1000,
    };
  }
  return {
    component: 'bridge',
    bridge_id: s.bridgeId,
    status: {
      state: s.online ? 'running' : 'offline',
      timer: s.timerConnection,
      sensors,
      detectors,
      active_plates: s.sensors.map((x) => x.plateId),
    },
    client_stats: s.clientStats,
    timestamp: s.timestamp,
  };
}

/** The bridge host's health; a slowly wandering load. */
export class HostHealth {
  private cpu: number;
  private memory: number;
  private disk: number;
  private logBytes: number;
  private errors = 0;

  constructor(private readonly rng: Rng) {
    this.cpu = rng.uniform(8, 25);
    this.memory = rng.uniform(30, 45);
    this.disk = rng.uniform(20, 40);
    this.logBytes = rng.int(50_000, 400_000);
  }

  /** `system/health` (retained). */
  payload(uptimeS: number, timestamp: string): Record<string, unknown> {
    const r = this.rng;
    this.cpu = Math.min(95, Math.max(2, this.cpu + r.uniform(-4, 4)));
    this.memory = Math.min(90, Math.max(15, this.memory + r.uniform(-1, 1)));
    this.disk = Math.min(99, this.disk + r.uniform(0, 0.01));
    this.logBytes += r.int(2_000, 20_000);
    if (r.chance(0.05)) this.errors++;
    return {
      component: 'system',
      cpu_percent: round(this.cpu, 1),
      cpu_temperature_c: round(45 + this.cpu * 0.3, 1),
      load_avg: [round(this.cpu / 25, 2), round(this.cpu / 28, 2), round(this.cpu / 30, 2)],
      memory_percent: round(this.memory, 1),
      memory_used_mb: Math.round((this.memory / 100) * 3906),
      memory_total_mb: 3906,
      disk_percent: round(this.disk, 2),
      disk_free_gb: round(((100 - this.disk) / 100) * 29.7, 2),
      log_sizes: { 'bridge.log': this.logBytes, 'mqtt.log': Math.round(this.logBytes / 7) },
      error_counts: { ble: this.errors, mqtt: 0 },
      uptime_s: Math.round(uptimeS),
      timestamp,
    };
  }
}

/** `detection/impacts`: what the bridge's per-sensor detector reports for a burst. */
export function impactPayload(
  burst: BurstPlan,
  t0ReceivedMs: number,
  iso: (ms: number) => string,
): Record<string, unknown> {
  const onset = Math.round(burst.onsetMs);
  return {
    event_type: 'HIT',
    sensor_id: burst.sensorId,
    plate_id: burst.plateId,
    peak_amplitude: burst.peak,
    rms_amplitude: burst.rms,
    duration_ms: burst.durationMs,
    duration_samples: burst.durationSamples,
    t_rel_ms: Math.round(burst.onsetMs - t0ReceivedMs),
    timestamp: iso(onset),
    timestamp_ns: `${onset}000000`,
  };
}
