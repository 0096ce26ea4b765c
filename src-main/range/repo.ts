/**
 * SQLite access for range operations: prepared statements and row ↔ object mapping. No rules
 * here; the services decide, this reads and writes.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../store/db';
import type { Division, ShooterClass } from '../../src-shared/range/scoring';
import type { ScoredValues, TargetRow } from '../../src-shared/contract/range';

export interface MatchRec {
  id: string;
  name: string;
  date: string | null;
  created_at: number;
}

export interface StageRec {
  id: string;
  match_id: string;
  position: number;
  code: string;
  name: string;
  strings_per_stage: number;
  counted_strings: number;
  timer_id: string | null;
  targets: TargetRow[];
}

export interface ShooterRec {
  id: string;
  match_id: string;
  name: string;
  division: Division;
  class: ShooterClass;
  categories: string[];
  squad: string | null;
  squad_position: number | null;
  created_at: number;
}

export interface StationRec {
  timer_id: string;
  match_id: string | null;
  stage_id: string | null;
  squad: string | null;
  shooter_id: string | null;
  updated_at: number;
}

export type OpenedBy = 'timer' | 'timer-implicit' | 'ro';
export type ClosedBy = 'timer' | 'ro' | 'superseded';

export interface RunRec {
  seq: number;
  id: string;
  match_id: string | null;
  stage_id: string | null;
  shooter_id: string | null;
  string_number: number | null;
  timer_id: string | null;
  timer_string: number | null;
  state: 'running' | 'closed';
  opened_by: OpenedBy;
  closed_by: ClosedBy | null;
  start_ms: number | null;
  start_received_ms: number | null;
  start_event_id: number | null;
  stop_ms: number | null;
  stop_event_id: number | null;
  timer_final_ms: number | null;
  timer_total_shots: number | null;
  flags: string[];
  base: ScoredValues | null;
  created_at: number;
  closed_at: number | null;
}

export interface ShotRec {
  run_id: string;
  shot_number: number;
  time_ms: number;
  split_ms: number | null;
  wall_ms: number;
  event_id: number | null;
  raw_hex: string | null;
  received_ms: number;
}

export interface ImpactRec {
  id: number;
  sensor_id: string;
  plate_id: string | null;
  run_id: string | null;
  source: 'console' | 'bridge';
  onset_ms: number;
  peak: number | null;
  duration_ms: number | null;
  duration_samples: number | null;
  counted: boolean;
  event_id: number | null;
  received_ms: number;
}

export interface CorrelationRec {
  run_id: string;
  shot_number: number;
  impact_id: number;
  delay_ms: number;
  expected_ms: number;
}

export interface LogRec {
  id: number;
  run_id: string;
  kind: 'change' | 'approval' | 'assign';
  field: string | null;
  old: unknown;
  new: unknown;
  reason: string | null;
  who: string;
  role: string;
  at: number;
  note: string | null;
  event_id: number | null;
}

export interface SensorRec {
  sensor_id: string;
  settings: Record<string, unknown>;
  baseline: { x: number; y: number; z: number } | null;
  noise: { x: number; y: number; z: number } | null;
  calibrated_at: number | null;
  expected_delay_ms: number | null;
}

/** A short random id with a prefix: `m-k3v9x2qa`. */
export function newId(prefix: string): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  let s = '';
  for (const b of randomBytes(8)) s += alphabet[b % 36];
  return `${prefix}-${s}`;
}

function json<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

type Row = Record<string, unknown>;

/** A `get` result through its row mapper; undefined when no row matched. */
function mapRow<T>(r: unknown, map: (r: Row) => T): T | undefined {
  return r ? map(r as Row) : undefined;
}

// The list columns are stored as JSON text; insert and update bind the same named parameters.
const stageParams = (s: StageRec) => ({ ...s, targets: JSON.stringify(s.targets) });
const shooterParams = (s: ShooterRec) => ({ ...s, categories: JSON.stringify(s.categories) });

