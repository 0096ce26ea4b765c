/**
 * Karting migrations (versions 500–549). Circuits are the karting app's own ids; every raw feed
 * unit (an Apex WebSocket message, an RMonitor line) is kept with its receive time, so a session
 * can be rebuilt and replayed; laps and sessions are read models of the `lap` and
 * `karting.session` events, filled by triggers inside the transaction that stores the event.
 */
import type { Migration } from '../store/migrations';

const LAP_COLUMNS = 'event_row, circuit_id, session_id, row_id, kart, name, lap, lap_ms, lap_raw, ts';
const LAP_VALUES = (e: string) => `${e}.id, ${e}.device_id,
  json_extract(${e}.data, '$.session_id'),
  json_extract(${e}.data, '$.row_id'),
  json_extract(${e}.data, '$.kart'),
  json_extract(${e}.data, '$.name'),
  json_extract(${e}.data, '$.lap'),
  json_extract(${e}.data, '$.lap_ms'),
  json_extract(${e}.data, '$.lap_raw'),
  ${e}.ts`;

export const KARTING_MIGRATIONS: Migration[] = [
  {
    version: 500,
    name: 'karting',
    sql: `
      CREATE TABLE karting_circuits (
        id TEXT PRIMARY KEY,
        nom TEXT NOT NULL,
        wss_url TEXT NOT NULL DEFAULT '',
        live_timing_url TEXT NOT NULL DEFAULT '',
        protocol TEXT NOT NULL DEFAULT 'auto',
        labels TEXT NOT NULL DEFAULT '{}',
        -- Who asked for capture ('operator', 'app'), so a restart resumes it.
        capture TEXT NOT NULL DEFAULT '[]',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE karting_raw (
        id INTEGER PRIMARY KEY,
        circuit_id TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        session_id TEXT,
        data TEXT NOT NULL
      );
      CREATE INDEX karting_raw_circuit ON karting_raw(circuit_id, received_at, id);

      CREATE TABLE karting_laps (
        event_row INTEGER PRIMARY KEY,
        circuit_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        row_id TEXT NOT NULL,
        kart TEXT,
        name TEXT,
        lap INTEGER,
        lap_ms INTEGER NOT NULL,
        lap_raw TEXT,
        ts INTEGER NOT NULL
      );
      CREATE INDEX karting_laps_circuit ON karting_laps(circuit_id, session_id, event_row);

      CREATE TABLE karting_sessions (
        circuit_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        protocol TEXT,
        type TEXT,
        name TEXT,
        started_at INTEGER,
        ended_at INTEGER,
        end_reason TEXT,
        PRIMARY KEY (circuit_id, session_id)
      ) WITHOUT ROWID;

      CREATE TRIGGER karting_laps_from_events AFTER INSERT ON events
      WHEN NEW.kind = 'lap' AND json_valid(NEW.data) AND json_type(NEW.data, '$.lap_ms') = 'integer'
      BEGIN
        INSERT OR IGNORE INTO karting_laps (${LAP_COLUMNS}) VALUES (${LAP_VALUES('NEW')});
      END;

      CREATE TRIGGER karting_sessions_from_events AFTER INSERT ON events
      WHEN NEW.kind = 'karting.session' AND json_valid(NEW.data)
      BEGIN
        INSERT OR IGNORE INTO karting_sessions (circuit_id, session_id, protocol, type, name, started_at)
          SELECT NEW.device_id, json_extract(NEW.data, '$.session_id'), json_extract(NEW.data, '$.protocol'),
                 json_extract(NEW.data, '$.type'), json_extract(NEW.data, '$.name'), NEW.ts
          WHERE json_extract(NEW.data, '$.state') = 'started';
        UPDATE karting_sessions SET ended_at = NEW.ts, end_reason = json_extract(NEW.data, '$.reason')
          WHERE json_extract(NEW.data, '$.state') = 'ended'
            AND circuit_id = NEW.device_id AND session_id = json_extract(NEW.data, '$.session_id');
      END;
    `,
  },
];
