/**
 * Games and gateways migrations (versions 200–299). The read models below are filled by triggers
 * on `events`, inside the very transaction that stores the event: a session, task or reading is
 * never stored without its row, whichever path stored it (MQTT ingest, `ctx.record`, a replay),
 * and a crash cannot leave them apart. Each trigger uses INSERT OR IGNORE so an event whose data
 * does not fit (it cannot happen for events from the family parsers) is skipped, never an error
 * that would roll back an ingest batch.
 */
import type { Migration } from '../store/migrations';

const SESSION_COLUMNS = `event_id, device_id, session_id, game, player, difficulty, score, hits, misses,
  wrong_hits, started_ms, ended_ms, duration_ms, complete, received_at`;

/** The values of a game_sessions row from an events row aliased `e`. */
const SESSION_VALUES = (e: string) => `${e}.id, ${e}.device_id,
  json_extract(${e}.data, '$.session_id'),
  json_extract(${e}.data, '$.game'),
  json_extract(${e}.data, '$.player'),
  json_extract(${e}.data, '$.difficulty'),
  CASE WHEN json_type(${e}.data, '$.score') IN ('integer', 'real') THEN json_extract(${e}.data, '$.score') END,
  json_extract(${e}.data, '$.hits'),
  json_extract(${e}.data, '$.misses'),
  json_extract(${e}.data, '$.wrong_hits'),
  CASE WHEN json_type(${e}.data, '$.duration_ms') = 'integer' THEN ${e}.ts - json_extract(${e}.data, '$.duration_ms') END,
  ${e}.ts,
  json_extract(${e}.data, '$.duration_ms'),
  json_extract(${e}.data, '$.complete'),
  ${e}.received_at`;

const NEURO_COLUMNS = 'event_row, event_id, kind, user_id, session_id, correct, rt_ms, counted';

/**
 * A task counts towards the leaderboard when its correctness is a boolean and its reaction time a
 * number of at least 100 ms (domain.md §7; the same rule as ranking/tasks.ts countsForLeaderboard).
 */
const NEURO_VALUES = (e: string) => `${e}.id,
  json_extract(${e}.data, '$.event_id'),
  ${e}.kind,
  json_extract(${e}.data, '$.user_id'),
  json_extract(${e}.data, '$.session_id'),
  CASE json_type(${e}.data, '$.correct') WHEN 'true' THEN 1 WHEN 'false' THEN 0 END,
  CASE WHEN json_type(${e}.data, '$.rt_ms') IN ('integer', 'real') THEN json_extract(${e}.data, '$.rt_ms') END,
  CASE WHEN ${e}.kind = 'task.result'
        AND json_type(${e}.data, '$.correct') IN ('true', 'false')
        AND json_type(${e}.data, '$.rt_ms') IN ('integer', 'real')
        AND json_extract(${e}.data, '$.rt_ms') >= 100 THEN 1 ELSE 0 END`;

const READING_COLUMNS = 'event_row, device_id, zone, metric, ts, value, unit';
const READING_VALUES = (e: string) => `${e}.id, ${e}.device_id,
  json_extract(${e}.data, '$.zone'),
  json_extract(${e}.data, '$.metric'),
  ${e}.ts,
  CASE WHEN json_type(${e}.data, '$.value') IN ('integer', 'real') THEN json_extract(${e}.data, '$.value') END,
  json_extract(${e}.data, '$.unit')`;

