/**
 * The bridges' persisted configuration: serial ports, BLE devices, settings.
 */
import type { BleTransportSetting, BridgesSettings } from '../../src-shared/contract/bridges';
import { DEFAULT_MAX_LINE_BYTES } from '../../src-shared/bridges/serial';
import type { Db } from '../store/db';

export interface SerialPortConfig {
  id: string;
  path: string;
  baud_rate: number;
  enabled: boolean;
  default_topic: string | null;
  device_id: string | null;
  max_line_bytes: number;
}

export interface BleDeviceConfig {
  address: string;
  driver: string;
  device_id: string;
  name: string | null;
  enabled: boolean;
}

export const DEFAULT_SETTINGS: BridgesSettings = { republish: false, ble_transport: 'auto' };

export class BridgeConfigStore {
  constructor(private readonly db: Db) {}

  serialPorts(): SerialPortConfig[] {
    const rows = this.db
      .prepare(
        'SELECT id, path, baud_rate, enabled, default_topic, device_id, max_line_bytes FROM bridge_serial_ports ORDER BY created_at, id',
      )
      .all() as (Omit<SerialPortConfig, 'enabled'> & { enabled: number })[];
    return rows.map((r) => ({ ...r, enabled: r.enabled === 1 }));
  }

  saveSerialPort(p: SerialPortConfig, now = Date.now()): void {
    this.db
      .prepare(
        `INSERT INTO bridge_serial_ports (id, path, baud_rate, enabled, default_topic, device_id, max_line_bytes, created_at, updated_at)
         VALUES (@id, @path, @baud_rate, @enabled, @default_topic, @device_id, @max_line_bytes, @now, @now)
         ON CONFLICT(id) DO UPDATE SET path = excluded.path, baud_rate = excluded.baud_rate,
           enabled = excluded.enabled, default_topic = excluded.default_topic, device_id = excluded.device_id,
           max_line_bytes = excluded.max_line_bytes, updated_at = excluded.updated_at`,
      )
      .run({
        ...p,
        enabled: p.enabled ? 1 : 0,
        max_line_bytes: p.max_line_bytes || DEFAULT_MAX_LINE_BYTES,
        now,
      });
  }

  removeSerialPort(id: string): boolean {
    return this.db.prepare('DELETE FROM bridge_serial_ports WHERE id = ?').run(id).changes > 0;
  }

  bleDevices(): BleDeviceConfig[] {
    const rows = this.db
      .prepare(
        'SELECT address, driver, device_id, name, enabled FROM bridge_ble_devices ORDER BY created_at, address',
      )
      .all() as (Omit<BleDeviceConfig, 'enabled'> & { enabled: number })[];
    return rows.map((r) => ({ ...r, enabled: r.enabled === 1 }));
  }

  saveBleDevice(d: BleDeviceConfig, now = Date.now()): void {
    this.db
      .prepare(
        `INSERT INTO bridge_ble_devices (address, driver, device_id, name, enabled, created_at, updated_at)
         VALUES (@address, @driver, @device_id, @name, @enabled, @now, @now)
         ON CONFLICT(address) DO UPDATE SET driver = excluded.driver, device_id = excluded.device_id,
           name = excluded.name, enabled = excluded.enabled, updated_at = excluded.updated_at`,
      )
      .run({ ...d, enabled: d.enabled ? 1 : 0, now });
  }

  removeBleDevice(address: string): boolean {
    return this.db.prepare('DELETE FROM bridge_ble_devices WHERE address = ?').run(address).changes > 0;
  }

  settings(): BridgesSettings {
    const rows = this.db.prepare('SELECT name, value FROM bridge_settings').all() as {
      name: string;
      value: string;
    }[];
    const out: BridgesSettings = { ...DEFAULT_SETTINGS };
    for (const r of rows) {
      if (r.name === 'republish') out.republish = r.value === 'true';
      if (r.name === 'ble_transport') out.ble_transport = r.value as BleTransportSetting;
    }
    return out;
  }

  saveSettings(s: BridgesSettings): void {
    const put = this.db.prepare(
      'INSERT INTO bridge_settings (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value',
    );
    this.db.transaction(() => {
      put.run('republish', String(s.republish));
      put.run('ble_transport', s.ble_transport);
    })();
  }
}
