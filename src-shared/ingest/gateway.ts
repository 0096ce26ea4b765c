/**
 * Field gateways (M.A.S.H.-style), domain.md §8: MQTT tree `devices/{device_id}/...`.
 * In: sensor_data, status (retained), alerts, commands/ack. Out: commands (never parsed here).
 * Also the console's own alerts: thresholds on readings, raised once until they clear.
 */
import { z } from 'zod';
import { isValidDeviceId } from '../ids';
import { parseWireTime } from '../events/time';
import { parseJsonObject, validate } from './payload';
import { RejectError, type ParseResult, type ParsedEvent } from './result';

export const GATEWAY_FAMILY = 'gateway';
/**
 * Proposed kind for one sensor reading (one zone, one metric): not yet in EVENT_KINDS, hence
 * the cast; the value is right at run time.
 */
export const GATEWAY_READING_KIND = 'gateway.reading' as ParsedEvent['kind'];

export const SEVERITIES = ['INFO', 'WARNING', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

const ID_RULE = '[A-Za-z0-9._:-]{1,64}';
const TOKEN_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
/** Readings in one sensor_data message: more is not a gateway, it is a flood. */
export const MAX_READINGS_PER_MESSAGE = 256;
/** Zone of readings sent flat (`{"temp": 24.5, "timestamp": …}`) rather than per zone. */
export const DEFAULT_ZONE = 'default';
const NOT_READINGS = new Set(['timestamp', 'ts', 'device_id', 'seq']);
const MAX_NAME = 64;
const MAX_STATUS_EXTRAS = 32;

/** Units of the metrics gateways are known to send; others carry none. */
const UNITS: Record<string, string> = {
  temp: '°C',
  temperature: '°C',
  temperature_c: '°C',
  humidity: '%',
  rh: '%',
  co2: 'ppm',
  lux: 'lx',
  light: 'lx',
  ph: 'pH',
};

export function metricUnit(metric: string): string | undefined {
  return UNITS[metric.toLowerCase()];
}

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const severity = z
  .string()
  .max(16)
  .transform((s) => s.toUpperCase())
  .pipe(z.enum(SEVERITIES));

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function idFromTopic(level: string | undefined): string {
  if (!isValidDeviceId(level)) {
    throw new RejectError('invalid_id', `device id in topic is not a valid id (allowed: ${ID_RULE})`);
  }
  return level;
}

function checkPayloadDeviceId(obj: Record<string, unknown>, deviceId: string): void {
  const v = obj.device_id;
  if (v === undefined || v === null) return;
  if (v !== deviceId) throw new RejectError('schema', 'device_id does not match topic');
}

function eventTime(obj: Record<string, unknown>, receivedAt: number): number {
  for (const key of ['timestamp', 'ts']) {
    const v = obj[key];
    if (v === undefined || v === null) continue;
    const ms = parseWireTime(v);
    if (ms === null)
      throw new RejectError('schema', `${key}: not a timestamp: ${JSON.stringify(v).slice(0, 64)}`);
    return ms;
  }
  return receivedAt;
}

function checkName(name: string, what: string): void {
  if (name.length === 0 || name.length > MAX_NAME) {
    throw new RejectError('schema', `sensor_data: ${what} name must be 1 to ${MAX_NAME} characters`);
  }
}

export interface GatewayReading {
  device_id: string;
  /** Epoch ms. */
  ts: number;
  zone: string;
  metric: string;
  value: number;
  unit?: string;
}

/**
 * Every numeric reading in a sensor_data body: `{zone: {metric: number}}` per zone (the gateway's
 * own shape), and top-level numbers of known metrics (zone DEFAULT_ZONE) — any other top-level
 * number (an `id`, a counter) is not a measurement. Non-numeric values (null from a failed
 * sensor, text, "NaN") are skipped; a body with no reading at all is a reject.
 */
export function sensorReadings(deviceId: string, obj: Record<string, unknown>, ts: number): GatewayReading[] {
  const out: GatewayReading[] = [];
  const push = (zone: string, metric: string, value: number) => {
    checkName(metric, 'metric');
    if (out.length >= MAX_READINGS_PER_MESSAGE) {
      throw new RejectError(
        'schema',
        `sensor_data: more than ${MAX_READINGS_PER_MESSAGE} readings in one message`,
      );
    }
    const reading: GatewayReading = { device_id: deviceId, ts, zone, metric, value };
    const unit = metricUnit(metric);
    if (unit) reading.unit = unit;
    out.push(reading);
  };
  for (const [key, v] of Object.entries(obj)) {
    if (NOT_READINGS.has(key)) continue;
    if (isPlainObject(v)) {
      checkName(key, 'zone');
      for (const [metric, x] of Object.entries(v)) if (isFiniteNumber(x)) push(key, metric, x);
    } else if (isFiniteNumber(v) && metricUnit(key) !== undefined) {
      push(DEFAULT_ZONE, key, v);
    }
  }
  if (out.length === 0)
    throw new RejectError('schema', 'sensor_data: no numeric reading (expected {zone: {metric: number}})');
  return out;
}

function hasReading(obj: Record<string, unknown>): boolean {
  return Object.entries(obj).some(
    ([k, v]) =>
      !NOT_READINGS.has(k) &&
      ((isPlainObject(v) && Object.values(v).some(isFiniteNumber)) ||
        (isFiniteNumber(v) && metricUnit(k) !== undefined)),
  );
}

export function readingEvent(r: GatewayReading): ParsedEvent {
  const data: Record<string, unknown> = { zone: r.zone, metric: r.metric, value: r.value };
  if (r.unit) data.unit = r.unit;
  return { kind: GATEWAY_READING_KIND, device_id: r.device_id, ts: r.ts, data };
}

/** The reading a `gateway.reading` event holds, or null when the event is not one. */
export function readingFromEvent(
  ev: Pick<ParsedEvent, 'kind' | 'device_id' | 'ts' | 'data'>,
): GatewayReading | null {
  if (ev.kind !== GATEWAY_READING_KIND) return null;
  const { zone, metric, value, unit } = ev.data;
  if (typeof zone !== 'string' || typeof metric !== 'string' || !isFiniteNumber(value)) return null;
  const r: GatewayReading = { device_id: ev.device_id, ts: ev.ts, zone, metric, value };
  if (typeof unit === 'string') r.unit = unit;
  return r;
}

/** The gateway's rooms and actuators (its relay map): what its commands may name. */
export const GATEWAY_ROOMS = ['fruiting', 'spawning', 'device'] as const;
export const GATEWAY_ACTUATORS = [
  'mist_maker',
  'humidifier_fan',
  'exhaust_fan',
  'intake_fan',
  'led',
  'blower_fan',
] as const;

/**
 * The room the gateway reports an actuator under: every actuator but the exhaust fan exists only in
 * the fruiting room, whatever room the command named.
 */
export function resolvedRoom(room: string, actuator: string): string {
  return actuator === 'exhaust_fan' ? room : 'fruiting';
}

const statusSchema = z.object({
  online: z.boolean(),
  uptime: finite
    .refine((n) => n >= 0, 'expected a non-negative number')
    .optional()
    .nullable(),
});

const reportedStatusSchema = z.object({
  status: z
    .string()
    .max(16)
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(['ONLINE', 'OFFLINE', 'ERROR'])),
});

