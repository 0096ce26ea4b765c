/**
 * Range bridges (LeadVille-style), domain.md §1: every payload shape seen in the field, mapped to
 * the normalized event model. The tree is accepted with the configured prefix or without one.
 */
import { z } from 'zod';
import { decodeAmgFrame, hexToBytes } from '../decoders/amg';
import { decodeBt50Notification, type Bt50Record } from '../decoders/bt50';
import type { SampleExtra } from '../events/model';
import { isValidDeviceId } from '../ids';
import { parseWireTime } from '../events/time';
import { flatten, fractionalKeys, parseJsonObjectText, validate } from './payload';
import { RejectError, type ParseResult, type ParsedEvent, type ParsedSample } from './result';

const RANGE_ROOTS = new Set(['bridge', 'system', 'timer', 'sensor', 'detection', 'run', 'device']);
const MAX_BATCH_SAMPLES = 4096;

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const optNum = finite.optional().nullable();
const timeField = z
  .union([z.string().max(64), finite])
  .optional()
  .nullable();
const shortText = z.string().max(256);

/** Splits a topic into the range tree's levels, or null when it is not in the tree. */
export function rangeLevels(topic: string, prefix: string): string[] | null {
  const levels = topic.split('/');
  if (prefix && levels[0] === prefix) return levels.slice(1);
  if (levels[0] !== undefined && RANGE_ROOTS.has(levels[0])) return levels;
  return null;
}

function wireTime(obj: Record<string, unknown>, receivedAt: number, ...keys: string[]): number {
  for (const key of keys) {
    const v = obj[key];
    if (v === undefined || v === null) continue;
    const ms = parseWireTime(v);
    if (ms === null)
      throw new RejectError('schema', `${key}: not a timestamp: ${JSON.stringify(v).slice(0, 64)}`);
    return ms;
  }
  return receivedAt;
}

function deviceIdFrom(obj: Record<string, unknown>, fallback: string, ...keys: string[]): string {
  for (const key of keys) {
    const v = obj[key];
    if (v === undefined || v === null) continue;
    if (!isValidDeviceId(v))
      throw new RejectError('invalid_id', `${key} is not a valid id (allowed: [A-Za-z0-9._:-]{1,64})`);
    return v;
  }
  return fallback;
}

function idFromTopic(level: string | undefined, what: string): string {
  if (!isValidDeviceId(level))
    throw new RejectError(
      'invalid_id',
      `${what} in topic is not a valid id (allowed: [A-Za-z0-9._:-]{1,64})`,
    );
  return level;
}

/**
 * Durations arrive as seconds (floats), centiseconds (integers), or with an explicit unit suffix.
 * Returns integer milliseconds. Suffixes win; a bare integer is centiseconds, as timers count.
 */
export function durationMs(
  obj: Record<string, unknown>,
  names: string[],
  fractional: ReadonlySet<string> = new Set(),
): number | undefined {
  for (const name of names) {
    // A time that is there but not a number ("NaN", "Infinity", 1e999, text) is a broken
    // reading: stored without it, a shot would look valid and carry no time.
    for (const key of [`${name}_ms`, `${name}_cs`, `${name}_s`, `${name}_seconds`, name]) {
      const v = obj[key];
      if (v !== undefined && v !== null && !(typeof v === 'number' && Number.isFinite(v)))
        throw new RejectError(
          'schema',
          `${key}: expected a finite number, got ${JSON.stringify(v ?? null).slice(0, 64)}`,
        );
    }
    const ms = obj[`${name}_ms`];
    if (typeof ms === 'number' && Number.isFinite(ms)) return Math.round(ms);
    const cs = obj[`${name}_cs`];
    if (typeof cs === 'number' && Number.isFinite(cs)) return Math.round(cs) * 10;
    const s = obj[`${name}_s`] ?? obj[`${name}_seconds`];
    if (typeof s === 'number' && Number.isFinite(s)) return Math.round(s * 1000);
    const bare = obj[name];
    if (typeof bare === 'number' && Number.isFinite(bare)) {
      // `2.0` parses to 2: the text's lexical form says seconds.
      return Number.isInteger(bare) && !fractional.has(name) ? bare * 10 : Math.round(bare * 1000);
    }
  }
  return undefined;
}

