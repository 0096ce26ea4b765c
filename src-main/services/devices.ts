import type { EventKind, MarshalEvent } from '../../src-shared/events/model';
import { family, roleFor } from '../../src-shared/families';
import { toIso } from '../../src-shared/events/time';
import type { DeviceRow, SensorRow } from '../../src-shared/contract';
import type { Db } from '../store/db';
import type { ClientSessions } from './sessions';

const CONNECTED = /^(connected|online|ok|ready|streaming|active|idle|playing|up|running|calibrat)/i;
const DISCONNECTED = /^(disconnected|offline|lost|error|down|failed|stopped)/i;

/** How long a device may stay silent before it shows offline. */
export const STATUS_SILENCE_MS = 75_000;
const SAMPLE_WINDOW_MS = 5_000;

/** Telemetry comes from sensors, whatever their family. */
const SENSOR_ROLE = 'sensor';

/** Kinds whose data is the device's status object (state, online, battery, firmware…). */
const STATUS_KINDS: ReadonlySet<EventKind> = new Set([
  'sensor.status',
  'timer.status',
  'bridge.status',
  'device.status',
]);

interface Entry {
  family: string;
  device_id: string;
  role: string | null;
  /** The operator's role for the device (plate, stage, booth, zone…); shown instead of `role`. */
  role_override: string | null;
  name: string | null;
  firmware: string | null;
  battery: number | null;
  rssi: number | null;
  temperature_c: number | null;
  calibrated: boolean | null;
  state: string | null;
  /** An explicit online flag from the device (status / last will). */
  online_flag: boolean | null;
  last_seen: number | null;
  last_status: number | null;
  last_sample: number | null;
  status: Record<string, unknown> | null;
  /** [receive second, count] pairs for the measured sample rate. */
  rate: number[];
  dirty: boolean;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * Every device the console has seen, with its health, derived from committed events. Kept in
 * memory for the views and saved to the store every few seconds (it can be rebuilt from events).
 */
export class DeviceRegistry {
  private entries = new Map<string, Entry>();
  private sessions: ClientSessions | null = null;

  /** Follows the embedded broker's sessions: a device whose client is gone is offline at once. */
  attachSessions(sessions: ClientSessions): void {
    this.sessions = sessions;
  }

  constructor(private readonly db: Db) {
    const rows = db.prepare('SELECT * FROM devices').all() as {
      family: string;
      device_id: string;
      name: string | null;
      role: string | null;
      firmware: string | null;
      battery: number | null;
      rssi: number | null;
      last_seen: number | null;
      status: string | null;
    }[];
    for (const r of rows) {
      const e = this.entry(r.family, r.device_id, r.role);
      Object.assign(e, {
        name: r.name,
        firmware: r.firmware,
        battery: r.battery,
        rssi: r.rssi,
        last_seen: r.last_seen,
      });
      if (r.status) this.applyStatus(e, JSON.parse(r.status) as Record<string, unknown>, r.last_seen ?? 0);
      e.dirty = false;
    }
  }

  private entry(family: string, deviceId: string, role: string | null): Entry {
    const key = `${family}\u0000${deviceId}`;
    let e = this.entries.get(key);
    if (!e) {
      e = {
        family,
        device_id: deviceId,
        role,
        role_override: null,
        name: null,
        firmware: null,
        battery: null,
        rssi: null,
        temperature_c: null,
        calibrated: null,
        state: null,
        online_flag: null,
        last_seen: null,
        last_status: null,
        last_sample: null,
        status: null,
        rate: [],
        dirty: true,
      };
      this.entries.set(key, e);
    }
    if (role && !e.role) e.role = role;
    return e;
  }