/**
 * The gateway's own `{status: "ONLINE"|"OFFLINE", timestamp, metadata}`, published retained on
 * connect and on clean shutdown and never cleared (it has no will): a stored ONLINE outlives a crash.
 * So neither sets the online flag; the live session and the gateway's traffic say whether it is
 * there, and the status is kept as what the gateway last reported.
 */
function reportedStatus(deviceId: string, obj: Record<string, unknown>, receivedAt: number): ParsedEvent {
  const p = validate(reportedStatusSchema, obj, 'status');
  const data: Record<string, unknown> = { family: GATEWAY_FAMILY, reported_status: p.status };
  const meta = obj.metadata;
  if (isPlainObject(meta) && Object.keys(meta).length) data.metadata = meta;
  return { kind: 'device.status', device_id: deviceId, ts: eventTime(obj, receivedAt), data };
}

/** `{online, uptime, ...}`: the two known fields plus other scalar fields, kept as they are. */
function status(deviceId: string, obj: Record<string, unknown>, receivedAt: number): ParsedEvent {
  if (obj.online === undefined && typeof obj.status === 'string')
    return reportedStatus(deviceId, obj, receivedAt);
  const p = validate(statusSchema, obj, 'status');
  const data: Record<string, unknown> = {};
  let extras = 0;
  for (const [k, v] of Object.entries(obj)) {
    if (extras >= MAX_STATUS_EXTRAS) break;
    if (k === 'device_id' || k === 'timestamp' || k === 'ts' || k.length > MAX_NAME) continue;
    if (isFiniteNumber(v) || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 256)) {
      data[k] = v;
      extras++;
    }
  }
  data.family = GATEWAY_FAMILY;
  data.online = p.online;
  if (p.uptime !== undefined && p.uptime !== null) data.uptime = p.uptime;
  else delete data.uptime;
  return { kind: 'device.status', device_id: deviceId, ts: eventTime(obj, receivedAt), data };
}

