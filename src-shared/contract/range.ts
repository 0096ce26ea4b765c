/**
 * The range capability's part of the contract (issue 3): match setup (matches, stages with their
 * targets, shooters and squads, roster CSV), stations (which stage and squad a timer serves), runs
 * (one string of one shooter on one stage), scoring with an audit trail, results, CSV exports and
 * the per-sensor impact detectors. Request schemas here; handlers in src-main/range.
 */
import { z } from 'zod';
import { DEVICE_ID_PATTERN } from '../ids';
import {
  CHANGE_REASONS,
  CLASSES,
  CLASSIFIER_CODES,
  DIVISIONS,
  ROLES,
  SCORE_FIELDS,
  type ChangeReason,
  type Division,
  type Role,
  type ScoreField,
  type ShooterClass,
  type StageStatus,
  type StringStatus,
} from '../range/scoring';

// ---------------------------------------------------------------------------------------------
// Building blocks

export const rangeId = z.string().regex(DEVICE_ID_PATTERN, 'expected an id ([A-Za-z0-9._:-]{1,64})');
const name = z.string().trim().min(1).max(120);
const optText = z.string().trim().max(500).optional();
const who = z.string().trim().min(1).max(80);
const category = z.string().trim().min(1).max(40);
const squad = z.string().trim().min(1).max(40);

export const TARGET_ROLES = ['primary', 'stop'] as const;
export type TargetRole = (typeof TARGET_ROLES)[number];

export const targetSchema = z
  .object({
    plate_id: rangeId,
    role: z.enum(TARGET_ROLES),
    /** The impact sensor mounted on this plate (sensor ↔ plate assignment). */
    sensor_id: rangeId.nullable().optional(),
    label: z.string().trim().max(40).optional(),
  })
  .strict();
export type TargetInput = z.infer<typeof targetSchema>;

const targetsSchema = z
  .array(targetSchema)
  .max(32)
  .refine((t) => new Set(t.map((x) => x.plate_id)).size === t.length, 'plate ids must be unique')
  .refine((t) => t.filter((x) => x.role === 'stop').length <= 1, 'at most one stop plate');

export const EXPORT_NAMES = ['results', 'strings', 'shots', 'impacts', 'roster'] as const;
export type ExportName = (typeof EXPORT_NAMES)[number];

const limit = z.number().int().min(1).max(10_000).optional();

// ---------------------------------------------------------------------------------------------
// Request schemas