  private applyStatus(e: Entry, data: Record<string, unknown>, at: number): void {
    if (typeof data.state === 'string') e.state = data.state;
    if (typeof data.online === 'boolean') e.online_flag = data.online;
    e.battery = num(data.battery) ?? e.battery;
    e.rssi = num(data.rssi) ?? e.rssi;
    e.temperature_c = num(data.temperature_c) ?? e.temperature_c;
    if (typeof data.calibrated === 'boolean') e.calibrated = data.calibrated;
    if (typeof data.firmware === 'string') e.firmware = data.firmware.slice(0, 64);
    if (!data.from_telemetry) {
      e.status = data;
      e.last_status = at;
    }
    e.dirty = true;
  }

  observeEvents(events: MarshalEvent[], clients?: readonly (string | null)[]): void {
    let i = -1;
    for (const ev of events) {
      i++;
      // The family's descriptor says which device an event updates, and in which role.
      const role = roleFor(ev.family, ev.kind);
      if (role === undefined) continue;
      const at = Date.parse(ev.received_at);
      const e = this.entry(ev.family, ev.device_id, role);
      if (STATUS_KINDS.has(ev.kind)) this.applyStatus(e, ev.data, at);
      else if (ev.kind === 'device.hello')
        this.applyStatus(e, { ...ev.data, online: true, from_telemetry: true }, at);
      e.last_seen = Math.max(e.last_seen ?? 0, at);
      e.dirty = true;
      this.sessions?.observe(clients?.[i], e.family, e.device_id);
    }
  }

  /** Battery or temperature read from telemetry: updates health, keeps the last full status. */
  observeTelemetryStatus(
    family: string,
    sensorId: string,
    data: Record<string, unknown>,
    receivedAt: number,
  ): void {
    const e = this.entry(family, sensorId, SENSOR_ROLE);
    this.applyStatus(e, { ...data, from_telemetry: true }, receivedAt);
    e.last_seen = Math.max(e.last_seen ?? 0, receivedAt);
  }

  observeSamples(
    family: string,
    sensorId: string,
    count: number,
    receivedAt: number,
    clientId?: string | null,
  ): void {
    const e = this.entry(family, sensorId, SENSOR_ROLE);
    this.sessions?.observe(clientId, family, sensorId);
    e.last_seen = receivedAt;
    e.last_sample = receivedAt;
    const sec = Math.floor(receivedAt / 1000);
    const n = e.rate.length;
    if (n >= 2 && e.rate[n - 2] === sec) e.rate[n - 1]! += count;
    else e.rate.push(sec, count);
    while (e.rate.length > 0 && e.rate[0]! < sec - SAMPLE_WINDOW_MS / 1000) e.rate.splice(0, 2);
  }

  /** Samples per second over the last complete seconds of the window. */
  private measuredRate(e: Entry, now: number): number | null {
    if (e.last_sample === null || now - e.last_sample > SAMPLE_WINDOW_MS) return null;
    const current = Math.floor(now / 1000);
    let total = 0;
    let first = Infinity;
    for (let i = 0; i < e.rate.length; i += 2) {
      const sec = e.rate[i]!;
      if (sec >= current || sec < current - SAMPLE_WINDOW_MS / 1000) continue;
      total += e.rate[i + 1]!;
      first = Math.min(first, sec);
    }
    if (!Number.isFinite(first)) return null;
    return Math.round((total / (current - first)) * 10) / 10;
  }

  private online(e: Entry, now: number): boolean {
    if (e.online_flag === false) return false;
    // A device that is its own MQTT client is alive while its session is (the broker ends it
    // after 1.5 × its keepalive). A range bridge relays timers and sensors: its session says
    // nothing about each of them, so they keep the silence timeout.
    const own = !(e.role && family(e.family)?.relayedRoles?.includes(e.role));
    const session = own ? (this.sessions?.state(e.family, e.device_id) ?? null) : null;
    if (session === 'gone') return false;
    if (session === 'live' && !(e.state && DISCONNECTED.test(e.state))) return true;
    if (e.last_sample !== null && now - e.last_sample < 3_000) return true;
    if (e.state && DISCONNECTED.test(e.state)) return false;
    const recent = e.last_seen !== null && now - e.last_seen < STATUS_SILENCE_MS;
    if (!recent) return false;
    if (e.online_flag === true) return true;
    if (e.state) return CONNECTED.test(e.state);
    return true;
  }