const timerEventSchema = z.object({
  event_type: z
    .string()
    .max(32)
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(['START', 'T0', 'SHOT', 'STOP'])),
  string_number: z.number().int().min(0).max(65535).optional().nullable(),
  shot_number: z.number().int().min(0).max(65535).optional().nullable(),
  total_shots: z.number().int().min(0).max(65535).optional().nullable(),
  raw_hex: z.string().max(512).optional().nullable(),
  source: shortText.optional().nullable(),
  timestamp: timeField,
});

function timerEvent(
  raw: Record<string, unknown>,
  receivedAt: number,
  fractional: ReadonlySet<string>,
): ParsedEvent {
  const obj = flatten(raw, 'data');
  const p = validate(timerEventSchema, obj, 'timer event');
  const ts = wireTime(obj, receivedAt, 'timestamp', 'ts');
  const device_id = deviceIdFrom(obj, 'timer', 'timer_id', 'device_id');
  let type: 'START' | 'SHOT' | 'STOP' = p.event_type === 'T0' ? 'START' : p.event_type;
  // With the timer's own frame the bridge's times are never used, broken or not.
  const duration = (names: string[]) => (p.raw_hex ? undefined : durationMs(obj, names, fractional));
  const data: Record<string, unknown> = {
    event_type: type,
    string_number: p.string_number ?? undefined,
    shot_number: p.shot_number ?? undefined,
    total_shots: p.total_shots ?? undefined,
    time_ms: duration(['time', 'shot_time', 'time_since_start', 'elapsed']),
    split_ms: duration(['split', 'split_time']),
    first_shot_ms: duration(['first_shot', 'first_shot_time', 'first']),
    source: p.source ?? undefined,
  };
  if (p.raw_hex) {
    // The timer's own frame is the truth: its fields override the bridge's JSON.
    let bytes: Uint8Array;
    try {
      bytes = hexToBytes(p.raw_hex);
    } catch (err) {
      throw new RejectError('bad_frame', `raw_hex: ${(err as Error).message}`);
    }
    const frame = decodeAmgFrame(bytes);
    if (!frame) throw new RejectError('bad_frame', 'raw_hex is not a 14-byte AMG event frame');
    type = frame.kind === 'start' ? 'START' : frame.kind === 'shot' ? 'SHOT' : 'STOP';
    data.event_type = type;
    data.raw_hex = p.raw_hex.replace(/[^0-9a-fA-F]/g, '').toLowerCase();
    data.string_number = frame.stringNumber;
    if (frame.kind === 'start') {
      data.shot_number = 0;
      data.previous_total_shots = frame.previousTotalShots;
      data.total_shots = undefined;
      data.time_ms = undefined;
      data.split_ms = undefined;
      data.first_shot_ms = undefined;
    } else {
      data.shot_number = frame.shotNumber;
      data.total_shots = frame.totalShots;
      data.time_ms = frame.timeMs;
      data.split_ms = frame.splitMs;
      data.first_shot_ms = frame.firstMs;
    }
  }
  for (const k of Object.keys(data)) if (data[k] === undefined) delete data[k];
  const kind = type === 'START' ? 'timer.start' : type === 'SHOT' ? 'timer.shot' : 'timer.stop';
  return { kind, device_id, ts, data };
}

const sampleSchema = z.object({
  seq: z.number().int().optional().nullable(),
  x: finite,
  y: finite,
  z: finite,
  battery: optNum,
  temperature: optNum,
  temperature_c: optNum,
});
const batchSchema = z.object({
  seq: z.number().int().optional().nullable(),
  rate_hz: z.number().positive().max(10_000),
  samples: z
    .array(z.tuple([finite, finite, finite]))
    .min(1)
    .max(MAX_BATCH_SAMPLES),
  battery: optNum,
  temperature: optNum,
  temperature_c: optNum,
});
const rawSchema = z.object({
  seq: z.number().int().optional().nullable(),
  raw_hex: z
    .string()
    .min(2)
    .max(MAX_BATCH_SAMPLES * 64),
  rate_hz: z.number().positive().max(10_000).optional().nullable(),
});