function stageOf(r: Row): StageRec {
  return {
    id: r.id as string,
    match_id: r.match_id as string,
    position: r.position as number,
    code: r.code as string,
    name: r.name as string,
    strings_per_stage: r.strings_per_stage as number,
    counted_strings: r.counted_strings as number,
    timer_id: (r.timer_id as string | null) ?? null,
    targets: json<TargetRow[]>(r.targets as string, []),
  };
}

function shooterOf(r: Row): ShooterRec {
  return {
    id: r.id as string,
    match_id: r.match_id as string,
    name: r.name as string,
    division: r.division as Division,
    class: r.class as ShooterClass,
    categories: json<string[]>(r.categories as string, []),
    squad: (r.squad as string | null) ?? null,
    squad_position: (r.squad_position as number | null) ?? null,
    created_at: r.created_at as number,
  };
}

function runOf(r: Row): RunRec {
  return {
    seq: r.seq as number,
    id: r.id as string,
    match_id: (r.match_id as string | null) ?? null,
    stage_id: (r.stage_id as string | null) ?? null,
    shooter_id: (r.shooter_id as string | null) ?? null,
    string_number: (r.string_number as number | null) ?? null,
    timer_id: (r.timer_id as string | null) ?? null,
    timer_string: (r.timer_string as number | null) ?? null,
    state: r.state as RunRec['state'],
    opened_by: r.opened_by as OpenedBy,
    closed_by: (r.closed_by as ClosedBy | null) ?? null,
    start_ms: (r.start_ms as number | null) ?? null,
    start_received_ms: (r.start_received_ms as number | null) ?? null,
    start_event_id: (r.start_event_id as number | null) ?? null,
    stop_ms: (r.stop_ms as number | null) ?? null,
    stop_event_id: (r.stop_event_id as number | null) ?? null,
    timer_final_ms: (r.timer_final_ms as number | null) ?? null,
    timer_total_shots: (r.timer_total_shots as number | null) ?? null,
    flags: json<string[]>(r.flags as string, []),
    base: json<ScoredValues | null>((r.base as string | null) ?? null, null),
    created_at: r.created_at as number,
    closed_at: (r.closed_at as number | null) ?? null,
  };
}

function impactOf(r: Row): ImpactRec {
  return {
    id: r.id as number,
    sensor_id: r.sensor_id as string,
    plate_id: (r.plate_id as string | null) ?? null,
    run_id: (r.run_id as string | null) ?? null,
    source: r.source as ImpactRec['source'],
    onset_ms: r.onset_ms as number,
    peak: (r.peak as number | null) ?? null,
    duration_ms: (r.duration_ms as number | null) ?? null,
    duration_samples: (r.duration_samples as number | null) ?? null,
    counted: r.counted === 1,
    event_id: (r.event_id as number | null) ?? null,
    received_ms: r.received_ms as number,
  };
}

function logOf(r: Row): LogRec {
  return {
    id: r.id as number,
    run_id: r.run_id as string,
    kind: r.kind as LogRec['kind'],
    field: (r.field as string | null) ?? null,
    old: json<unknown>((r.old as string | null) ?? null, null),
    new: json<unknown>((r.new as string | null) ?? null, null),
    reason: (r.reason as string | null) ?? null,
    who: r.who as string,
    role: r.role as string,
    at: r.at as number,
    note: (r.note as string | null) ?? null,
    event_id: (r.event_id as number | null) ?? null,
  };
}

export class RangeRepo {
  private readonly s;