  devices(now = Date.now()): DeviceRow[] {
    return [...this.entries.values()]
      .map((e) => this.row(e, now))
      .sort((a, b) => a.family.localeCompare(b.family) || a.device_id.localeCompare(b.device_id));
  }

  private row(e: Entry, now: number): DeviceRow {
    return {
      device_id: e.device_id,
      family: e.family,
      name: e.name,
      online: this.online(e, now),
      last_seen: e.last_seen === null ? null : toIso(e.last_seen),
      battery: e.battery,
      rssi: e.rssi,
      firmware: e.firmware,
      role: e.role_override ?? e.role,
      kind: e.role,
      status: e.status ?? undefined,
    };
  }

  /**
   * The devices known under an id (one per family using it), with the structural role the registry
   * derived (`kind`: timer, sensor, bridge, booth, zone), whatever role the operator gave them.
   */
  find(deviceId: string, now = Date.now()): (DeviceRow & { kind: string | null })[] {
    const out: (DeviceRow & { kind: string | null })[] = [];
    for (const e of this.entries.values()) {
      if (e.device_id === deviceId) out.push({ ...this.row(e, now), kind: e.role });
    }
    return out;
  }

  /**
   * Sets the operator's name and role of a known device (null clears; undefined leaves as is).
   * Returns the updated row, or null when the device is unknown.
   */
  label(
    family: string,
    deviceId: string,
    patch: { name?: string | null; role?: string | null },
    now = Date.now(),
  ): DeviceRow | null {
    const e = this.entries.get(`${family}\u0000${deviceId}`);
    if (!e) return null;
    if (patch.name !== undefined) e.name = patch.name ? patch.name.slice(0, 64) : null;
    if (patch.role !== undefined) e.role_override = patch.role ? patch.role.slice(0, 32) : null;
    e.dirty = true;
    return this.row(e, now);
  }

  sensors(now = Date.now()): SensorRow[] {
    return [...this.entries.values()]
      .filter((e) => e.role === 'sensor')
      .map((e) => ({
        sensor_id: e.device_id,
        online: this.online(e, now),
        battery: e.battery,
        rssi: e.rssi,
        temperature_c: e.temperature_c,
        rate_hz: this.measuredRate(e, now),
        last_seen: e.last_seen === null ? null : toIso(e.last_seen),
        calibrated: e.calibrated,
        state: e.state,
      }))
      .sort((a, b) => a.sensor_id.localeCompare(b.sensor_id));
  }

  onlineCount(now = Date.now()): number {
    let n = 0;
    for (const e of this.entries.values()) if (this.online(e, now)) n++;
    return n;
  }

  /** Writes changed devices to the store. */
  save(): void {
    const dirty = [...this.entries.values()].filter((e) => e.dirty);
    if (!dirty.length) return;
    const upsert = this.db.prepare(
      `INSERT INTO devices (family, device_id, name, role, firmware, battery, rssi, online, last_seen, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(family, device_id) DO UPDATE SET name = excluded.name, role = excluded.role, firmware = excluded.firmware,
         battery = excluded.battery, rssi = excluded.rssi, online = excluded.online, last_seen = excluded.last_seen, status = excluded.status`,
    );
    const now = Date.now();
    this.db.transaction(() => {
      for (const e of dirty) {
        upsert.run(
          e.family,
          e.device_id,
          e.name,
          e.role,
          e.firmware,
          e.battery,
          e.rssi,
          this.online(e, now) ? 1 : 0,
          e.last_seen,
          e.status ? JSON.stringify(e.status) : null,
        );
        e.dirty = false;
      }
    })();
  }
}