/** Spaces samples by the sample period so that the newest one lands on `end`. */
function spaced(
  sensor_id: string,
  rows: [number, number, number][],
  end: number,
  periodMs: number,
  seq: number | null,
): ParsedSample[] {
  const n = rows.length;
  return rows.map(([x, y, z], i) => ({
    sensor_id,
    ts: Math.round(end - (n - 1 - i) * periodMs),
    seq: seq === null ? null : seq + i,
    x,
    y,
    z,
  }));
}

function bt50Extra(r: Bt50Record): SampleExtra {
  return {
    temp_c: r.temperatureC,
    angle_x: r.angleX,
    angle_y: r.angleY,
    angle_z: r.angleZ,
    disp_x: r.dx,
    disp_y: r.dy,
    disp_z: r.dz,
    freq_x: r.fx,
    freq_y: r.fy,
    freq_z: r.fz,
  };
}

/** Battery and temperature carried inside telemetry, for the device registry. */
function health(p: { battery?: number | null; temperature?: number | null; temperature_c?: number | null }): {
  status: Record<string, unknown> | null;
  temp: number | null;
} {
  const status: Record<string, unknown> = {};
  if (p.battery !== undefined && p.battery !== null) status.battery = p.battery;
  const temp = p.temperature_c ?? p.temperature ?? null;
  if (temp !== null) status.temperature_c = temp;
  return { status: Object.keys(status).length ? status : null, temp };
}

function telemetry(
  sensor_id: string,
  obj: Record<string, unknown>,
  receivedAt: number,
  defaultRateHz: number,
): {
  samples: ParsedSample[];
  status: Record<string, unknown> | null;
} {
  if (typeof obj.raw_hex === 'string') {
    const p = validate(rawSchema, obj, 'telemetry');
    let records;
    try {
      records = decodeBt50Notification(hexToBytes(p.raw_hex));
    } catch (err) {
      throw new RejectError('bad_frame', `raw_hex: ${(err as Error).message}`);
    }
    if (records.length === 0)
      throw new RejectError('bad_frame', 'raw_hex holds no complete BT50 record (55 61 …)');
    const end = wireTime(obj, receivedAt, 'ts', 'timestamp');
    const rate = p.rate_hz ?? defaultRateHz;
    const samples = spaced(
      sensor_id,
      records.map((r) => [r.vx, r.vy, r.vz]),
      end,
      1000 / rate,
      p.seq ?? null,
    );
    for (let i = 0; i < samples.length; i++) samples[i]!.extra = bt50Extra(records[i]!);
    const last = records[records.length - 1]!;
    return { samples, status: { temperature_c: last.temperatureC } };
  }
  if (Array.isArray(obj.samples)) {
    const p = validate(batchSchema, obj, 'telemetry batch');
    const period = 1000 / p.rate_hz;
    const seq = p.seq ?? null;
    // One reading for the whole batch: the sensor's health, not a field of each sample.
    const status = health(p).status;
    if (obj.t0 !== undefined && obj.t0 !== null) {
      // t0 stamps the first sample of the batch.
      const start = wireTime(obj, receivedAt, 't0');
      return {
        samples: spaced(sensor_id, p.samples, start + (p.samples.length - 1) * period, period, seq),
        status,
      };
    }
    const end = wireTime(obj, receivedAt, 'ts', 'timestamp');
    return { samples: spaced(sensor_id, p.samples, end, period, seq), status };
  }
  if (obj.telemetry !== undefined) return nestedTelemetry(sensor_id, obj, receivedAt);
  const p = validate(sampleSchema, obj, 'telemetry sample');
  const ts = wireTime(obj, receivedAt, 'ts', 'timestamp');
  const { status, temp } = health(p);
  const sample: ParsedSample = { sensor_id, ts, seq: p.seq ?? null, x: p.x, y: p.y, z: p.z };
  if (temp !== null) sample.extra = { temp_c: temp };
  return {
    samples: [sample],
    status,
  };
}

