import { familyOfTopic } from '../../src-shared/families';
import { devicesMigrations } from './migrations';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MarshalEvent } from '../../src-shared/events/model';
import { DeviceRegistry } from '../services/devices';
import { openDb, type Db } from '../store/db';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-labels-'));
  db = openDb(dir, devicesMigrations);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const T0 = Date.parse('2026-03-01T10:00:00Z');
const status = (
  kind: MarshalEvent['kind'],
  id: string,
  topic: string,
  data: Record<string, unknown>,
): MarshalEvent => ({
  id: 1,
  kind,
  family: familyOfTopic(topic, { rangePrefix: 'leadville' }) ?? 'console',
  device_id: id,
  ts: new Date(T0).toISOString(),
  received_at: new Date(T0).toISOString(),
  topic,
  data,
});

describe('registry labels (operator names and roles)', () => {
  it('names a device and gives it a role, keeping the structural kind for the console', () => {
    const reg = new DeviceRegistry(db);
    reg.observeEvents([
      status('sensor.status', 'bt50-01', 'leadville/sensor/bt50-01/status', { state: 'connected' }),
    ]);
    const row = reg.label('range', 'bt50-01', { name: 'Plate 3 (popper)', role: 'plate' }, T0);
    expect(row).toMatchObject({
      device_id: 'bt50-01',
      name: 'Plate 3 (popper)',
      role: 'plate',
      kind: 'sensor',
    });
    // Still a sensor for the Sensors view and the command catalogue.
    expect(reg.sensors(T0).map((s) => s.sensor_id)).toEqual(['bt50-01']);
    expect(reg.find('bt50-01', T0)).toMatchObject([{ family: 'range', kind: 'sensor', role: 'plate' }]);
    expect(reg.label('range', 'bt50-01', { role: null }, T0)).toMatchObject({
      role: 'sensor',
      name: 'Plate 3 (popper)',
    });
    expect(reg.label('range', 'nope', { name: 'x' }, T0)).toBeNull();
  });

  it('keeps the name across a reload', () => {
    const reg = new DeviceRegistry(db);
    reg.observeEvents([
      status('device.status', 'cab-1', 'whackamole/cab-1/status', { family: 'whackamole', online: true }),
    ]);
    reg.label('whackamole', 'cab-1', { name: 'Booth A' }, T0);
    reg.save();
    expect(new DeviceRegistry(db).devices(T0)[0]).toMatchObject({
      device_id: 'cab-1',
      name: 'Booth A',
      role: 'booth',
    });
  });
});
