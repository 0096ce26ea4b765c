import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MarshalEvent } from '../../src-shared/events/model';
import { openDb, type Db } from '../store/db';
import { DeviceRegistry, STATUS_SILENCE_MS } from './devices';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-dev-'));
  db = openDb(dir);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const T0 = Date.parse('2026-03-01T10:00:00Z');
const ev = (
  kind: MarshalEvent['kind'],
  device_id: string,
  data: Record<string, unknown>,
  at = T0,
): MarshalEvent => ({
  id: 1,
  kind,
  family: 'range',
  device_id,
  ts: new Date(at).toISOString(),
  received_at: new Date(at).toISOString(),
  topic: 't',
  data,
});

describe('DeviceRegistry', () => {
  it('measures a sensor rate from samples received per second', () => {
    const reg = new DeviceRegistry(db);
    // 100 samples per second for 4 seconds, delivered in 10 batches a second.
    for (let ms = 0; ms < 4000; ms += 100) reg.observeSamples('range', 'bt50-01', 10, T0 + ms);
    const [s] = reg.sensors(T0 + 4000);
    expect(s).toMatchObject({ sensor_id: 'bt50-01', online: true, rate_hz: 100 });
  });

  it('shows a silent sensor offline and its rate as unknown', () => {
    const reg = new DeviceRegistry(db);
    reg.observeSamples('range', 's1', 50, T0);
    expect(reg.sensors(T0 + 1500)[0]!.online).toBe(true);
    const later = reg.sensors(T0 + STATUS_SILENCE_MS + 1);
    expect(later[0]).toMatchObject({ online: false, rate_hz: null });
  });

  it('applies sensor status: battery, rssi, temperature, calibration, disconnected state', () => {
    const reg = new DeviceRegistry(db);
    reg.observeEvents([
      ev('sensor.status', 's2', {
        state: 'connected',
        battery: 71,
        rssi: -60,
        temperature_c: 22.5,
        calibrated: true,
      }),
    ]);
    expect(reg.sensors(T0 + 1000)[0]).toMatchObject({
      online: true,
      battery: 71,
      rssi: -60,
      temperature_c: 22.5,
      calibrated: true,
    });
    reg.observeEvents([ev('sensor.status', 's2', { state: 'disconnected' }, T0 + 2000)]);
    expect(reg.sensors(T0 + 2500)[0]!.online).toBe(false);
  });

  it('lists timers and bridges as devices and keeps them across a reload', () => {
    const reg = new DeviceRegistry(db);
    reg.observeEvents([
      ev('bridge.status', 'bridge', { state: 'online', firmware: '1.2.3' }),
      ev('timer.shot', 'timer', {}),
    ]);
    reg.save();
    const again = new DeviceRegistry(db).devices(T0 + 1000);
    expect(again.map((d) => [d.device_id, d.role, d.firmware, d.online])).toEqual([
      ['bridge', 'bridge', '1.2.3', true],
      ['timer', 'timer', null, true],
    ]);
  });
});