const nestedTelemetrySchema = z.object({
  telemetry: z.object({
    acceleration: z.object({ x: finite, y: finite, z: finite }).optional().nullable(),
    battery: optNum,
    temperature: optNum,
    temperature_c: optNum,
    timestamp_ns: z
      .union([z.string().max(32), finite])
      .optional()
      .nullable(),
  }),
  timestamp: timeField,
});

/**
 * The message-bus envelope: `{sensor_id, telemetry: {acceleration: {x,y,z}, battery, temperature,
 * timestamp_ns}, timestamp}`. timestamp_ns is the bridge's monotonic clock (time since boot), so the
 * envelope's wall time stamps the sample.
 */
function nestedTelemetry(
  sensor_id: string,
  obj: Record<string, unknown>,
  receivedAt: number,
): { samples: ParsedSample[]; status: Record<string, unknown> | null } {
  const p = validate(nestedTelemetrySchema, obj, 'telemetry');
  const ts = wireTime(obj, receivedAt, 'timestamp', 'ts');
  const t = p.telemetry;
  const { status, temp } = health(t);
  const out: Record<string, unknown> = { ...(status ?? {}) };
  if (t.timestamp_ns !== undefined && t.timestamp_ns !== null) out.timestamp_ns = String(t.timestamp_ns);
  if (!t.acceleration) {
    if (!Object.keys(out).length)
      throw new RejectError('schema', 'telemetry: no acceleration and no reading');
    return { samples: [], status: out };
  }
  const a = t.acceleration;
  const sample: ParsedSample = { sensor_id, ts, seq: null, x: a.x, y: a.y, z: a.z };
  if (temp !== null) sample.extra = { temp_c: temp };
  return { samples: [sample], status: Object.keys(out).length ? out : null };
}

const magnitudeSchema = z.object({
  magnitude: optNum,
  raw_value: optNum,
  battery: optNum,
  rssi: optNum,
});

/**
 * The unprefixed tree's telemetry is one scalar per message (`magnitude`, `raw_value`) with no axes:
 * not a sample the detectors can use, so it is kept as a status event: the sensor's latest reading.
 */
function magnitudeReading(obj: Record<string, unknown>): Record<string, unknown> {
  const p = validate(magnitudeSchema, obj, 'telemetry reading');
  const out: Record<string, unknown> = { timestamp: obj.timestamp };
  for (const k of ['magnitude', 'raw_value', 'battery', 'rssi'] as const) {
    const v = p[k];
    if (v !== undefined && v !== null) out[k] = v;
  }
  return out;
}

const impactSchema = z.object({
  event_type: z
    .string()
    .max(32)
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(['HIT', 'IMPACT'])),
  sensor_id: z.string(),
  plate_id: z.union([shortText, z.number()]).optional().nullable(),
  peak_amplitude: optNum,
  rms_amplitude: optNum,
  duration_ms: optNum,
  t_rel_ms: optNum,
  timestamp_ns: z
    .union([z.string().max(32), z.number()])
    .optional()
    .nullable(),
  timestamp: timeField,
});

