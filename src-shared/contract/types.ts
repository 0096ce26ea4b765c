import type { EventKind, MarshalEvent, SampleExtra, SampleTuple } from '../events/model';

export type ComponentState = 'up' | 'down' | 'starting' | 'degraded';

export interface HealthComponent {
  state: ComponentState;
  [detail: string]: unknown;
}

export interface HealthSnapshot {
  /** False only when the console cannot ingest: the broker or the store is down. */
  ok: boolean;
  /** `down` when the broker or the store is down, `degraded` when any component is not up. */
  status: 'ok' | 'degraded' | 'down';
  server_time: string;
  started_at: string;
  /**
   * Every component by name: the spine's (broker, store) and those the capabilities contribute
   * (bridges, feeds, sync…), the same objects as the top-level fields of the same name.
   */
  components: Record<string, HealthComponent>;
  broker: {
    state: ComponentState;
    mode: 'embedded' | 'external';
    urls: string[];
    clients: number;
    lan: boolean;
    error?: string;
    /** What the broker's guards did since the start (slow subscribers dropped, CONNECTs throttled…). */
    guards?: Record<string, number>;
  };
  store: { state: ComponentState; path: string; size_bytes: number; error?: string };
  ingest: IngestStats;
  bridges?: { state: ComponentState; count: number };
  sync?: {
    state: ComponentState;
    pending: number;
    last_sync: string | null;
    dead_letters?: number;
    error?: string;
  };
  /** Karting timing feeds: a running feed that is not connected makes it degraded, never down. */
  feeds?: { state: ComponentState; running: number; connected: number };
}

export interface IngestStats {
  messages_in: number;
  events_stored: number;
  samples_stored: number;
  duplicates: number;
  rejects: number;
  unhandled: number;
  rejects_by_reason: Record<string, number>;
  /** Messages per second over the last few seconds. */
  rate_per_s: number;
  /** Telemetry sequence gaps since the start: how many, messages missing, the latest ones. */
  seq_gaps?: {
    gaps: number;
    missing: number;
    recent: { sensor_id: string; topic: string; after: number; got: number; missing: number; at: string }[];
  };
}

export interface Stats {
  messages_in: number;
  events_stored: number;
  rejects: number;
  clients_connected: number;
  devices_online: number;
  sessions: number;
  runs: number;
  duplicates: number;
  unhandled: number;
  sensors_online: number;
  /** Telemetry messages missing by their sequence numbers, since the start. */
  seq_missing?: number;
}

export interface EventQuery {
  kind?: EventKind;
  device_id?: string;
  since?: string;
  before?: string;
  limit?: number;
}

export interface EventPage {
  events: MarshalEvent[];
  next: string | null;
}

export interface RejectRow {
  id: number;
  topic: string;
  received_at: string;
  reason: string;
  payload_preview: string;
}

export interface RejectPage {
  rejects: RejectRow[];
  total: number;
}

export interface DeviceRow {
  device_id: string;
  family: string;
  name: string | null;
  online: boolean;
  last_seen: string | null;
  battery: number | null;
  rssi: number | null;
  firmware: string | null;
  role: string | null;
  /** The structural role the registry derived (timer, sensor, bridge, booth, zone), whatever the operator calls it. */
  kind?: string | null;
  client_id?: string | null;
  status?: Record<string, unknown>;
}

export interface SensorRow {
  sensor_id: string;
  online: boolean;
  battery: number | null;
  rssi: number | null;
  temperature_c: number | null;
  /** Measured from samples received per second, not the configured rate. */
  rate_hz: number | null;
  last_seen: string | null;
  calibrated: boolean | null;
  state?: string | null;
}

export interface ClientRow {
  client_id: string;
  address: string | null;
  username: string | null;
  connected_at: string;
}

/** One raw MQTT message as the Monitor shows it. */
export interface MonitorMessage {
  topic: string;
  received_at: string;
  /** UTF-8 text, capped; binary payloads are shown as hex. */
  preview: string;
  bytes: number;
  retained: boolean;
  qos: number;
  outcome: 'event' | 'reject' | 'duplicate' | 'unhandled';
  reason?: string;
}

export interface MonitorBatch {
  messages: MonitorMessage[];
  /** Messages not included in this batch because the stream ran faster than the UI needs. */
  skipped: number;
}

export interface SampleBatch {
  /** sensor id → samples in time order. */
  sensors: Record<string, SampleTuple[]>;
  /**
   * Only when asked for (`telemetry.recent` with `extra: true`): sensor id → per sample, in the
   * same order, what else its record held (a BT50 record's temperature, angles, displacement,
   * frequency), or null.
   */
  extra?: Record<string, (SampleExtra | null)[]>;
}

/**
 * What every transport carries back for one command: the result, or the failure's HTTP-style
 * status and a readable reason (never a stack).
 */
export type CallResult<T = unknown> = { ok: true; res: T } | { ok: false; status: number; error: string };