export const rangeCommandSchemas = {
  // Matches
  'match.list': z.object({}).strict().optional(),
  'match.get': z.object({ match_id: rangeId }).strict(),
  'match.create': z
    .object({
      name,
      date: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, 'date must be YYYY-MM-DD')
        .optional(),
      /** Classifier stages to add (SC-101…SC-108, in the given order). */
      classifier_stages: z.array(z.enum(CLASSIFIER_CODES)).max(8).optional(),
      /** Timer assigned to every stage created here. */
      timer_id: rangeId.optional(),
    })
    .strict(),
  'match.update': z
    .object({
      match_id: rangeId,
      name: name.optional(),
      date: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, 'date must be YYYY-MM-DD')
        .nullable()
        .optional(),
    })
    .strict(),
  'match.delete': z.object({ match_id: rangeId }).strict(),
  /** Creates the match the simulator's `range` scenario shoots (squad, 8 classifier stages, sensors). */
  'match.demo': z.object({ timer_id: rangeId.optional() }).strict().optional(),

  // Stages
  'stage.create': z
    .object({
      match_id: rangeId,
      preset: z.enum(CLASSIFIER_CODES).optional(),
      code: z.string().trim().min(1).max(20).optional(),
      name: name.optional(),
      strings_per_stage: z.number().int().min(1).max(20).optional(),
      counted_strings: z.number().int().min(1).max(20).optional(),
      timer_id: rangeId.nullable().optional(),
      targets: targetsSchema.optional(),
    })
    .strict(),
  'stage.update': z
    .object({
      stage_id: rangeId,
      code: z.string().trim().min(1).max(20).optional(),
      name: name.optional(),
      strings_per_stage: z.number().int().min(1).max(20).optional(),
      counted_strings: z.number().int().min(1).max(20).optional(),
      timer_id: rangeId.nullable().optional(),
      targets: targetsSchema.optional(),
      position: z.number().int().min(0).max(1000).optional(),
    })
    .strict(),
  'stage.delete': z.object({ stage_id: rangeId }).strict(),

  // Shooters
  'shooter.create': z
    .object({
      match_id: rangeId,
      name,
      division: z.enum(DIVISIONS),
      class: z.enum(CLASSES),
      categories: z.array(category).max(10).optional(),
      squad: squad.nullable().optional(),
      squad_position: z.number().int().min(0).max(10_000).nullable().optional(),
    })
    .strict(),
  'shooter.update': z
    .object({
      shooter_id: rangeId,
      name: name.optional(),
      division: z.enum(DIVISIONS).optional(),
      class: z.enum(CLASSES).optional(),
      categories: z.array(category).max(10).optional(),
      squad: squad.nullable().optional(),
      squad_position: z.number().int().min(0).max(10_000).nullable().optional(),
    })
    .strict(),
  'shooter.delete': z.object({ shooter_id: rangeId }).strict(),
  /**
   * Roster CSV (header row: name, division, class, categories, squad, squad_position; categories
   * separated by `;`). Any invalid row → nothing is imported and every row error is returned,
   * unless `partial` (then the valid rows are imported and the errors still returned).
   */
  'shooter.import': z
    .object({ match_id: rangeId, csv: z.string().max(500_000), partial: z.boolean().optional() })
    .strict(),

  // Stations: which match, stage, squad and shooter a timer serves right now
  'station.list': z.object({}).strict().optional(),
  'station.set': z
    .object({
      timer_id: rangeId,
      match_id: rangeId.nullable().optional(),
      stage_id: rangeId.nullable().optional(),
      squad: squad.nullable().optional(),
      /** The shooter up now (null: the first in the squad with strings left). */
      shooter_id: rangeId.nullable().optional(),
    })
    .strict(),
  /** What the RO screen shows for one timer: station, stage, current or last run, squad progress. */
  'ro.state': z.object({ timer_id: rangeId }).strict(),

  // Runs
  'run.list': z
    .object({
      match_id: rangeId.optional(),
      stage_id: rangeId.optional(),
      shooter_id: rangeId.optional(),
      timer_id: rangeId.optional(),
      state: z.enum(['running', 'review', 'approved', 'void']).optional(),
      with_shots: z.boolean().optional(),
      limit,
    })
    .strict(),
  'run.get': z.object({ run_id: rangeId }).strict(),
  /** The RO opens a run by hand (no timer start seen, or a timer without live push). */
  'run.start': z.object({ timer_id: rangeId, who: who.optional() }).strict(),
  /** The RO closes a running run. */
  'run.stop': z.object({ run_id: rangeId, who: who.optional() }).strict(),
  'run.assign': z
    .object({
      run_id: rangeId,
      shooter_id: rangeId.nullable().optional(),
      stage_id: rangeId.nullable().optional(),
      string_number: z.number().int().min(1).max(20).optional(),
      who,
      role: z.enum(ROLES).optional(),
      note: optText,
    })
    .strict(),
  /** Sends `COM START` to the timer (through the command service when there is one). */
  'run.remote_start': z.object({ timer_id: rangeId, who: who.optional() }).strict(),

  // Scoring (append-only; every entry is an audited event)
  'score.change': z
    .object({
      run_id: rangeId,
      field: z.enum(SCORE_FIELDS),
      /** The new value; or `delta` for the counting fields (misses, procedurals, creeping, foot_faults). */
      new: z.union([z.number().int().min(0).max(3_600_000), z.boolean(), z.null()]).optional(),
      delta: z.number().int().min(-20).max(20).optional(),
      reason: z.enum(CHANGE_REASONS),
      who,
      role: z.enum(ROLES),
      note: optText,
    })
    .strict()
    .refine((r) => (r.new === undefined) !== (r.delta === undefined), {
      message: 'give exactly one of new or delta',
      path: ['new'],
    }),
  'score.approve': z.object({ run_id: rangeId, who, role: z.enum(ROLES) }).strict(),
  'score.history': z
    .object({ match_id: rangeId.optional(), run_id: rangeId.optional(), limit })
    .strict()
    .optional(),

  // Results and exports
  'results.get': z
    .object({
      match_id: rangeId.optional(),
      stage_id: rangeId.optional(),
      division: z.enum(DIVISIONS).optional(),
      class: z.enum(CLASSES).optional(),
      category: category.optional(),
    })
    .strict(),
  'export.csv': z
    .object({
      name: z.enum(EXPORT_NAMES),
      match_id: rangeId.optional(),
      stage_id: rangeId.optional(),
      division: z.enum(DIVISIONS).optional(),
    })
    .strict(),

  // Detectors (one per sensor)
  'detector.list': z.object({}).strict().optional(),
  'detector.configure': z
    .object({
      sensor_id: rangeId,
      threshold: z.number().positive().max(10_000).optional(),
      debounce_ms: z.number().int().min(0).max(60_000).optional(),
      min_samples: z.number().int().min(1).max(100).optional(),
      max_samples: z.number().int().min(1).max(1000).optional(),
      calibration_samples: z.number().int().min(1).max(10_000).optional(),
    })
    .strict(),
  'detector.calibrate': z.object({ sensor_id: rangeId }).strict(),
} satisfies Record<string, z.ZodType>;