function impact(raw: Record<string, unknown>, receivedAt: number): ParsedEvent {
  const obj = flatten(raw, 'data');
  const p = validate(impactSchema, obj, 'impact');
  const sensor_id = deviceIdFrom(obj, '', 'sensor_id');
  let ts = wireTime(obj, receivedAt, 'timestamp', 'ts');
  if (
    (obj.timestamp === undefined || obj.timestamp === null) &&
    p.timestamp_ns !== undefined &&
    p.timestamp_ns !== null
  ) {
    const ns = Number(p.timestamp_ns);
    const fromNs = Number.isFinite(ns) && ns > 1e15 ? parseWireTime(Math.round(ns / 1e6)) : null;
    if (fromNs === null)
      throw new RejectError('schema', 'timestamp_ns: not a time in nanoseconds since 1970');
    ts = fromNs;
  }
  const data: Record<string, unknown> = { sensor_id, source: 'bridge' };
  if (p.plate_id !== undefined && p.plate_id !== null) data.plate_id = String(p.plate_id);
  for (const k of ['peak_amplitude', 'rms_amplitude', 'duration_ms', 't_rel_ms'] as const) {
    const v = p[k];
    if (v !== undefined && v !== null) data[k] = k === 'duration_ms' || k === 't_rel_ms' ? Math.round(v) : v;
  }
  if (p.timestamp_ns !== undefined && p.timestamp_ns !== null) data.timestamp_ns = String(p.timestamp_ns);
  // The bridge scales BT50 words as if they were ±16 g accelerations (raw / 2048); they are not
  // mm/s, so the figures keep their own unit.
  if (data.peak_amplitude !== undefined || data.rms_amplitude !== undefined) data.amplitude_unit = 'raw/2048';
  // Relative to the bridge's last T0, which is the last shot as often as the beep.
  if (data.t_rel_ms !== undefined) data.t_rel_basis = 'last_t0';
  return { kind: 'impact', device_id: sensor_id, ts, data };
}

const t0Schema = z.object({
  source: shortText.optional().nullable(),
  // Kept only when it is a number JSON can hold; a T0 is never refused over it.
  timestamp_ns: z.unknown(),
  timestamp: timeField,
});

/**
 * A T0 on `detection/shots` says only "a timer frame arrived": the bridge sends one for the beep and
 * one for every shot, with no shot number or time. It is a start marked `t0`, and the string machine
 * reads one inside an open string as a shot.
 */
function t0Marker(raw: Record<string, unknown>, receivedAt: number): ParsedEvent {
  const inner = raw.data;
  const obj =
    inner && typeof inner === 'object' && !Array.isArray(inner) ? (inner as Record<string, unknown>) : {};
  const p = validate(t0Schema, { ...obj, timestamp: raw.timestamp ?? obj.timestamp }, 't0');
  const data: Record<string, unknown> = { event_type: 'START', t0: true };
  if (p.source) data.source = p.source;
  const ns = p.timestamp_ns;
  if ((typeof ns === 'number' && Number.isFinite(ns)) || (typeof ns === 'string' && ns.length <= 32))
    data.timestamp_ns = String(ns);
  if (typeof obj.event_type === 'string') data.frame = obj.event_type.slice(0, 32);
  const device_id = deviceIdFrom(obj, 'timer', 'timer_id', 'device_id');
  return { kind: 'timer.start', device_id, ts: wireTime(raw, receivedAt, 'timestamp', 'ts'), data };
}

const looseObject = z.record(z.string(), z.unknown());
const runEventSchema = z.object({ event_type: z.string().min(1).max(64) });

/**
 * Free-form fields are kept as sent, except numbers JSON cannot hold: an overflowing literal
 * (`1e999`) parses to ±Infinity, which would reach the device registry as a battery level and be
 * stored as null.
 */
function finiteFields(obj: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (typeof v !== 'number' || Number.isFinite(v)) data[k] = v;
  return data;
}

