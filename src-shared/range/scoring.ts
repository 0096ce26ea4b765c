/**
 * Steel Challenge scoring — domain.md §5. Integer milliseconds everywhere: times are validated as
 * integers and only integers are ever summed (30.00 s is 30000, a 3.00 s penalty is 3000).
 *
 * Rules and the decisions taken where §5 leaves room:
 *
 * - **String score** = min(30000, raw_ms + 3000 × (misses + procedurals + creeping + foot_faults)).
 *   `raw_ms` is the time the RO accepted (the last shot, or an override when the last shot was an
 *   echo after the stop plate); the timer's raw shots travel separately in `timer_shots_ms` and
 *   are never scored. A string that was not finished, or has no accepted time, is DNF and scores
 *   30000; a finished string whose stop plate was not hit scores 30000. A voided string has no
 *   score and does not count: its reshoot (a new string record with the same `string_number`)
 *   replaces it.
 * - **Stage**: a stage definition carries `stringsPerStage` and `countedStrings` (5/4, Outer
 *   Limits 4/3). Each string number 1..stringsPerStage is a slot; the slot's string is the LAST
 *   non-voided record for it in input order (earlier duplicates are ignored and reported). Strings
 *   numbered outside the range are ignored and reported.
 *   Decision: a stage with some but not all slots filled is `incomplete` and every empty slot
 *   scores as a DNF string (30000); it counts as attempted. A stage with no (non-voided) string at
 *   all is `dnf` (never attempted) and has no time.
 * - **Dropped strings** are the worst AFTER penalties; on equal scores the LATER string (higher
 *   string number) is dropped first. Stage time = sum of the counted strings.
 * - **Stage ranking**: time ascending; ties → compare all strings' scores sorted ascending, the
 *   fastest single string first, then the next fastest, and so on (the counted strings are always
 *   the fastest ones, so this is "fastest counted string, then the next"). Still equal → a true
 *   tie, same rank. A `dnf` stage ranks after every attempted one.
 * - **Match**: match time = sum of the stage times. Shooters who attempted every stage rank first,
 *   by match time, then most stage wins, then the faster Outer Limits (SC-104) time (skipped when
 *   the match has no SC-104). Still equal → same rank.
 *   Decision: shooters with a `dnf` stage rank after all of them, by number of stages attempted
 *   (more first), then by the sum of their attempted stage times; equal → same rank.
 *   Decision: a stage win is rank 1 on that stage among the ranked population (the filtered
 *   group, e.g. one division); shared first places each count as a win; a `dnf` never wins.
 * - **Ranks** are standard competition ranks: 1, 2, 2, 4. Rankings are per division; class and
 *   category are filters applied before ranking (a class or category ranking is a ranking of that
 *   sub-population).
 * - **Audit**: `applyChanges` folds an append-only log of {@link ScoreChange}s (and approvals) into
 *   the current strings, in log order, creating new objects and never touching the inputs. Each
 *   change names the old value it replaces; a change whose `old` is not the current value is
 *   rejected as stale. Before approval any role may change a string; after the shooter approved
 *   it, only an RO or a Range Master (`RO`, `RM`) may. Rejected entries stay in the log but do not
 *   apply; the fold reports them with a reason. The approval itself is a log entry
 *   ({@link StringApproval}) recorded by the shooter or by an RO/RM on their behalf. The log order
 *   is authoritative (`at` is for display: tablets' clocks may disagree). "A miss call is appealed
 *   before the next string" is a workflow rule for the RO screen, not enforced here.
 */
import { z } from 'zod';
import { competitionRank } from '../ranking/competition';

export const STRING_CAP_MS = 30_000;
export const PENALTY_MS = 3_000;

export const DIVISIONS = [
  'ISR',
  'LTD',
  'OSR',
  'RFPI',
  'RFPO',
  'RFRI',
  'RFRO',
  'PROD',
  'OPN',
  'SS',
  'CO',
  'PCCO',
  'PCCI',
] as const;
export type Division = (typeof DIVISIONS)[number];

export const CLASSES = ['GM', 'M', 'A', 'B', 'C', 'D', 'U'] as const;
export type ShooterClass = (typeof CLASSES)[number];