const alertSchema = z.object({
  alert_type: z.string().regex(TOKEN_PATTERN, 'expected an alert type ([A-Za-z0-9._:-]{1,64})'),
  severity,
  message: z.string().max(1024).optional().nullable(),
  zone: z.string().min(1).max(MAX_NAME).optional().nullable(),
  metric: z.string().min(1).max(MAX_NAME).optional().nullable(),
  value: finite.optional().nullable(),
  threshold: finite.optional().nullable(),
});

/**
 * The gateway keys its alerts `type` and names the room only as the message's first word
 * (`FRUITING CO2 HIGH: …`).
 */
function gatewayAlertFields(obj: Record<string, unknown>): Record<string, unknown> {
  if (obj.alert_type !== undefined || typeof obj.type !== 'string') return obj;
  const out: Record<string, unknown> = { ...obj, alert_type: obj.type };
  delete out.type;
  if (out.zone === undefined && typeof obj.message === 'string') {
    const room = /^([A-Za-z]+)\s/.exec(obj.message)?.[1]?.toLowerCase();
    if (room && (GATEWAY_ROOMS as readonly string[]).includes(room)) out.zone = room;
  }
  return out;
}

function deviceAlert(deviceId: string, raw: Record<string, unknown>, receivedAt: number): ParsedEvent {
  const obj = gatewayAlertFields(raw);
  const p = validate(alertSchema, obj, 'alert');
  const data: Record<string, unknown> = {
    source: 'device',
    device_id: deviceId,
    alert_type: p.alert_type,
    severity: p.severity,
  };
  // Fields that do not apply are omitted (§8).
  for (const k of ['message', 'zone', 'metric', 'value', 'threshold'] as const) {
    const v = p[k];
    if (v !== undefined && v !== null) data[k] = v;
  }
  return { kind: 'alert', device_id: deviceId, ts: eventTime(obj, receivedAt), data };
}

const ackSchema = z.object({
  id: z.union([z.string(), z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)]),
  success: z.boolean(),
  message: z.string().max(1024).optional().nullable(),
});

function ack(deviceId: string, obj: Record<string, unknown>, receivedAt: number): ParsedEvent {
  const p = validate(ackSchema, obj, 'ack');
  const commandId = String(p.id);
  if (!isValidDeviceId(commandId))
    throw new RejectError('invalid_id', `id is not a valid command id (allowed: ${ID_RULE})`);
  const message = p.message ?? null;
  const data: Record<string, unknown> = {
    command_id: commandId,
    ok: p.success,
    message,
    // The same shape as the cabinets' ack: `error` says why a command failed.
    error: p.success ? null : message,
  };
  return { kind: 'command.ack', device_id: deviceId, ts: eventTime(obj, receivedAt), data };
}

const actuatorStateSchema = z.object({
  room: z.string().min(1).max(MAX_NAME),
  actuator: z.string().min(1).max(MAX_NAME),
  state: z.union([z.string().max(16), z.boolean()]),
});

/** `{room, actuator, state: "on"|"off", timestamp}`: what a relay is now, after a command or automation. */
function actuatorState(deviceId: string, obj: Record<string, unknown>, receivedAt: number): ParsedEvent {
  const p = validate(actuatorStateSchema, obj, 'actuator_states');
  const state =
    typeof p.state === 'boolean' ? (p.state ? 'on' : 'off') : p.state.toLowerCase() === 'on' ? 'on' : 'off';
  return {
    kind: 'actuator.state',
    device_id: deviceId,
    ts: eventTime(obj, receivedAt),
    data: { room: p.room.toLowerCase(), actuator: p.actuator.toLowerCase(), state },
  };
}