/** Statuses keep their fields (flattened) plus normalized names the views rely on. */
function statusData(raw: Record<string, unknown>): Record<string, unknown> {
  const obj = flatten(raw, 'status');
  validate(looseObject, obj, 'status');
  const data = finiteFields(obj);
  const state = obj.connection ?? obj.state ?? obj.connection_state ?? obj.status;
  if (typeof state === 'string') data.state = state.slice(0, 64);
  else if (typeof obj.connected === 'boolean') data.state = obj.connected ? 'connected' : 'disconnected';
  const temp = obj.temperature_c ?? obj.temperature;
  if (typeof temp === 'number' && Number.isFinite(temp)) data.temperature_c = temp;
  const rssi = obj.rssi ?? obj.signal_strength ?? obj.rssi_dbm;
  if (typeof rssi === 'number' && Number.isFinite(rssi)) data.rssi = rssi;
  const battery = obj.battery ?? obj.battery_level ?? obj.battery_pct;
  if (typeof battery === 'number' && Number.isFinite(battery)) data.battery = battery;
  const cal = obj.calibration;
  if (cal && typeof cal === 'object' && !Array.isArray(cal)) {
    const c = cal as Record<string, unknown>;
    if (typeof c.calibrated === 'boolean') data.calibrated = c.calibrated;
    else if (c.baseline !== undefined) data.calibrated = true;
  } else if (typeof obj.calibrated === 'boolean') data.calibrated = obj.calibrated;
  return data;
}

/**
 * Command acknowledgements, a Marshal extension (range bridges have no ack topic in the field):
 * `timer/command/ack` and `sensor/{id}/command/ack` carrying `{command_id, ok, error}` (or the
 * gateways' `{success, message}` spelling). A bridge that never sends one leaves its commands
 * `sent` until they time out.
 */
function isCommandAck(levels: string[]): boolean {
  const [root, a, b, c] = levels;
  return (
    (root === 'timer' && a === 'command' && b === 'ack' && levels.length === 3) ||
    (root === 'sensor' && b === 'command' && c === 'ack' && levels.length === 4)
  );
}

const commandAckSchema = z.object({
  command_id: z.string().max(64),
  ok: z.boolean().optional().nullable(),
  success: z.boolean().optional().nullable(),
  error: z.string().max(1024).optional().nullable(),
  message: z.string().max(1024).optional().nullable(),
});

function commandAck(levels: string[], obj: Record<string, unknown>, receivedAt: number): ParsedEvent {
  const p = validate(commandAckSchema, obj, 'command ack');
  if (!isValidDeviceId(p.command_id))
    throw new RejectError('invalid_id', 'command_id is not a valid id (allowed: [A-Za-z0-9._:-]{1,64})');
  const ok = p.ok ?? p.success;
  if (typeof ok !== 'boolean') throw new RejectError('schema', 'command ack: ok: expected a boolean');
  const device_id =
    levels[0] === 'sensor'
      ? idFromTopic(levels[1], 'sensor id')
      : deviceIdFrom(obj, 'timer', 'timer_id', 'device_id');
  const error = ok ? null : (p.error ?? p.message ?? null);
  return {
    kind: 'command.ack',
    device_id,
    ts: wireTime(obj, receivedAt, 'timestamp', 'ts'),
    data: { command_id: p.command_id, ok, error },
  };
}

