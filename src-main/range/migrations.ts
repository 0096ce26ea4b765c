import type { Migration } from '../store/migrations';

/**
 * Range operations' tables (versions 100–199). Runs are a state machine kept here so a restart
 * mid-string resumes it; the timer's raw shots are kept apart from the scored string; scoring is
 * an append-only log folded over each run's base record (triggers refuse updates and deletes).
 */
export const rangeMigrations: Migration[] = [
  {
    version: 100,
    name: 'range',
    sql: `
      CREATE TABLE range_matches (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        date TEXT,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE range_stages (
        id TEXT PRIMARY KEY,
        match_id TEXT NOT NULL REFERENCES range_matches(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        code TEXT NOT NULL,
        name TEXT NOT NULL,
        strings_per_stage INTEGER NOT NULL,
        counted_strings INTEGER NOT NULL,
        timer_id TEXT,
        -- [{plate_id, role: primary|stop, sensor_id, label}]
        targets TEXT NOT NULL DEFAULT '[]'
      );
      CREATE INDEX range_stages_match ON range_stages(match_id, position);

      CREATE TABLE range_shooters (
        id TEXT PRIMARY KEY,
        match_id TEXT NOT NULL REFERENCES range_matches(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        division TEXT NOT NULL,
        class TEXT NOT NULL,
        categories TEXT NOT NULL DEFAULT '[]',
        squad TEXT,
        squad_position INTEGER,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX range_shooters_match ON range_shooters(match_id);

      -- Which match, stage, squad and shooter a timer serves.
      CREATE TABLE range_stations (
        timer_id TEXT PRIMARY KEY,
        match_id TEXT,
        stage_id TEXT,
        squad TEXT,
        shooter_id TEXT,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE range_runs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        match_id TEXT,
        stage_id TEXT,
        shooter_id TEXT,
        string_number INTEGER,
        timer_id TEXT,
        timer_string INTEGER,
        -- running → closed; review/approved/void are folded from the score log
        state TEXT NOT NULL CHECK (state IN ('running', 'closed')),
        opened_by TEXT NOT NULL,
        closed_by TEXT,
        -- Start signal: the start frame's receive time (device clock) and the console's.
        start_ms INTEGER,
        start_received_ms INTEGER,
        start_event_id INTEGER,
        stop_ms INTEGER,
        stop_event_id INTEGER,
        timer_final_ms INTEGER,
        timer_total_shots INTEGER,
        flags TEXT NOT NULL DEFAULT '[]',
        -- The scored string at close (JSON, written once; changes go to range_score_log).
        base TEXT,
        created_at INTEGER NOT NULL,
        closed_at INTEGER
      );
      CREATE INDEX range_runs_timer ON range_runs(timer_id, seq);
      CREATE INDEX range_runs_match ON range_runs(match_id, stage_id, shooter_id);
      CREATE INDEX range_runs_state ON range_runs(state);
      CREATE TRIGGER range_runs_base_once BEFORE UPDATE OF base ON range_runs
        WHEN OLD.base IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'a run''s base record is written once; changes go to the score log'); END;

      -- The timer's raw shots, as it reported them.
      CREATE TABLE range_shots (
        run_id TEXT NOT NULL,
        shot_number INTEGER NOT NULL,
        time_ms INTEGER NOT NULL,
        split_ms INTEGER,
        wall_ms INTEGER NOT NULL,
        event_id INTEGER,
        raw_hex TEXT,
        received_ms INTEGER NOT NULL,
        PRIMARY KEY (run_id, shot_number)
      ) WITHOUT ROWID;

      CREATE TABLE range_impacts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        sensor_id TEXT NOT NULL,
        plate_id TEXT,
        run_id TEXT,
        source TEXT NOT NULL CHECK (source IN ('console', 'bridge')),
        onset_ms INTEGER NOT NULL,
        peak REAL,
        duration_ms INTEGER,
        duration_samples INTEGER,
        counted INTEGER NOT NULL DEFAULT 1,
        event_id INTEGER,
        received_ms INTEGER NOT NULL,
        UNIQUE (source, sensor_id, onset_ms)
      );
      CREATE INDEX range_impacts_run ON range_impacts(run_id);
      CREATE INDEX range_impacts_onset ON range_impacts(onset_ms);

      -- Shot ↔ impact pairs as the run last showed them (derived; frozen once approved).
      CREATE TABLE range_correlations (
        run_id TEXT NOT NULL,
        shot_number INTEGER NOT NULL,
        impact_id INTEGER NOT NULL,
        delay_ms INTEGER NOT NULL,
        expected_ms REAL NOT NULL,
        PRIMARY KEY (run_id, shot_number)
      ) WITHOUT ROWID;

      -- Append-only: score changes, approvals and assignment corrections, in decision order.
      CREATE TABLE range_score_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('change', 'approval', 'assign')),
        field TEXT,
        old TEXT,
        new TEXT,
        reason TEXT,
        who TEXT NOT NULL,
        role TEXT NOT NULL,
        at INTEGER NOT NULL,
        note TEXT,
        event_id INTEGER
      );
      CREATE INDEX range_score_log_run ON range_score_log(run_id, id);
      CREATE TRIGGER range_score_log_no_update BEFORE UPDATE ON range_score_log
        BEGIN SELECT RAISE(ABORT, 'the score log is append-only'); END;
      CREATE TRIGGER range_score_log_no_delete BEFORE DELETE ON range_score_log
        BEGIN SELECT RAISE(ABORT, 'the score log is append-only'); END;

      -- Per-sensor detector settings, stored calibration and learnt shot → impact delay.
      CREATE TABLE range_sensors (
        sensor_id TEXT PRIMARY KEY,
        settings TEXT NOT NULL DEFAULT '{}',
        baseline TEXT,
        noise TEXT,
        calibrated_at INTEGER,
        expected_delay_ms REAL
      );

      CREATE TABLE range_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `,
  },
];
