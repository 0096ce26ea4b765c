import type { Migration } from '../store/migrations';

/** Commands and device management: versions 300–399. */
export const devicesMigrations: Migration[] = [
  {
    version: 300,
    name: 'commands',
    sql: `
      -- Every command ever sent, with its lifecycle: the panel's history and the API's answer.
      CREATE TABLE commands (
        id TEXT PRIMARY KEY,
        device_id TEXT NOT NULL,
        family TEXT NOT NULL,
        target TEXT NOT NULL,
        command TEXT NOT NULL,
        args TEXT NOT NULL,
        state TEXT NOT NULL,
        who TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        sent_at INTEGER,
        acked_at INTEGER,
        finished_at INTEGER,
        expires_at INTEGER NOT NULL,
        timeout_ms INTEGER NOT NULL,
        error TEXT,
        via TEXT,
        topic TEXT,
        attempts INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX commands_created ON commands(created_at);
      CREATE INDEX commands_device ON commands(device_id, created_at);
      CREATE INDEX commands_open ON commands(state) WHERE state IN ('queued', 'sent', 'timed_out');

      CREATE TABLE command_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

      -- Operator-set names and roles (the registry keeps the structural role it derives).
      CREATE TABLE device_labels (
        family TEXT NOT NULL,
        device_id TEXT NOT NULL,
        name TEXT,
        role TEXT,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (family, device_id)
      ) WITHOUT ROWID;

      -- Retained per-device configuration: family defaults, per-device overrides, what was pushed.
      CREATE TABLE config_defaults (
        family TEXT PRIMARY KEY,
        defaults TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE device_config (
        family TEXT NOT NULL,
        device_id TEXT NOT NULL,
        overrides TEXT NOT NULL DEFAULT '{}',
        pushed TEXT,
        pushed_at INTEGER,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (family, device_id)
      ) WITHOUT ROWID;
    `,
  },
];
