/**
 * Numbered migrations, applied in version order inside one transaction each. Never edit a shipped
 * one: add the next number. Each capability owns a range of versions and keeps its migrations
 * beside its code, so parallel work never collides on a number:
 *   1–99 spine (here) · 100–199 range operations · 200–299 games and gateways ·
 *   300–399 commands and device management · 400–499 serial and BLE bridges · 500–599 sync, karting
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const SPINE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'spine',
    sql: `
      CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        hash BLOB NOT NULL UNIQUE,
        topic TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        qos INTEGER NOT NULL,
        retained INTEGER NOT NULL,
        payload BLOB NOT NULL
      );
      CREATE INDEX messages_received ON messages(received_at);

      CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        device_id TEXT NOT NULL,
        ts INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        topic TEXT NOT NULL,
        message_id INTEGER,
        data TEXT NOT NULL
      );
      CREATE INDEX events_kind ON events(kind, id);
      CREATE INDEX events_device ON events(device_id, id);
      CREATE INDEX events_received ON events(received_at);

      CREATE TABLE samples (
        id INTEGER PRIMARY KEY,
        sensor_id TEXT NOT NULL,
        ts INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        seq INTEGER,
        x REAL NOT NULL,
        y REAL NOT NULL,
        z REAL NOT NULL,
        message_id INTEGER
      );
      CREATE INDEX samples_sensor_ts ON samples(sensor_id, ts);

      -- One row per sensor per second once raw samples age out of the retention window.
      CREATE TABLE samples_1s (
        sensor_id TEXT NOT NULL,
        ts INTEGER NOT NULL,
        n INTEGER NOT NULL,
        x_min REAL, x_max REAL, x_avg REAL,
        y_min REAL, y_max REAL, y_avg REAL,
        z_min REAL, z_max REAL, z_avg REAL,
        peak REAL,
        PRIMARY KEY (sensor_id, ts)
      ) WITHOUT ROWID;

      CREATE TABLE rejects (
        id INTEGER PRIMARY KEY,
        topic TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        reason_code TEXT NOT NULL,
        reason TEXT NOT NULL,
        payload BLOB NOT NULL,
        payload_size INTEGER NOT NULL
      );

      CREATE TABLE devices (
        family TEXT NOT NULL,
        device_id TEXT NOT NULL,
        name TEXT,
        role TEXT,
        firmware TEXT,
        battery REAL,
        rssi REAL,
        online INTEGER NOT NULL DEFAULT 0,
        last_seen INTEGER,
        status TEXT,
        PRIMARY KEY (family, device_id)
      );

      CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'retained',
    sql: `
      -- The last retained message per topic, so the embedded broker still has devices' statuses
      -- after a restart.
      CREATE TABLE retained (
        topic TEXT PRIMARY KEY,
        payload BLOB NOT NULL,
        qos INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'event-dedup-keys',
    sql: `
      -- Natural keys (a game session per device, a task event_id) so a repeat sent with a different
      -- envelope is still stored once.
      ALTER TABLE events ADD COLUMN dedup_key TEXT;
      CREATE UNIQUE INDEX events_dedup ON events(kind, dedup_key) WHERE dedup_key IS NOT NULL;
    `,
  },
  {
    version: 4,
    name: 'samples-append-only-index',
    sql: `
      -- (sensor_id, ts) took one B-tree page write per sample across 20 interleaved sensors; an index
      -- on the receive time only ever appends. Per-sensor reads bound the scan by receive time.
      DROP INDEX IF EXISTS samples_sensor_ts;
      CREATE INDEX samples_received ON samples(received_at);
    `,
  },
  {
    version: 5,
    name: 'samples-message-hash',
    sql: `
      -- The content hash of a telemetry message on its first sample, unindexed: read back at start
      -- to recognise redeliveries of messages committed just before a crash.
      ALTER TABLE samples ADD COLUMN msg_hash BLOB;
    `,
  },
  {
    version: 6,
    name: 'samples-record-fields',
    sql: `
      -- Everything else a sensor record holds besides the axes (a BT50 record's temperature,
      -- angles, displacement and frequency), NULL when the sample carried none. Columns rather
      -- than JSON: a NULL costs one header byte, and each field can be queried and aggregated.
      ALTER TABLE samples ADD COLUMN temp_c REAL;
      ALTER TABLE samples ADD COLUMN angle_x REAL;
      ALTER TABLE samples ADD COLUMN angle_y REAL;
      ALTER TABLE samples ADD COLUMN angle_z REAL;
      ALTER TABLE samples ADD COLUMN disp_x REAL;
      ALTER TABLE samples ADD COLUMN disp_y REAL;
      ALTER TABLE samples ADD COLUMN disp_z REAL;
      ALTER TABLE samples ADD COLUMN freq_x REAL;
      ALTER TABLE samples ADD COLUMN freq_y REAL;
      ALTER TABLE samples ADD COLUMN freq_z REAL;
    `,
  },
];

/** The spine's and the given capabilities' migrations, checked for version clashes. */
export function allMigrations(capabilities: readonly Migration[] = []): Migration[] {
  const all = [...SPINE_MIGRATIONS, ...capabilities];
  const seen = new Set<number>();
  for (const m of all) {
    if (seen.has(m.version)) throw new Error(`migration version ${m.version} is defined twice`);
    seen.add(m.version);
  }
  return all.sort((a, b) => a.version - b.version);
}