type S = typeof rangeCommandSchemas;
type Req<K extends keyof S> = z.infer<S[K]>;

// ---------------------------------------------------------------------------------------------
// Responses

export interface TargetRow {
  plate_id: string;
  role: TargetRole;
  sensor_id: string | null;
  label: string;
}

export interface MatchRow {
  match_id: string;
  name: string;
  date: string | null;
  created_at: string;
  stages: number;
  shooters: number;
  runs: number;
}

export interface StageRow {
  stage_id: string;
  match_id: string;
  position: number;
  code: string;
  name: string;
  strings_per_stage: number;
  counted_strings: number;
  timer_id: string | null;
  targets: TargetRow[];
}

export interface ShooterRow {
  shooter_id: string;
  match_id: string;
  name: string;
  division: Division;
  class: ShooterClass;
  categories: string[];
  squad: string | null;
  squad_position: number | null;
}

export interface MatchDetail {
  match: MatchRow;
  stages: StageRow[];
  shooters: ShooterRow[];
  /** Squad names in use, sorted. */
  squads: string[];
}

export interface ImportRowError {
  /** 1-based line number in the CSV (the header is line 1). */
  line: number;
  error: string;
}

export interface ImportResult {
  imported: number;
  errors: ImportRowError[];
  /** Rows that were valid (imported unless errors blocked the import). */
  valid: number;
}

/** Who is up on a station and with which string. */
export interface UpNext {
  shooter_id: string;
  name: string;
  division: Division;
  class: ShooterClass;
  string_number: number;
}

export interface TimerInfo {
  timer_id: string;
  name: string | null;
  online: boolean;
  /** The timer takes `COM START` (AMG Commander and compatibles). */
  remote_start: boolean;
  battery: number | null;
}

export interface StationRow {
  timer_id: string;
  match_id: string | null;
  stage_id: string | null;
  squad: string | null;
  /** The shooter the RO put up (or the shooter of the last run). */
  shooter_id: string | null;
  up: UpNext | null;
  next: UpNext | null;
  running_run_id: string | null;
  last_run_id: string | null;
  timer: TimerInfo | null;
}

/** The scored values of a string (the base at close, or the current after the audit log). */
export interface ScoredValues {
  raw_ms: number | null;
  misses: number;
  procedurals: number;
  creeping: number;
  foot_faults: number;
  stop_plate_hit: boolean;
  finished: boolean;
  voided: boolean;
  approved: boolean;
}

export interface RunScore {
  status: StringStatus;
  score_ms: number | null;
  penalties: number;
  penalty_ms: number;
  capped: boolean;
}

export type RunState = 'running' | 'review' | 'approved' | 'void';

export interface RunSummary {
  run_id: string;
  match_id: string | null;
  stage_id: string | null;
  stage_code: string | null;
  stage_name: string | null;
  shooter_id: string | null;
  shooter_name: string | null;
  division: Division | null;
  class: ShooterClass | null;
  string_number: number | null;
  strings_per_stage: number | null;
  timer_id: string | null;
  /** The timer's own string counter. */
  timer_string: number | null;
  state: RunState;
  opened_by: 'timer' | 'timer-implicit' | 'ro';
  closed_by: 'timer' | 'ro' | 'superseded' | null;
  started_at: string | null;
  stopped_at: string | null;
  shot_count: number;
  last_shot_ms: number | null;
  /** The current (audited) values and score; null while running. */
  current: ScoredValues | null;
  score: RunScore | null;
  flags: string[];
  /** With `run.list {with_shots: true}`. */
  shots?: { shot_number: number; time_ms: number; split_ms: number | null }[];
}