  constructor(readonly db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      matches: p('SELECT * FROM range_matches ORDER BY created_at DESC, id'),
      match: p('SELECT * FROM range_matches WHERE id = ?'),
      matchCounts: p(
        `SELECT (SELECT COUNT(*) FROM range_stages WHERE match_id = @id) AS stages,
                (SELECT COUNT(*) FROM range_shooters WHERE match_id = @id) AS shooters,
                (SELECT COUNT(*) FROM range_runs WHERE match_id = @id) AS runs`,
      ),
      insertMatch: p('INSERT INTO range_matches (id, name, date, created_at) VALUES (?, ?, ?, ?)'),
      updateMatch: p('UPDATE range_matches SET name = ?, date = ? WHERE id = ?'),
      deleteMatch: p('DELETE FROM range_matches WHERE id = ?'),
      stages: p('SELECT * FROM range_stages WHERE match_id = ? ORDER BY position, id'),
      stage: p('SELECT * FROM range_stages WHERE id = ?'),
      stagesBySensor: p(
        "SELECT s.* FROM range_stages s, json_each(s.targets) t WHERE json_extract(t.value, '$.sensor_id') = ?",
      ),
      maxStagePos: p('SELECT COALESCE(MAX(position), -1) AS p FROM range_stages WHERE match_id = ?'),
      insertStage: p(
        `INSERT INTO range_stages (id, match_id, position, code, name, strings_per_stage, counted_strings, timer_id, targets)
         VALUES (@id, @match_id, @position, @code, @name, @strings_per_stage, @counted_strings, @timer_id, @targets)`,
      ),
      updateStage: p(
        `UPDATE range_stages SET position = @position, code = @code, name = @name, strings_per_stage = @strings_per_stage,
           counted_strings = @counted_strings, timer_id = @timer_id, targets = @targets WHERE id = @id`,
      ),
      deleteStage: p('DELETE FROM range_stages WHERE id = ?'),
      shooters: p(
        'SELECT * FROM range_shooters WHERE match_id = ? ORDER BY squad IS NULL, squad, squad_position IS NULL, squad_position, name, id',
      ),
      shooter: p('SELECT * FROM range_shooters WHERE id = ?'),
      insertShooter: p(
        `INSERT INTO range_shooters (id, match_id, name, division, class, categories, squad, squad_position, created_at)
         VALUES (@id, @match_id, @name, @division, @class, @categories, @squad, @squad_position, @created_at)`,
      ),
      updateShooter: p(
        `UPDATE range_shooters SET name = @name, division = @division, class = @class, categories = @categories,
           squad = @squad, squad_position = @squad_position WHERE id = @id`,
      ),
      deleteShooter: p('DELETE FROM range_shooters WHERE id = ?'),
      stations: p('SELECT * FROM range_stations ORDER BY timer_id'),
      station: p('SELECT * FROM range_stations WHERE timer_id = ?'),
      upsertStation: p(
        `INSERT INTO range_stations (timer_id, match_id, stage_id, squad, shooter_id, updated_at)
         VALUES (@timer_id, @match_id, @stage_id, @squad, @shooter_id, @updated_at)
         ON CONFLICT(timer_id) DO UPDATE SET match_id = excluded.match_id, stage_id = excluded.stage_id,
           squad = excluded.squad, shooter_id = excluded.shooter_id, updated_at = excluded.updated_at`,
      ),
      nextRunSeq: p('SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM range_runs'),
      insertRun: p(
        `INSERT INTO range_runs (seq, id, match_id, stage_id, shooter_id, string_number, timer_id, timer_string, state,
           opened_by, start_ms, start_received_ms, start_event_id, flags, created_at)
         VALUES (@seq, @id, @match_id, @stage_id, @shooter_id, @string_number, @timer_id, @timer_string, 'running',
           @opened_by, @start_ms, @start_received_ms, @start_event_id, @flags, @created_at)`,
      ),
      closeRun: p(
        `UPDATE range_runs SET state = 'closed', closed_by = @closed_by, stop_ms = @stop_ms, stop_event_id = @stop_event_id,
           timer_final_ms = @timer_final_ms, timer_total_shots = @timer_total_shots, flags = @flags, base = @base,
           closed_at = @closed_at WHERE id = @id AND state = 'running'`,
      ),
      setRunFlags: p('UPDATE range_runs SET flags = ? WHERE id = ?'),
      assignRun: p(
        'UPDATE range_runs SET match_id = @match_id, stage_id = @stage_id, shooter_id = @shooter_id, string_number = @string_number WHERE id = @id',
      ),
      run: p('SELECT * FROM range_runs WHERE id = ?'),
      runningOnTimer: p(
        "SELECT * FROM range_runs WHERE timer_id = ? AND state = 'running' ORDER BY seq DESC",
      ),
      lastOnTimer: p('SELECT * FROM range_runs WHERE timer_id = ? ORDER BY seq DESC LIMIT 1'),
      running: p("SELECT * FROM range_runs WHERE state = 'running' ORDER BY seq"),
      recentClosed: p("SELECT * FROM range_runs WHERE state = 'closed' AND stop_ms >= ? ORDER BY seq"),
      runsOfMatch: p('SELECT * FROM range_runs WHERE match_id = ? ORDER BY seq'),
      runsOfStage: p('SELECT * FROM range_runs WHERE stage_id = ? ORDER BY seq'),
      runCount: p('SELECT COUNT(*) AS n FROM range_runs'),
      runCountOpen: p("SELECT COUNT(*) AS n FROM range_runs WHERE state = 'running'"),
      shots: p('SELECT * FROM range_shots WHERE run_id = ? ORDER BY shot_number'),
      shotsOfMatch: p(
        'SELECT s.* FROM range_shots s JOIN range_runs r ON r.id = s.run_id WHERE r.match_id = ? ORDER BY r.seq, s.shot_number',
      ),
      insertShot: p(
        `INSERT OR IGNORE INTO range_shots (run_id, shot_number, time_ms, split_ms, wall_ms, event_id, raw_hex, received_ms)
         VALUES (@run_id, @shot_number, @time_ms, @split_ms, @wall_ms, @event_id, @raw_hex, @received_ms)`,
      ),
      shotCount: p('SELECT COUNT(*) AS n, MAX(time_ms) AS last FROM range_shots WHERE run_id = ?'),
      lastShotReceived: p('SELECT MAX(received_ms) AS t FROM range_shots WHERE run_id = ?'),
      impactsOfRun: p('SELECT * FROM range_impacts WHERE run_id = ? ORDER BY onset_ms, id'),
      impactsOfMatch: p(
        'SELECT i.* FROM range_impacts i JOIN range_runs r ON r.id = i.run_id WHERE r.match_id = ? ORDER BY r.seq, i.onset_ms, i.id',
      ),
      insertImpact: p(
        `INSERT OR IGNORE INTO range_impacts (sensor_id, plate_id, run_id, source, onset_ms, peak, duration_ms, duration_samples,
           counted, event_id, received_ms)
         VALUES (@sensor_id, @plate_id, @run_id, @source, @onset_ms, @peak, @duration_ms, @duration_samples, @counted, @event_id,
           @received_ms)`,
      ),
      impactNear: p(
        'SELECT * FROM range_impacts WHERE sensor_id = ? AND source = ? AND counted = 1 AND onset_ms BETWEEN ? AND ?',
      ),
      uncount: p('UPDATE range_impacts SET counted = 0 WHERE id = ?'),
      setImpactEvent: p('UPDATE range_impacts SET event_id = ? WHERE id = ?'),
      correlations: p('SELECT * FROM range_correlations WHERE run_id = ? ORDER BY shot_number'),
      correlationsOfMatch: p(
        'SELECT c.* FROM range_correlations c JOIN range_runs r ON r.id = c.run_id WHERE r.match_id = ?',
      ),
      clearCorrelations: p('DELETE FROM range_correlations WHERE run_id = ?'),
      insertCorrelation: p(
        'INSERT INTO range_correlations (run_id, shot_number, impact_id, delay_ms, expected_ms) VALUES (?, ?, ?, ?, ?)',
      ),
      log: p('SELECT * FROM range_score_log WHERE run_id = ? ORDER BY id'),
      logOfMatch: p(
        'SELECT l.* FROM range_score_log l JOIN range_runs r ON r.id = l.run_id WHERE r.match_id = ? ORDER BY l.id',
      ),
      logRecent: p('SELECT * FROM range_score_log ORDER BY id DESC LIMIT ?'),
      logRecentOfMatch: p(
        'SELECT l.* FROM range_score_log l JOIN range_runs r ON r.id = l.run_id WHERE r.match_id = ? ORDER BY l.id DESC LIMIT ?',
      ),
      insertLog: p(
        `INSERT INTO range_score_log (run_id, kind, field, old, new, reason, who, role, at, note, event_id)
         VALUES (@run_id, @kind, @field, @old, @new, @reason, @who, @role, @at, @note, @event_id)`,
      ),
      sensors: p('SELECT * FROM range_sensors ORDER BY sensor_id'),
      sensor: p('SELECT * FROM range_sensors WHERE sensor_id = ?'),
      upsertSensor: p(
        `INSERT INTO range_sensors (sensor_id, settings, baseline, noise, calibrated_at, expected_delay_ms)
         VALUES (@sensor_id, @settings, @baseline, @noise, @calibrated_at, @expected_delay_ms)
         ON CONFLICT(sensor_id) DO UPDATE SET settings = excluded.settings, baseline = excluded.baseline,
           noise = excluded.noise, calibrated_at = excluded.calibrated_at, expected_delay_ms = excluded.expected_delay_ms`,
      ),
      getState: p('SELECT value FROM range_state WHERE key = ?'),
      setState: p(
        'INSERT INTO range_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
    };
  }

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // Matches
  matches(): MatchRec[] {
    return this.s.matches.all() as MatchRec[];
  }
  match(id: string): MatchRec | undefined {
    return this.s.match.get(id) as MatchRec | undefined;
  }
  matchCounts(id: string): { stages: number; shooters: number; runs: number } {
    return this.s.matchCounts.get({ id }) as { stages: number; shooters: number; runs: number };
  }
  insertMatch(m: MatchRec): void {
    this.s.insertMatch.run(m.id, m.name, m.date, m.created_at);
  }
  updateMatch(id: string, name: string, date: string | null): void {
    this.s.updateMatch.run(name, date, id);
  }
  deleteMatch(id: string): void {
    this.s.deleteMatch.run(id);
  }