export const GAMES_MIGRATIONS: Migration[] = [
  {
    version: 200,
    name: 'games-and-gateways',
    sql: `
      -- One row per stored game session (the natural key (device, session) is the events table's
      -- dedup key, so a repeat never gets here). Indexed for the leaderboards' filters.
      CREATE TABLE game_sessions (
        event_id INTEGER PRIMARY KEY,
        device_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        game TEXT NOT NULL,
        player TEXT NOT NULL,
        difficulty TEXT,
        score REAL NOT NULL,
        hits INTEGER,
        misses INTEGER,
        wrong_hits INTEGER,
        started_ms INTEGER,
        ended_ms INTEGER NOT NULL,
        duration_ms INTEGER,
        complete INTEGER,
        received_at INTEGER NOT NULL,
        UNIQUE (device_id, session_id)
      );
      -- Both cover the leaderboard's columns, so it never reads the table: by player (no
      -- filter, and the best-score lookup), and by game / difficulty / device.
      CREATE INDEX game_sessions_player ON game_sessions(player, score, ended_ms, game, difficulty, device_id);
      CREATE INDEX game_sessions_filter ON game_sessions(game, difficulty, device_id, player, score, ended_ms);
      CREATE INDEX game_sessions_device ON game_sessions(device_id, event_id);

      CREATE TRIGGER game_sessions_from_events AFTER INSERT ON events
      WHEN NEW.kind = 'game.session' AND json_valid(NEW.data)
      BEGIN
        INSERT OR IGNORE INTO game_sessions (${SESSION_COLUMNS}) VALUES (${SESSION_VALUES('NEW')});
      END;

      -- Cognitive-task events (task_result and the others) in arrival order (events.id).
      CREATE TABLE neuro_events (
        event_row INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        user_id TEXT NOT NULL,
        session_id TEXT,
        correct INTEGER,
        rt_ms REAL,
        counted INTEGER NOT NULL
      );
      CREATE INDEX neuro_events_counted ON neuro_events(counted, user_id, correct, rt_ms);

      CREATE TRIGGER neuro_events_from_events AFTER INSERT ON events
      WHEN NEW.kind IN ('task.result', 'game.event') AND json_valid(NEW.data)
      BEGIN
        INSERT OR IGNORE INTO neuro_events (${NEURO_COLUMNS}) VALUES (${NEURO_VALUES('NEW')});
      END;

      -- Gateway readings (one per zone and metric) for the charts, and the latest of each.
      CREATE TABLE gateway_readings (
        event_row INTEGER PRIMARY KEY,
        device_id TEXT NOT NULL,
        zone TEXT NOT NULL,
        metric TEXT NOT NULL,
        ts INTEGER NOT NULL,
        value REAL NOT NULL,
        unit TEXT
      );
      CREATE INDEX gateway_readings_device_ts ON gateway_readings(device_id, ts);

      CREATE TABLE gateway_latest (
        device_id TEXT NOT NULL,
        zone TEXT NOT NULL,
        metric TEXT NOT NULL,
        ts INTEGER NOT NULL,
        value REAL NOT NULL,
        unit TEXT,
        PRIMARY KEY (device_id, zone, metric)
      ) WITHOUT ROWID;

      CREATE TRIGGER gateway_readings_from_events AFTER INSERT ON events
      WHEN NEW.kind = 'gateway.reading' AND json_valid(NEW.data)
      BEGIN
        INSERT OR IGNORE INTO gateway_readings (${READING_COLUMNS}) VALUES (${READING_VALUES('NEW')});
        -- Not INSERT OR REPLACE: a trigger takes the outer statement's conflict policy (the
        -- store's INSERT OR IGNORE), so the older latest row is deleted first.
        DELETE FROM gateway_latest
          WHERE (device_id, zone, metric) IN (SELECT device_id, zone, metric FROM gateway_readings WHERE event_row = NEW.id)
            AND ts <= NEW.ts;
        INSERT OR IGNORE INTO gateway_latest (device_id, zone, metric, ts, value, unit)
          SELECT device_id, zone, metric, ts, value, unit FROM gateway_readings WHERE event_row = NEW.id;
      END;

      -- Acknowledgements of alert events: who and when (first one wins; never edited or deleted).
      CREATE TABLE alert_acks (
        event_row INTEGER PRIMARY KEY,
        acknowledged_by TEXT NOT NULL,
        acknowledged_at INTEGER NOT NULL,
        note TEXT
      );

      -- Console thresholds and their evaluation state (JSON values).
      CREATE TABLE games_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

      -- Events stored before this migration.
      INSERT OR IGNORE INTO game_sessions (${SESSION_COLUMNS})
        SELECT ${SESSION_VALUES('e')} FROM events e WHERE e.kind = 'game.session' AND json_valid(e.data);
      INSERT OR IGNORE INTO neuro_events (${NEURO_COLUMNS})
        SELECT ${NEURO_VALUES('e')} FROM events e
        WHERE e.kind IN ('task.result', 'game.event') AND json_valid(e.data);
      INSERT OR IGNORE INTO gateway_readings (${READING_COLUMNS})
        SELECT ${READING_VALUES('e')} FROM events e WHERE e.kind = 'gateway.reading' AND json_valid(e.data);
      INSERT OR IGNORE INTO gateway_latest (device_id, zone, metric, ts, value, unit)
        SELECT device_id, zone, metric, ts, value, unit FROM gateway_readings r
        WHERE r.event_row = (SELECT r2.event_row FROM gateway_readings r2
                             WHERE r2.device_id = r.device_id AND r2.zone = r.zone AND r2.metric = r.metric
                             ORDER BY r2.ts DESC, r2.event_row DESC LIMIT 1);
    `,
  },
  {
    version: 201,
    name: 'game-sessions-replace',
    sql: `
      -- A session resent under the same (device, session) id replaces the stored one, as the
      -- original whack-a-mole backend upserted it (an identical resend never gets this far: the
      -- events table's dedup key holds the content).
      DROP TRIGGER game_sessions_from_events;
      CREATE TRIGGER game_sessions_from_events AFTER INSERT ON events
      WHEN NEW.kind = 'game.session' AND json_valid(NEW.data)
      BEGIN
        -- Only a row that will be stored replaces (OR REPLACE would abort the batch on a NULL).
        DELETE FROM game_sessions
          WHERE device_id = NEW.device_id AND session_id = json_extract(NEW.data, '$.session_id')
            AND json_extract(NEW.data, '$.game') IS NOT NULL
            AND json_extract(NEW.data, '$.player') IS NOT NULL
            AND json_type(NEW.data, '$.score') IN ('integer', 'real');
        INSERT OR IGNORE INTO game_sessions (${SESSION_COLUMNS}) VALUES (${SESSION_VALUES('NEW')});
      END;
    `,
  },
  {
    version: 202,
    name: 'neurogame-accounts',
    sql: `
      -- The cognitive-task game's server accounts (its /v1/auth routes), with the original's
      -- PBKDF2 parameters so a copied users table still logs in.
      CREATE TABLE neuro_users (
        user_id TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        salt_b64 TEXT NOT NULL,
        pwd_hash_b64 TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_login_at INTEGER
      ) WITHOUT ROWID;
    `,
  },
];