export interface RunShot {
  shot_number: number;
  /** The timer's time since the beep, ms. */
  time_ms: number;
  split_ms: number | null;
  /** Start frame's receive time + the timer's time (domain.md §2). */
  wall_at: string;
  raw_hex: string | null;
  impact_id: number | null;
  plate_id: string | null;
  delay_ms: number | null;
  /** No impact correlated: a miss? */
  unmatched: boolean;
  /** This shot's time is the string's accepted time. */
  accepted: boolean;
  /** After the stop plate's impact (an echo?). */
  after_stop_plate: boolean;
}

export interface RunImpact {
  impact_id: number;
  sensor_id: string;
  plate_id: string | null;
  source: 'console' | 'bridge';
  onset_at: string;
  /** Onset since the start signal, ms. */
  t_ms: number | null;
  peak_mm_s: number | null;
  duration_ms: number | null;
  /** False when another source covers this sensor (console detection beats bridge reports). */
  counted: boolean;
  shot_number: number | null;
  delay_ms: number | null;
  /** Counted but no shot correlated: a stray hit? */
  unmatched: boolean;
}

export interface PlateState {
  plate_id: string;
  role: TargetRole;
  label: string;
  sensor_id: string | null;
  hits: number;
  /** First counted impact, ms since the start signal. */
  first_hit_ms: number | null;
  sensor_online: boolean | null;
  /** Where impacts for this plate come from right now. */
  detection: 'console' | 'bridge' | 'none';
}

export interface AuditEntry {
  id: number;
  run_id: string;
  kind: 'change' | 'approval' | 'assign';
  field: ScoreField | 'shooter_id' | 'stage_id' | 'string_number' | null;
  old: number | boolean | string | null;
  new: number | boolean | string | null;
  reason: ChangeReason | null;
  who: string;
  role: Role;
  at: string;
  note: string | null;
  /** Filled when the fold refused it (kept: the log is append-only). */
  rejected: string | null;
  shooter_name?: string | null;
  stage_code?: string | null;
  string_number?: number | null;
}

export interface RunDetail extends RunSummary {
  base: ScoredValues | null;
  shots: RunShot[];
  impacts: RunImpact[];
  plates: PlateState[];
  unmatched_shots: number[];
  unmatched_impacts: number[];
  /** Primary plates with a sensor and no counted impact. */
  plates_not_hit: string[];
  /** Null when the stop plate has no sensor. */
  stop_plate_detected: boolean | null;
  history: AuditEntry[];
  /** Console clock when this was built, and the run's elapsed time then (running clock). */
  server_now: string;
  elapsed_ms: number | null;
}

export interface SquadProgress {
  shooter_id: string;
  name: string;
  division: Division;
  class: ShooterClass;
  squad: string | null;
  done: number;
  of: number;
  /** Stage time so far (counted strings), ms. */
  stage_time_ms: number | null;
  up: boolean;
}

export interface RoState {
  station: StationRow;
  match: MatchRow | null;
  stage: StageRow | null;
  run: RunDetail | null;
  /** The previous run when it still waits for approval while another one runs. */
  pending: RunSummary | null;
  squad: SquadProgress[];
}

export interface StringResult {
  string_number: number;
  run_id: string | null;
  status: StringStatus | 'missing';
  raw_ms: number | null;
  penalties: number;
  score_ms: number;
  counted: boolean;
  approved: boolean;
}

export interface StageResultRow {
  rank: number;
  shooter_id: string;
  name: string;
  division: Division;
  class: ShooterClass;
  categories: string[];
  status: StageStatus;
  time_ms: number | null;
  strings: StringResult[];
}

export interface MatchResultRow {
  rank: number;
  shooter_id: string;
  name: string;
  division: Division;
  class: ShooterClass;
  categories: string[];
  status: 'complete' | 'dnf';
  match_time_ms: number;
  stages_attempted: number;
  stage_wins: number;
  outer_limits_ms: number | null;
  stages: { stage_id: string; rank: number; time_ms: number | null; status: StageStatus; win: boolean }[];
  /** Strings not yet approved by the shooter (the result is provisional while > 0). */
  unapproved: number;
}