export function parseRange(
  levels: string[],
  payload: Uint8Array,
  receivedAt: number,
  opts: { defaultRateHz?: number } = {},
): ParseResult {
  const family = 'range';
  const [root, a, b] = levels;
  try {
    const known =
      (root === 'bridge' && a === 'status' && levels.length === 2) ||
      (root === 'system' && a === 'health' && levels.length === 2) ||
      (root === 'timer' && (a === 'events' || a === 'status') && levels.length === 2) ||
      (root === 'sensor' && (b === 'telemetry' || b === 'status') && levels.length === 3) ||
      (root === 'sensor' && a === 'status' && levels.length === 2) ||
      (root === 'mqtt' && a === 'status' && levels.length === 2) ||
      (root === 'device' && b === 'status' && levels.length === 3) ||
      (root === 'detection' && (a === 'impacts' || a === 'shots') && levels.length === 2) ||
      (root === 'run' && (b === 'events' || b === 'status') && levels.length === 3) ||
      isCommandAck(levels);
    // Commands are the console's own output; other levels are not part of the tree.
    if (!known) return { outcome: 'unhandled' };

    const { value: obj, text } = parseJsonObjectText(payload);
    const ev = (
      kind: ParsedEvent['kind'],
      device_id: string,
      data: Record<string, unknown>,
    ): ParseResult => ({
      outcome: 'events',
      family,
      events: [{ kind, device_id, ts: wireTime(data, receivedAt, 'timestamp', 'ts'), data }],
      samples: [],
    });

    if (isCommandAck(levels)) {
      return { outcome: 'events', family, events: [commandAck(levels, obj, receivedAt)], samples: [] };
    }
    if (root === 'timer' && a === 'events') {
      return {
        outcome: 'events',
        family,
        events: [timerEvent(obj, receivedAt, fractionalKeys(text))],
        samples: [],
      };
    }
    if (root === 'timer') {
      const data = statusData(obj);
      return ev('timer.status', deviceIdFrom(data, 'timer', 'timer_id', 'device_id'), data);
    }
    if (root === 'bridge') {
      const data = statusData(obj);
      return ev('bridge.status', deviceIdFrom(data, 'bridge', 'bridge_id'), data);
    }
    if (root === 'system') {
      const data = statusData(obj);
      return ev('system.health', deviceIdFrom(data, 'bridge', 'bridge_id'), data);
    }
    if (root === 'mqtt') {
      // The bridge's MQTT client announcing itself (retained): its link, not the bridge's health.
      const data = { ...statusData(obj), component: 'mqtt' };
      return ev('system.health', 'bridge', data);
    }
    if (root === 'device') {
      const deviceId = idFromTopic(a, 'device id');
      return ev('sensor.status', deviceId, { ...statusData(obj), sensor_id: deviceId });
    }
    if (root === 'sensor' && levels.length === 2) {
      // One retained slot for every sensor: the id is inside the status.
      const data = statusData(obj);
      if (data.sensor_id === undefined || data.sensor_id === null)
        throw new RejectError('schema', 'sensor status: status.sensor_id is missing');
      const sensorId = deviceIdFrom(data, '', 'sensor_id');
      return ev('sensor.status', sensorId, { ...data, sensor_id: sensorId });
    }
    if (root === 'sensor') {
      const sensorId = idFromTopic(a, 'sensor id');
      if (b === 'status') return ev('sensor.status', sensorId, { ...statusData(obj), sensor_id: sensorId });
      if (obj.x === undefined && (obj.magnitude !== undefined || obj.raw_value !== undefined))
        return ev('sensor.status', sensorId, { ...magnitudeReading(obj), sensor_id: sensorId });
      const { samples, status } = telemetry(sensorId, obj, receivedAt, opts.defaultRateHz ?? 50);
      return {
        outcome: 'events',
        family,
        events: [],
        samples,
        ...(status ? { statuses: [{ device_id: sensorId, data: { sensor_id: sensorId, ...status } }] } : {}),
      };
    }
    if (root === 'detection' && a === 'impacts') {
      return { outcome: 'events', family, events: [impact(obj, receivedAt)], samples: [] };
    }
    if (root === 'detection' && typeof obj.event_type === 'string' && obj.event_type.toUpperCase() === 'T0') {
      return { outcome: 'events', family, events: [t0Marker(obj, receivedAt)], samples: [] };
    }
    if (root === 'detection') {
      const data = finiteFields(flatten(obj, 'data'));
      return ev('shot.detected', deviceIdFrom(data, 'bridge', 'sensor_id', 'device_id'), data);
    }
    // run/{run_id}/events|status
    // The console's own run messages come back through an external broker: it already has them.
    if (obj.source === 'marshal') return { outcome: 'unhandled' };
    const runId = idFromTopic(a, 'run id');
    if (b === 'events') {
      const data = finiteFields(flatten(obj, 'data'));
      const p = validate(runEventSchema, data, 'run event');
      return ev('run.event', runId, { ...data, event_type: p.event_type.toUpperCase(), run_id: runId });
    }
    return ev('run.status', runId, { ...statusData(obj), run_id: runId });
  } catch (err) {
    if (err instanceof RejectError) return { outcome: 'reject', family, code: err.code, reason: err.message };
    throw err;
  }
}