// ---------------------------------------------------------------------------------------------
// Stage definitions

export const stageDefinitionSchema = z
  .object({
    /** The id strings refer to (`StringRecord.stage_id`). */
    id: z.string().min(1),
    /** Classifier code, e.g. `SC-104`, or a free code for a non-classifier stage. */
    code: z.string(),
    name: z.string(),
    stringsPerStage: z.number().int().min(1),
    countedStrings: z.number().int().min(1),
  })
  .refine((s) => s.countedStrings <= s.stringsPerStage, {
    message: 'countedStrings must not exceed stringsPerStage',
    path: ['countedStrings'],
  });
export type StageDefinition = z.output<typeof stageDefinitionSchema>;

export const OUTER_LIMITS_CODE = 'SC-104';

export const CLASSIFIER_CODES = [
  'SC-101',
  'SC-102',
  'SC-103',
  'SC-104',
  'SC-105',
  'SC-106',
  'SC-107',
  'SC-108',
] as const;
export type ClassifierCode = (typeof CLASSIFIER_CODES)[number];

const CLASSIFIER_NAMES: Record<ClassifierCode, string> = {
  'SC-101': '5 To Go',
  'SC-102': 'Showdown',
  'SC-103': 'Smoke & Hope',
  'SC-104': 'Outer Limits',
  'SC-105': 'Accelerator',
  'SC-106': 'The Pendulum',
  'SC-107': 'Speed Option',
  'SC-108': 'Roundabout',
};

/** A classifier stage preset: 5 strings, best 4; Outer Limits 4 strings, best 3. */
export function classifierStage(code: ClassifierCode, id: string = code): StageDefinition {
  const outer = code === OUTER_LIMITS_CODE;
  return {
    id,
    code,
    name: CLASSIFIER_NAMES[code],
    stringsPerStage: outer ? 4 : 5,
    countedStrings: outer ? 3 : 4,
  };
}

/** The eight classifier stages, ids equal to their codes. */
export const CLASSIFIER_STAGES: readonly StageDefinition[] = Object.freeze(
  CLASSIFIER_CODES.map((c) => Object.freeze(classifierStage(c))),
);

// ---------------------------------------------------------------------------------------------
// Strings

const nonNegInt = z.number().int().min(0);

export const stringRecordSchema = z.object({
  string_id: z.string().min(1),
  shooter_id: z.string().min(1),
  stage_id: z.string().min(1),
  /** 1-based position in the stage; a reshoot has the number of the string it replaces. */
  string_number: z.number().int().min(1),
  /** The accepted time, ms (the RO's decision); null if there is none. */
  raw_ms: nonNegInt.nullable(),
  /** The timer's raw shot times, ms from the start signal; kept, never scored. */
  timer_shots_ms: z.array(nonNegInt),
  misses: nonNegInt,
  procedurals: nonNegInt,
  creeping: nonNegInt,
  foot_faults: nonNegInt,
  stop_plate_hit: z.boolean(),
  finished: z.boolean(),
  voided: z.boolean(),
  approved: z.boolean(),
});
export type StringRecord = z.output<typeof stringRecordSchema>;

export type StringStatus = 'scored' | 'no_stop_plate' | 'dnf' | 'void' | 'missing';

export interface StringScore {
  /** Null for an empty slot (`missing`). */
  string_id: string | null;
  string_number: number;
  status: StringStatus;
  raw_ms: number | null;
  /** misses + procedurals + creeping + foot_faults. */
  penalties: number;
  penalty_ms: number;
  /** Null only for a voided string. */
  score_ms: number | null;
  /** True when raw + penalties exceeded 30000 and the cap applied. */
  capped: boolean;
}