/** Rooms sent as `{"error": "invalid_reading"}`: a failed sensor, reported as a fault of the gateway. */
function roomFaults(deviceId: string, obj: Record<string, unknown>, ts: number): ParsedEvent | null {
  const faults: Record<string, string> = {};
  for (const [room, v] of Object.entries(obj)) {
    if (!isPlainObject(v) || typeof v.error !== 'string') continue;
    if (Object.values(v).some(isFiniteNumber)) continue;
    checkName(room, 'zone');
    faults[room] = v.error.slice(0, 128);
  }
  if (!Object.keys(faults).length) return null;
  return {
    kind: 'device.status',
    device_id: deviceId,
    ts,
    data: { family: GATEWAY_FAMILY, sensor_faults: faults },
  };
}

/** `levels` are the topic levels after `devices`: `[device_id, sensor_data|status|alerts]` or `[device_id, commands, ack]`. */
export function parseGateway(levels: string[], payload: Uint8Array, receivedAt: number): ParseResult {
  const family = GATEWAY_FAMILY;
  const [id, leaf, sub] = levels;
  const isAck = levels.length === 3 && leaf === 'commands' && sub === 'ack';
  const known =
    isAck ||
    (levels.length === 2 &&
      (leaf === 'sensor_data' || leaf === 'status' || leaf === 'alerts' || leaf === 'actuator_states'));
  // `commands` is the console's own output; anything else is outside the tree.
  if (!known) return { outcome: 'unhandled' };
  try {
    const deviceId = idFromTopic(id);
    const obj = parseJsonObject(payload);
    checkPayloadDeviceId(obj, deviceId);
    let events: ParsedEvent[];
    if (isAck) events = [ack(deviceId, obj, receivedAt)];
    else if (leaf === 'status') events = [status(deviceId, obj, receivedAt)];
    else if (leaf === 'alerts') events = [deviceAlert(deviceId, obj, receivedAt)];
    else if (leaf === 'actuator_states') events = [actuatorState(deviceId, obj, receivedAt)];
    else {
      const ts = eventTime(obj, receivedAt);
      const faults = roomFaults(deviceId, obj, ts);
      // A message whose every room failed is the gateway's status, not a broken message.
      const readings = faults && !hasReading(obj) ? [] : sensorReadings(deviceId, obj, ts).map(readingEvent);
      events = faults ? [...readings, faults] : readings;
    }
    return { outcome: 'events', family, events, samples: [] };
  } catch (err) {
    if (err instanceof RejectError) return { outcome: 'reject', family, code: err.code, reason: err.message };
    throw err;
  }
}

/** The console's command topic for one gateway (the id is checked: it becomes a topic level). */
export function gatewayCommandTopic(deviceId: string): string {
  if (!isValidDeviceId(deviceId))
    throw new RejectError('invalid_id', `device id is not a valid id (allowed: ${ID_RULE})`);
  return `devices/${deviceId}/commands`;
}

// ---------------------------------------------------------------------------------------------
// Console thresholds.

export const thresholdSchema = z
  .object({
    /** Matched case-insensitively against the reading's metric. */
    metric: z.string().min(1).max(MAX_NAME),
    /** Only readings of this zone; every zone when absent. */
    zone: z.string().min(1).max(MAX_NAME).optional(),
    /** Raised when the value is strictly above. */
    above: finite.optional(),
    /** Raised when the value is strictly below. */
    below: finite.optional(),
    severity,
    /**
     * How far back past the threshold the value must come before the alert clears and may be
     * raised again (0: as soon as it is no longer beyond the threshold).
     */
    hysteresis: finite.refine((n) => n >= 0, 'expected a non-negative number').optional(),
    /** Defaults to `high_{metric}` / `low_{metric}`. */
    alert_type: z.string().regex(TOKEN_PATTERN).optional(),
  })
  .refine((t) => t.above !== undefined || t.below !== undefined, 'a threshold needs `above` or `below`');

export type Threshold = z.infer<typeof thresholdSchema>;

export function parseThresholds(value: unknown): Threshold[] {
  return validate(z.array(thresholdSchema).max(256), value, 'thresholds');
}

/** §8's example: CO2 above 1,500 ppm is CRITICAL (clears below 1,400 ppm). */
export const DEFAULT_THRESHOLDS: readonly Threshold[] = Object.freeze([
  { metric: 'co2', above: 1500, severity: 'CRITICAL', hysteresis: 100 },
]);

export interface ConsoleAlert {
  source: 'console';
  device_id: string;
  alert_type: string;
  zone: string;
  metric: string;
  value: number;
  threshold: number;
  severity: Severity;
  message: string;
  /** Epoch ms of the reading that raised it. */
  ts: number;
}

