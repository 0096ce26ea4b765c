/**
 * Defensive normalization of polled rows: JSON drops `undefined`, older cores may omit fields,
 * and a view must never crash on a missing number. Anything not of the expected type becomes
 * null; rows without a usable id are dropped.
 */
import type { ClientRow, DeviceRow, SensorRow } from '../../src-shared/contract/types';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const rec = (v: unknown): Record<string, unknown> | null =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

export function normalizeSensors(rows: unknown): SensorRow[] {
  if (!Array.isArray(rows)) return [];
  const out: SensorRow[] = [];
  for (const raw of rows) {
    const r = rec(raw);
    const id = r && str(r.sensor_id);
    if (!r || !id) continue;
    out.push({
      sensor_id: id,
      online: r.online === true,
      battery: num(r.battery),
      rssi: num(r.rssi),
      temperature_c: num(r.temperature_c),
      rate_hz: num(r.rate_hz),
      last_seen: str(r.last_seen),
      calibrated: bool(r.calibrated),
      state: str(r.state),
    });
  }
  return out.sort((a, b) => a.sensor_id.localeCompare(b.sensor_id));
}

export function normalizeDevices(rows: unknown): DeviceRow[] {
  if (!Array.isArray(rows)) return [];
  const out: DeviceRow[] = [];
  for (const raw of rows) {
    const r = rec(raw);
    const id = r && str(r.device_id);
    if (!r || !id) continue;
    out.push({
      device_id: id,
      family: str(r.family) ?? 'unknown',
      name: str(r.name),
      online: r.online === true,
      last_seen: str(r.last_seen),
      battery: num(r.battery),
      rssi: num(r.rssi),
      firmware: str(r.firmware),
      role: str(r.role),
    });
  }
  return out.sort(
    (a, b) =>
      Number(b.online) - Number(a.online) ||
      a.family.localeCompare(b.family) ||
      a.device_id.localeCompare(b.device_id),
  );
}

export function normalizeClients(rows: unknown): ClientRow[] {
  if (!Array.isArray(rows)) return [];
  const out: ClientRow[] = [];
  for (const raw of rows) {
    const r = rec(raw);
    const id = r && str(r.client_id);
    if (!r || id === null) continue;
    out.push({
      client_id: id,
      address: str(r.address),
      username: str(r.username),
      connected_at: str(r.connected_at) ?? '',
    });
  }
  return out.sort((a, b) => a.client_id.localeCompare(b.client_id));
}