function assertMs(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative integer, got ${value}`);
  }
}

export function scoreString(s: StringRecord): StringScore {
  for (const k of ['misses', 'procedurals', 'creeping', 'foot_faults'] as const) {
    assertMs(s[k], `${k} of string ${s.string_id}`);
  }
  const penalties = s.misses + s.procedurals + s.creeping + s.foot_faults;
  if (s.raw_ms !== null) assertMs(s.raw_ms, `raw_ms of string ${s.string_id}`);
  const base = { string_id: s.string_id, string_number: s.string_number, raw_ms: s.raw_ms, penalties };
  if (s.voided) return { ...base, status: 'void', penalty_ms: 0, score_ms: null, capped: false };
  if (!s.finished || s.raw_ms === null) {
    return { ...base, status: 'dnf', penalty_ms: 0, score_ms: STRING_CAP_MS, capped: false };
  }
  if (!s.stop_plate_hit) {
    return { ...base, status: 'no_stop_plate', penalty_ms: 0, score_ms: STRING_CAP_MS, capped: false };
  }
  const penalty_ms = PENALTY_MS * penalties;
  const total = s.raw_ms + penalty_ms;
  return {
    ...base,
    status: 'scored',
    penalty_ms,
    score_ms: Math.min(STRING_CAP_MS, total),
    capped: total > STRING_CAP_MS,
  };
}

/** The last timer shot (what the timer would call the time), null without shots. */
export function lastShotMs(shots: readonly number[]): number | null {
  return shots.length > 0 ? Math.max(...shots) : null;
}

// ---------------------------------------------------------------------------------------------
// Stages

export type StageStatus = 'complete' | 'incomplete' | 'dnf';

export interface SlotScore extends StringScore {
  score_ms: number;
  counted: boolean;
}

export interface StageResult {
  stage_id: string;
  status: StageStatus;
  /** Sum of the counted strings; null for `dnf`. */
  time_ms: number | null;
  /** One per slot, in string-number order; empty for `dnf`. */
  strings: SlotScore[];
  counted_numbers: number[];
  dropped_numbers: number[];
  voided_string_ids: string[];
  /** Superseded duplicates, strings numbered outside the stage, strings of another stage. */
  ignored_string_ids: string[];
}

/** Scores one shooter's strings on one stage. */
export function scoreStage(stage: StageDefinition, strings: readonly StringRecord[]): StageResult {
  const n = stage.stringsPerStage;
  const slots = new Array<StringRecord | undefined>(n + 1).fill(undefined);
  const voided: string[] = [];
  const ignored: string[] = [];
  for (const s of strings) {
    if (
      s.stage_id !== stage.id ||
      !Number.isInteger(s.string_number) ||
      s.string_number < 1 ||
      s.string_number > n
    ) {
      ignored.push(s.string_id);
      continue;
    }
    if (s.voided) {
      voided.push(s.string_id);
      continue;
    }
    const prev = slots[s.string_number];
    if (prev) ignored.push(prev.string_id);
    slots[s.string_number] = s;
  }
  const base = { stage_id: stage.id, voided_string_ids: voided, ignored_string_ids: ignored };
  if (slots.every((s) => s === undefined)) {
    return { ...base, status: 'dnf', time_ms: null, strings: [], counted_numbers: [], dropped_numbers: [] };
  }

  let missing = false;
  const scores: SlotScore[] = [];
  for (let k = 1; k <= n; k++) {
    const s = slots[k];
    if (s) {
      const sc = scoreString(s);
      scores.push({ ...sc, score_ms: sc.score_ms ?? STRING_CAP_MS, counted: true });
    } else {
      missing = true;
      scores.push({
        string_id: null,
        string_number: k,
        status: 'missing',
        raw_ms: null,
        penalties: 0,
        penalty_ms: 0,
        score_ms: STRING_CAP_MS,
        capped: false,
        counted: true,
      });
    }
  }
  // Worst after penalties first; on equal scores the later string first.
  const worstFirst = [...scores].sort((a, b) => b.score_ms - a.score_ms || b.string_number - a.string_number);
  const dropCount = n - stage.countedStrings;
  for (const d of worstFirst.slice(0, dropCount)) d.counted = false;
  let time = 0;
  for (const s of scores) if (s.counted) time += s.score_ms;
  return {
    ...base,
    status: missing ? 'incomplete' : 'complete',
    time_ms: time,
    strings: scores,
    counted_numbers: scores.filter((s) => s.counted).map((s) => s.string_number),
    dropped_numbers: scores.filter((s) => !s.counted).map((s) => s.string_number),
  };
}

function ascendingScores(r: StageResult): number[] {
  return r.strings.map((s) => s.score_ms).sort((a, b) => a - b);
}

/** Stage order: attempted before `dnf`, time, then fastest string, next fastest, … (0 = true tie). */
export function compareStageResults(a: StageResult, b: StageResult): number {
  const aDnf = a.time_ms === null;
  const bDnf = b.time_ms === null;
  if (aDnf || bDnf) return aDnf === bDnf ? 0 : aDnf ? 1 : -1;
  const d = (a.time_ms as number) - (b.time_ms as number);
  if (d !== 0) return d;
  const as = ascendingScores(a);
  const bs = ascendingScores(b);
  for (let i = 0; i < Math.max(as.length, bs.length); i++) {
    const x = as[i] ?? STRING_CAP_MS;
    const y = bs[i] ?? STRING_CAP_MS;
    if (x !== y) return x - y;
  }
  return 0;
}

// Ranking is shared with the leaderboards: one implementation of 1, 2, 2, 4.
export { competitionRank, type Ranked } from '../ranking/competition';

// ---------------------------------------------------------------------------------------------
// Matches and rankings

export const shooterSchema = z.object({
  shooter_id: z.string().min(1),
  name: z.string(),
  division: z.enum(DIVISIONS),
  class: z.enum(CLASSES),
  /** Lady, Junior, Senior, … — independent of division. */
  categories: z.array(z.string()),
});
export type Shooter = z.output<typeof shooterSchema>;

export interface MatchDefinition {
  stages: readonly StageDefinition[];
}

export interface RankingFilter {
  division?: Division;
  class?: ShooterClass;
  category?: string;
}

export interface StageStanding extends StageResult {
  /** Rank on this stage within the ranked population. */
  rank: number;
  win: boolean;
}

export interface MatchStanding {
  rank: number;
  shooter_id: string;
  name: string;
  division: Division;
  class: ShooterClass;
  categories: readonly string[];
  /** `dnf` when any stage was never attempted. */
  status: 'complete' | 'dnf';
  /** Sum of the attempted stages' times. */
  match_time_ms: number;
  stages_attempted: number;
  stage_wins: number;
  /** Sum of the SC-104 stage times; null when the match has none or it was not attempted. */
  outer_limits_ms: number | null;
  /** By stage id, in match order. */
  stages: StageStanding[];
}

export function matchesFilter(s: Shooter, f: RankingFilter): boolean {
  return (
    (f.division === undefined || s.division === f.division) &&
    (f.class === undefined || s.class === f.class) &&
    (f.category === undefined || s.categories.includes(f.category))
  );
}

function compareStandings(a: MatchStanding, b: MatchStanding): number {
  if (a.status !== b.status) return a.status === 'complete' ? -1 : 1;
  if (a.status === 'complete') {
    return (
      a.match_time_ms - b.match_time_ms ||
      b.stage_wins - a.stage_wins ||
      (a.outer_limits_ms !== null && b.outer_limits_ms !== null ? a.outer_limits_ms - b.outer_limits_ms : 0)
    );
  }
  return b.stages_attempted - a.stages_attempted || a.match_time_ms - b.match_time_ms;
}

/**
 * Ranks the shooters matching `filter` (usually one division, optionally a class and/or a
 * category). Strings of other shooters or of stages not in the match are ignored.
 */
export function rankMatch(
  match: MatchDefinition,
  shooters: readonly Shooter[],
  strings: readonly StringRecord[],
  filter: RankingFilter = {},
): MatchStanding[] {
  const stageIds = new Set<string>();
  for (const st of match.stages) {
    if (stageIds.has(st.id)) throw new RangeError(`duplicate stage id ${st.id}`);
    if (st.countedStrings > st.stringsPerStage || st.countedStrings < 1) {
      throw new RangeError(`stage ${st.id}: countedStrings must be in 1..stringsPerStage`);
    }
    stageIds.add(st.id);
  }
  const population = shooters.filter((s) => matchesFilter(s, filter));
  const ids = new Set(population.map((s) => s.shooter_id));
  const byKey = new Map<string, StringRecord[]>();
  for (const s of strings) {
    if (!ids.has(s.shooter_id) || !stageIds.has(s.stage_id)) continue;
    const key = `${s.shooter_id}\u0000${s.stage_id}`;
    const list = byKey.get(key);
    if (list) list.push(s);
    else byKey.set(key, [s]);
  }

  // Stage results and per-stage ranks within the population.
  const stageStandings = new Map<string, StageStanding[]>(); // shooter_id → standings in match order
  for (const p of population) stageStandings.set(p.shooter_id, []);
  for (const st of match.stages) {
    const results = population.map((p) => ({
      shooter_id: p.shooter_id,
      result: scoreStage(st, byKey.get(`${p.shooter_id}\u0000${st.id}`) ?? []),
    }));
    for (const { rank, item } of competitionRank(results, (a, b) =>
      compareStageResults(a.result, b.result),
    )) {
      stageStandings.get(item.shooter_id)?.push({
        ...item.result,
        rank,
        win: rank === 1 && item.result.status !== 'dnf',
      });
    }
  }

  const hasOuterLimits = match.stages.some((s) => s.code === OUTER_LIMITS_CODE);
  const standings: MatchStanding[] = population.map((p) => {
    const stages = stageStandings.get(p.shooter_id) ?? [];
    let time = 0;
    let attempted = 0;
    let ol: number | null = null;
    match.stages.forEach((def, i) => {
      const r = stages[i];
      if (!r || r.time_ms === null) return;
      attempted++;
      time += r.time_ms;
      if (def.code === OUTER_LIMITS_CODE) ol = (ol ?? 0) + r.time_ms;
    });
    return {
      rank: 0,
      shooter_id: p.shooter_id,
      name: p.name,
      division: p.division,
      class: p.class,
      categories: p.categories,
      status: attempted === match.stages.length ? 'complete' : 'dnf',
      match_time_ms: time,
      stages_attempted: attempted,
      stage_wins: stages.filter((s) => s.win).length,
      outer_limits_ms: hasOuterLimits ? ol : null,
      stages,
    };
  });
  const byId = (a: MatchStanding, b: MatchStanding): number =>
    a.shooter_id < b.shooter_id ? -1 : a.shooter_id > b.shooter_id ? 1 : 0;
  return competitionRank(standings, compareStandings, byId).map(({ rank, item }) => ({ ...item, rank }));
}

/** One ranking per division that has shooters (after the class/category filter). */
export function rankByDivision(
  match: MatchDefinition,
  shooters: readonly Shooter[],
  strings: readonly StringRecord[],
  filter: Omit<RankingFilter, 'division'> = {},
): Partial<Record<Division, MatchStanding[]>> {
  const out: Partial<Record<Division, MatchStanding[]>> = {};
  for (const division of DIVISIONS) {
    if (!shooters.some((s) => s.division === division && matchesFilter(s, filter))) continue;
    out[division] = rankMatch(match, shooters, strings, { ...filter, division });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Audit log

export const SCORE_FIELDS = [
  'raw_ms',
  'misses',
  'procedurals',
  'creeping',
  'foot_faults',
  'stop_plate_hit',
  'finished',
  'voided',
] as const;
export type ScoreField = (typeof SCORE_FIELDS)[number];

export const CHANGE_REASONS = ['penalty', 'reshoot', 'void', 'appeal', 'correction'] as const;
export type ChangeReason = (typeof CHANGE_REASONS)[number];

export const ROLES = ['shooter', 'scorer', 'RO', 'RM'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that may change a string after the shooter approved it. */
export const POST_APPROVAL_ROLES: readonly Role[] = ['RO', 'RM'];
/** Roles that may record the shooter's approval (the shooter, or an RO/RM on their behalf). */
export const APPROVAL_ROLES: readonly Role[] = ['shooter', 'RO', 'RM'];

const scoreValue = z.union([z.number(), z.boolean(), z.null()]);
export type ScoreValue = z.output<typeof scoreValue>;

export const scoreChangeSchema = z.object({
  kind: z.literal('change').optional(),
  string_id: z.string().min(1),
  field: z.enum(SCORE_FIELDS),
  old: scoreValue,
  new: scoreValue,
  reason: z.enum(CHANGE_REASONS),
  /** Who decided (a person's id or name). */
  who: z.string().min(1),
  role: z.enum(ROLES),
  /** ISO-8601, for display; the log order is authoritative. */
  at: z.string(),
});
export type ScoreChange = z.output<typeof scoreChangeSchema>;

export const stringApprovalSchema = z.object({
  kind: z.literal('approval'),
  string_id: z.string().min(1),
  who: z.string().min(1),
  role: z.enum(ROLES),
  at: z.string(),
});
export type StringApproval = z.output<typeof stringApprovalSchema>;

export const scoreLogEntrySchema = z.union([stringApprovalSchema, scoreChangeSchema]);
export type ScoreLogEntry = ScoreChange | StringApproval;

export interface RejectedEntry {
  /** Index in the log. */
  index: number;
  entry: ScoreLogEntry;
  reason: string;
}

export interface AuditFold {
  /** Current state, in input order; unchanged strings are the input objects themselves. */
  strings: StringRecord[];
  applied: ScoreLogEntry[];
  rejected: RejectedEntry[];
}

const COUNT_FIELDS: ReadonlySet<ScoreField> = new Set(['misses', 'procedurals', 'creeping', 'foot_faults']);
const BOOLEAN_FIELDS: ReadonlySet<ScoreField> = new Set(['stop_plate_hit', 'finished', 'voided']);

function validValue(field: ScoreField, v: ScoreValue): boolean {
  if (BOOLEAN_FIELDS.has(field)) return typeof v === 'boolean';
  if (COUNT_FIELDS.has(field)) return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  // raw_ms
  return v === null || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);
}

function show(v: unknown): string {
  return v === null ? 'null' : String(v);
}

/** Why an entry cannot apply to `current`, or null if it can. */
function rejection(entry: ScoreLogEntry, current: StringRecord | undefined): string | null {
  if (!current) return `unknown string ${entry.string_id}`;
  if (!(ROLES as readonly string[]).includes(entry.role)) return `unknown role ${show(entry.role)}`;
  if (entry.kind === 'approval') {
    if (current.approved) return 'string already approved';
    if (!APPROVAL_ROLES.includes(entry.role)) return `a ${entry.role} cannot record the shooter's approval`;
    return null;
  }
  if (!(SCORE_FIELDS as readonly string[]).includes(entry.field)) return `unknown field ${show(entry.field)}`;
  if (!(CHANGE_REASONS as readonly string[]).includes(entry.reason))
    return `unknown reason ${show(entry.reason)}`;
  if (current.approved && !POST_APPROVAL_ROLES.includes(entry.role)) {
    return `string ${current.string_id} is approved: changes need an RO or Range Master decision (role was ${entry.role})`;
  }
  if (!validValue(entry.field, entry.new)) return `invalid value ${show(entry.new)} for ${entry.field}`;
  const now = current[entry.field];
  if (entry.old !== now) return `stale change: old ${show(entry.old)} but ${entry.field} is ${show(now)}`;
  if (entry.new === now) return `no change: ${entry.field} is already ${show(now)}`;
  return null;
}

/** Folds the append-only log into the current strings (see the module comment). */
export function applyChanges(strings: readonly StringRecord[], log: readonly ScoreLogEntry[]): AuditFold {
  const current = new Map<string, StringRecord>();
  for (const s of strings) {
    if (current.has(s.string_id)) throw new RangeError(`duplicate string id ${s.string_id}`);
    current.set(s.string_id, s);
  }
  const applied: ScoreLogEntry[] = [];
  const rejected: RejectedEntry[] = [];
  log.forEach((entry, index) => {
    const s = current.get(entry.string_id);
    const why = rejection(entry, s);
    if (why !== null || !s) {
      rejected.push({ index, entry, reason: why ?? 'unknown string' });
      return;
    }
    current.set(
      s.string_id,
      entry.kind === 'approval' ? { ...s, approved: true } : { ...s, [entry.field]: entry.new },
    );
    applied.push(entry);
  });
  return { strings: strings.map((s) => current.get(s.string_id) as StringRecord), applied, rejected };
}

/** The log entries about one string, in log order (its history). */
export function historyOf(log: readonly ScoreLogEntry[], stringId: string): ScoreLogEntry[] {
  return log.filter((e) => e.string_id === stringId);
}