  // Stages
  stages(matchId: string): StageRec[] {
    return (this.s.stages.all(matchId) as Row[]).map(stageOf);
  }
  stage(id: string): StageRec | undefined {
    return mapRow(this.s.stage.get(id), stageOf);
  }
  stagesWithSensor(sensorId: string): StageRec[] {
    return (this.s.stagesBySensor.all(sensorId) as Row[]).map(stageOf);
  }
  nextStagePosition(matchId: string): number {
    return (this.s.maxStagePos.get(matchId) as { p: number }).p + 1;
  }
  insertStage(s: StageRec): void {
    this.s.insertStage.run(stageParams(s));
  }
  updateStage(s: StageRec): void {
    this.s.updateStage.run(stageParams(s));
  }
  deleteStage(id: string): void {
    this.s.deleteStage.run(id);
  }

  // Shooters
  shooters(matchId: string): ShooterRec[] {
    return (this.s.shooters.all(matchId) as Row[]).map(shooterOf);
  }
  shooter(id: string): ShooterRec | undefined {
    return mapRow(this.s.shooter.get(id), shooterOf);
  }
  insertShooter(s: ShooterRec): void {
    this.s.insertShooter.run(shooterParams(s));
  }
  updateShooter(s: ShooterRec): void {
    this.s.updateShooter.run(shooterParams(s));
  }
  deleteShooter(id: string): void {
    this.s.deleteShooter.run(id);
  }

