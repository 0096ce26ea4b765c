/**
 * The normalized event model every family is mapped into. Names on the wire (HTTP, /live, IPC)
 * follow product.md: ISO-8601 UTC timestamps, integer milliseconds, `temperature_c`, mm/s.
 */
export const EVENT_KINDS = [
  'timer.start',
  'timer.shot',
  'timer.stop',
  'timer.status',
  'sensor.sample',
  'sensor.status',
  'impact',
  'shot.detected',
  'run.event',
  'run.status',
  'bridge.status',
  'system.health',
  'game.session',
  'game.event',
  'task.result',
  'device.status',
  'device.hello',
  'alert',
  'gateway.reading',
  'actuator.state',
  'command.ack',
  'lap',
  'pit',
  'flag',
  'karting.session',
  'karting.entry',
] as const;

export type EventKind = (typeof EVENT_KINDS)[number];

export function isEventKind(value: string): value is EventKind {
  return (EVENT_KINDS as readonly string[]).includes(value);
}

export interface TimerEventData {
  event_type: 'START' | 'SHOT' | 'STOP';
  string_number?: number;
  shot_number?: number;
  total_shots?: number;
  /** Time since the beep, integer ms. */
  time_ms?: number;
  split_ms?: number;
  first_shot_ms?: number;
  last_shot_ms?: number;
  raw_hex?: string;
  source?: string;
}

export interface SensorSampleData {
  sensor_id: string;
  seq?: number;
  x: number;
  y: number;
  z: number;
  battery?: number;
  temperature_c?: number;
}

export interface ImpactData {
  sensor_id: string;
  plate_id?: string;
  peak_amplitude?: number;
  rms_amplitude?: number;
  duration_ms?: number;
  t_rel_ms?: number;
  timestamp_ns?: string;
  source: 'bridge' | 'console';
}

export interface StatusData {
  /** The payload's status object, flattened from the nested or flat shape. */
  [key: string]: unknown;
}

export interface MarshalEvent<D = Record<string, unknown>> {
  id: number;
  kind: EventKind;
  /** The device family whose tree it came from (`console` for the console's own events). */
  family: string;
  device_id: string;
  /** When the device says it happened (ISO-8601 UTC). */
  ts: string;
  /** When the console received it (ISO-8601 UTC). */
  received_at: string;
  topic: string;
  data: D;
}

/** An event before the store gave it an id. */
export type NewEvent<D = Record<string, unknown>> = Omit<MarshalEvent<D>, 'id'>;

/** A compact telemetry sample for charts: [t_ms_epoch, x, y, z]. */
export type SampleTuple = [number, number, number, number];

/**
 * What a sample carries besides its three axes: a BT50 record's temperature (°C), angles (°),
 * vibration displacement (µm) and frequency (Hz); a plain sample may carry a temperature only.
 */
export interface SampleExtra {
  temp_c?: number;
  angle_x?: number;
  angle_y?: number;
  angle_z?: number;
  disp_x?: number;
  disp_y?: number;
  disp_z?: number;
  freq_x?: number;
  freq_y?: number;
  freq_z?: number;
}

export const SAMPLE_EXTRA_FIELDS = [
  'temp_c',
  'angle_x',
  'angle_y',
  'angle_z',
  'disp_x',
  'disp_y',
  'disp_z',
  'freq_x',
  'freq_y',
  'freq_z',
] as const satisfies readonly (keyof SampleExtra)[];