export interface ActiveBreach {
  device_id: string;
  zone: string;
  metric: string;
  direction: 'above' | 'below';
  threshold: number;
  severity: Severity;
  alert_type: string;
  /** Epoch ms of the reading that raised it. */
  since: number;
}

export interface ClearedBreach extends ActiveBreach {
  /** The reading that cleared it. */
  value: number;
  cleared_at: number;
}

/** Raised alerts that have not cleared yet, by condition key. Plain data: save it, restore it. */
export interface ThresholdState {
  readonly active: Readonly<Record<string, ActiveBreach>>;
}

export const EMPTY_THRESHOLD_STATE: ThresholdState = Object.freeze({ active: Object.freeze({}) });

export interface ThresholdEvaluation {
  /** Newly raised: one per condition until it clears. */
  alerts: ConsoleAlert[];
  /** Conditions that cleared during these readings. */
  cleared: ClearedBreach[];
  /** The state after these readings (the input state is not modified). */
  state: ThresholdState;
}

function conditionKey(r: GatewayReading, t: Threshold, direction: 'above' | 'below', limit: number): string {
  return [
    r.device_id,
    r.zone,
    r.metric.toLowerCase(),
    t.zone ?? '*',
    direction,
    String(limit),
    t.severity,
  ].join('\u001f');
}

function alertTypeFor(metric: string, direction: 'above' | 'below'): string {
  const clean = metric.toLowerCase().replace(/[^a-z0-9._:-]/g, '_');
  return `${direction === 'above' ? 'high' : 'low'}_${clean}`.slice(0, 64);
}

/**
 * Checks readings (in order) against thresholds. A condition (device, zone, metric, threshold)
 * raises one alert when the value goes beyond the threshold, then stays silent while it stays
 * beyond; it clears when the value comes back by at least `hysteresis`, after which it can
 * raise again. Without a `state` every reading beyond a threshold raises (no memory).
 */
export function evaluateThresholds(
  readings: readonly GatewayReading[],
  thresholds: readonly Threshold[],
  state: ThresholdState = EMPTY_THRESHOLD_STATE,
): ThresholdEvaluation {
  const active: Record<string, ActiveBreach> = { ...state.active };
  const alerts: ConsoleAlert[] = [];
  const cleared: ClearedBreach[] = [];
  for (const r of readings) {
    if (!isFiniteNumber(r.value)) continue;
    const metric = r.metric.toLowerCase();
    for (const t of thresholds) {
      if (t.metric.toLowerCase() !== metric) continue;
      if (t.zone !== undefined && t.zone !== r.zone) continue;
      const margin = t.hysteresis ?? 0;
      const checks: ['above' | 'below', number | undefined][] = [
        ['above', t.above],
        ['below', t.below],
      ];
      for (const [direction, limit] of checks) {
        if (limit === undefined) continue;
        const key = conditionKey(r, t, direction, limit);
        const breach = active[key];
        const beyond = direction === 'above' ? r.value > limit : r.value < limit;
        if (breach) {
          const back = direction === 'above' ? r.value <= limit - margin : r.value >= limit + margin;
          if (back) {
            delete active[key];
            cleared.push({ ...breach, value: r.value, cleared_at: r.ts });
          }
          continue;
        }
        if (!beyond) continue;
        const alertType = t.alert_type ?? alertTypeFor(r.metric, direction);
        active[key] = {
          device_id: r.device_id,
          zone: r.zone,
          metric: r.metric,
          direction,
          threshold: limit,
          severity: t.severity,
          alert_type: alertType,
          since: r.ts,
        };
        const unit = r.unit ?? metricUnit(r.metric);
        const u = unit ? ` ${unit}` : '';
        alerts.push({
          source: 'console',
          device_id: r.device_id,
          alert_type: alertType,
          zone: r.zone,
          metric: r.metric,
          value: r.value,
          threshold: limit,
          severity: t.severity,
          message: `${r.metric} in ${r.zone} is ${r.value}${u}, ${direction} the ${limit}${u} threshold`,
          ts: r.ts,
        });
      }
    }
  }
  return { alerts, cleared, state: { active } };
}

/** A console alert as an event of kind `alert`. */
export function consoleAlertEvent(a: ConsoleAlert): ParsedEvent {
  const { ts, ...data } = a;
  return { kind: 'alert', device_id: a.device_id, ts, data: { ...data } };
}
