import type { Migration } from '../store/migrations';

/** Serial and BLE bridges: versions 400–499. */
export const bridgesMigrations: Migration[] = [
  {
    version: 400,
    name: 'bridges',
    sql: `
      -- Serial ports the operator configured; the bridge keeps each one open (and reopens it).
      CREATE TABLE bridge_serial_ports (
        id TEXT PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        baud_rate INTEGER NOT NULL,
        enabled INTEGER NOT NULL DEFAULT 1,
        default_topic TEXT,
        device_id TEXT,
        max_line_bytes INTEGER NOT NULL DEFAULT 65536,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );

      -- BLE devices the bridge connects to (enabled) and the driver that speaks for each.
      CREATE TABLE bridge_ble_devices (
        address TEXT PRIMARY KEY,
        driver TEXT NOT NULL,
        device_id TEXT NOT NULL,
        name TEXT,
        enabled INTEGER NOT NULL DEFAULT 1,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE bridge_settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
];