export interface ResultsRes {
  match: MatchRow;
  stages: StageRow[];
  filter: { stage_id?: string; division?: Division; class?: ShooterClass; category?: string };
  /** Match ranking per division (only divisions with shooters after the filter). */
  divisions: { division: Division; rows: MatchResultRow[] }[];
  /** With `stage_id`: the stage ranking per division. */
  stage: { stage_id: string; divisions: { division: Division; rows: StageResultRow[] }[] } | null;
}

export interface CsvFile {
  filename: string;
  content_type: 'text/csv; charset=utf-8';
  content: string;
  rows: number;
}

export interface DetectorRow {
  sensor_id: string;
  settings: {
    threshold: number;
    debounce_ms: number;
    min_samples: number;
    max_samples: number;
    calibration_samples: number;
  };
  phase: 'uncalibrated' | 'calibrating' | 'armed' | 'event' | 'holdoff';
  baseline: { x: number; y: number; z: number } | null;
  noise: { x: number; y: number; z: number } | null;
  calibrated_at: string | null;
  calibration_collected: number;
  last_calibration: string | null;
  /** Console (own detection on raw telemetry) or bridge (impacts the bridge reports). */
  mode: 'console' | 'bridge';
  last_sample_at: string | null;
  samples_seen: number;
  impacts: number;
  expected_delay_ms: number;
  /** Plates this sensor is assigned to (stage code/plate). */
  plates: string[];
}

/** Pushed once per tick with the runs and stations that changed. */
export interface RangePush {
  runs: RunDetail[];
  stations: StationRow[];
}

export interface RangeCommandMap {
  'match.list': { req: Req<'match.list'>; res: { matches: MatchRow[] } };
  'match.get': { req: Req<'match.get'>; res: MatchDetail };
  'match.create': { req: Req<'match.create'>; res: MatchDetail };
  'match.update': { req: Req<'match.update'>; res: MatchDetail };
  'match.delete': { req: Req<'match.delete'>; res: { deleted: true } };
  'match.demo': { req: Req<'match.demo'>; res: MatchDetail };
  'stage.create': { req: Req<'stage.create'>; res: StageRow };
  'stage.update': { req: Req<'stage.update'>; res: StageRow };
  'stage.delete': { req: Req<'stage.delete'>; res: { deleted: true } };
  'shooter.create': { req: Req<'shooter.create'>; res: ShooterRow };
  'shooter.update': { req: Req<'shooter.update'>; res: ShooterRow };
  'shooter.delete': { req: Req<'shooter.delete'>; res: { deleted: true } };
  'shooter.import': { req: Req<'shooter.import'>; res: ImportResult };
  'station.list': { req: Req<'station.list'>; res: { stations: StationRow[]; timers: TimerInfo[] } };
  'station.set': { req: Req<'station.set'>; res: StationRow };
  'ro.state': { req: Req<'ro.state'>; res: RoState };
  'run.list': { req: Req<'run.list'>; res: { runs: RunSummary[] } };
  'run.get': { req: Req<'run.get'>; res: RunDetail };
  'run.start': { req: Req<'run.start'>; res: RunDetail };
  'run.stop': { req: Req<'run.stop'>; res: RunDetail };
  'run.assign': { req: Req<'run.assign'>; res: RunDetail };
  'run.remote_start': {
    req: Req<'run.remote_start'>;
    res: { command_id: string; state: string; via: 'commands' | 'mqtt' };
  };
  'score.change': { req: Req<'score.change'>; res: RunDetail };
  'score.approve': { req: Req<'score.approve'>; res: RunDetail };
  'score.history': { req: Req<'score.history'>; res: { entries: AuditEntry[] } };
  'results.get': { req: Req<'results.get'>; res: ResultsRes };
  'export.csv': { req: Req<'export.csv'>; res: CsvFile };
  'detector.list': { req: Req<'detector.list'>; res: { detectors: DetectorRow[] } };
  'detector.configure': { req: Req<'detector.configure'>; res: DetectorRow };
  'detector.calibrate': { req: Req<'detector.calibrate'>; res: DetectorRow };
}