  // Stations
  stations(): StationRec[] {
    return this.s.stations.all() as StationRec[];
  }
  station(timerId: string): StationRec | undefined {
    return this.s.station.get(timerId) as StationRec | undefined;
  }
  upsertStation(s: StationRec): void {
    this.s.upsertStation.run(s);
  }

  // Runs
  nextRunSeq(): number {
    return (this.s.nextRunSeq.get() as { n: number }).n;
  }
  insertRun(
    r: Omit<
      RunRec,
      | 'state'
      | 'closed_by'
      | 'stop_ms'
      | 'stop_event_id'
      | 'timer_final_ms'
      | 'timer_total_shots'
      | 'base'
      | 'closed_at'
    >,
  ): void {
    this.s.insertRun.run({ ...r, flags: JSON.stringify(r.flags) });
  }
  closeRun(r: {
    id: string;
    closed_by: ClosedBy;
    stop_ms: number | null;
    stop_event_id: number | null;
    timer_final_ms: number | null;
    timer_total_shots: number | null;
    flags: string[];
    base: ScoredValues;
    closed_at: number;
  }): boolean {
    return (
      this.s.closeRun.run({ ...r, flags: JSON.stringify(r.flags), base: JSON.stringify(r.base) }).changes ===
      1
    );
  }
  setRunFlags(id: string, flags: string[]): void {
    this.s.setRunFlags.run(JSON.stringify(flags), id);
  }
  assignRun(r: {
    id: string;
    match_id: string | null;
    stage_id: string | null;
    shooter_id: string | null;
    string_number: number | null;
  }): void {
    this.s.assignRun.run(r);
  }
  run(id: string): RunRec | undefined {
    return mapRow(this.s.run.get(id), runOf);
  }
  runningOnTimer(timerId: string): RunRec[] {
    return (this.s.runningOnTimer.all(timerId) as Row[]).map(runOf);
  }
  lastOnTimer(timerId: string): RunRec | undefined {
    return mapRow(this.s.lastOnTimer.get(timerId), runOf);
  }
  running(): RunRec[] {
    return (this.s.running.all() as Row[]).map(runOf);
  }
  closedSince(stopMs: number): RunRec[] {
    return (this.s.recentClosed.all(stopMs) as Row[]).map(runOf);
  }
  runsOfMatch(matchId: string): RunRec[] {
    return (this.s.runsOfMatch.all(matchId) as Row[]).map(runOf);
  }
  runsOfStage(stageId: string): RunRec[] {
    return (this.s.runsOfStage.all(stageId) as Row[]).map(runOf);
  }
  listRuns(q: {
    match_id?: string;
    stage_id?: string;
    shooter_id?: string;
    timer_id?: string;
    limit: number;
  }): RunRec[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    for (const k of ['match_id', 'stage_id', 'shooter_id', 'timer_id'] as const) {
      const v = q[k];
      if (v !== undefined) {
        where.push(`${k} = ?`);
        args.push(v);
      }
    }
    const sql = `SELECT * FROM range_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, q.limit) as Row[]).map(runOf);
  }
  runCount(): number {
    return (this.s.runCount.get() as { n: number }).n;
  }
  runningCount(): number {
    return (this.s.runCountOpen.get() as { n: number }).n;
  }

  // Shots
  shots(runId: string): ShotRec[] {
    return this.s.shots.all(runId) as ShotRec[];
  }
  shotsOfMatch(matchId: string): ShotRec[] {
    return this.s.shotsOfMatch.all(matchId) as ShotRec[];
  }
  insertShot(s: ShotRec): boolean {
    return this.s.insertShot.run(s).changes === 1;
  }
  shotStats(runId: string): { n: number; last: number | null } {
    return this.s.shotCount.get(runId) as { n: number; last: number | null };
  }
  lastShotReceived(runId: string): number | null {
    return (this.s.lastShotReceived.get(runId) as { t: number | null }).t;
  }

  // Impacts
  impactsOfRun(runId: string): ImpactRec[] {
    return (this.s.impactsOfRun.all(runId) as Row[]).map(impactOf);
  }
  impactsOfMatch(matchId: string): ImpactRec[] {
    return (this.s.impactsOfMatch.all(matchId) as Row[]).map(impactOf);
  }
  /** Inserts unless the same (source, sensor, onset) is known; returns the new id or null. */
  insertImpact(i: Omit<ImpactRec, 'id'>): number | null {
    const info = this.s.insertImpact.run({ ...i, counted: i.counted ? 1 : 0 });
    return info.changes === 1 ? Number(info.lastInsertRowid) : null;
  }
  countedNear(sensorId: string, source: 'console' | 'bridge', from: number, to: number): ImpactRec[] {
    return (this.s.impactNear.all(sensorId, source, from, to) as Row[]).map(impactOf);
  }
  uncount(id: number): void {
    this.s.uncount.run(id);
  }
  setImpactEvent(id: number, eventId: number): void {
    this.s.setImpactEvent.run(eventId, id);
  }

  // Correlations
  correlations(runId: string): CorrelationRec[] {
    return this.s.correlations.all(runId) as CorrelationRec[];
  }
  correlationsOfMatch(matchId: string): CorrelationRec[] {
    return this.s.correlationsOfMatch.all(matchId) as CorrelationRec[];
  }
  replaceCorrelations(runId: string, pairs: Omit<CorrelationRec, 'run_id'>[]): void {
    this.s.clearCorrelations.run(runId);
    for (const p of pairs)
      this.s.insertCorrelation.run(runId, p.shot_number, p.impact_id, p.delay_ms, p.expected_ms);
  }

  // Score log
  log(runId: string): LogRec[] {
    return (this.s.log.all(runId) as Row[]).map(logOf);
  }
  logOfMatch(matchId: string): LogRec[] {
    return (this.s.logOfMatch.all(matchId) as Row[]).map(logOf);
  }
  logRecent(limit: number, matchId?: string): LogRec[] {
    const rows = matchId ? this.s.logRecentOfMatch.all(matchId, limit) : this.s.logRecent.all(limit);
    return (rows as Row[]).map(logOf);
  }
  insertLog(l: Omit<LogRec, 'id'>): number {
    return Number(
      this.s.insertLog.run({
        ...l,
        old: l.old === undefined ? null : JSON.stringify(l.old),
        new: l.new === undefined ? null : JSON.stringify(l.new),
      }).lastInsertRowid,
    );
  }

  // Sensors
  sensors(): SensorRec[] {
    return (this.s.sensors.all() as Row[]).map((r) => ({
      sensor_id: r.sensor_id as string,
      settings: json<Record<string, unknown>>(r.settings as string, {}),
      baseline: json((r.baseline as string | null) ?? null, null),
      noise: json((r.noise as string | null) ?? null, null),
      calibrated_at: (r.calibrated_at as number | null) ?? null,
      expected_delay_ms: (r.expected_delay_ms as number | null) ?? null,
    }));
  }
  upsertSensor(s: SensorRec): void {
    this.s.upsertSensor.run({
      sensor_id: s.sensor_id,
      settings: JSON.stringify(s.settings),
      baseline: s.baseline ? JSON.stringify(s.baseline) : null,
      noise: s.noise ? JSON.stringify(s.noise) : null,
      calibrated_at: s.calibrated_at,
      expected_delay_ms: s.expected_delay_ms,
    });
  }

  // Cursor and other state
  getState(key: string): string | null {
    return (this.s.getState.get(key) as { value: string } | undefined)?.value ?? null;
  }
  setState(key: string, value: string): void {
    this.s.setState.run(key, value);
  }
}
