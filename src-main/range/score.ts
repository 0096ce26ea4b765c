/**
 * Scoring over runs (domain.md §5) with the shared rules of src-shared/range/scoring.ts: each
 * closed run has a base record written once at close; every change and approval is an entry in
 * the append-only score log, folded in log order with `applyChanges`. A change that would not
 * apply (stale, approved string without an RO/RM decision, invalid value) is refused before it is
 * written, so the log only holds decisions that took effect.
 */
import {
  applyChanges,
  rankMatch,
  scoreString,
  DIVISIONS,
  type ScoreLogEntry,
  type Shooter,
  type StageDefinition,
  type StringRecord,
  type ScoreField,
} from '../../src-shared/range/scoring';
import { toIso } from '../../src-shared/events/time';
import { ContractError, type CommandReq } from '../../src-shared/contract';
import type {
  AuditEntry,
  MatchResultRow,
  ResultsRes,
  RunScore,
  RunState,
  ScoredValues,
  StageResultRow,
} from '../../src-shared/contract/range';
import type { LogRec, RangeRepo, RunRec, ShooterRec, StageRec } from './repo';
import { matchRow, stageRow, type SetupService } from './setup';

export const COUNT_FIELDS = ['misses', 'procedurals', 'creeping', 'foot_faults'] as const;

export function toStringRecord(run: RunRec, base: ScoredValues, shotsMs: number[] = []): StringRecord {
  return {
    string_id: run.id,
    shooter_id: run.shooter_id ?? '',
    stage_id: run.stage_id ?? '',
    string_number: run.string_number ?? 1,
    raw_ms: base.raw_ms,
    timer_shots_ms: shotsMs,
    misses: base.misses,
    procedurals: base.procedurals,
    creeping: base.creeping,
    foot_faults: base.foot_faults,
    stop_plate_hit: base.stop_plate_hit,
    finished: base.finished,
    voided: base.voided,
    approved: base.approved,
  };
}

export function valuesOf(s: StringRecord): ScoredValues {
  return {
    raw_ms: s.raw_ms,
    misses: s.misses,
    procedurals: s.procedurals,
    creeping: s.creeping,
    foot_faults: s.foot_faults,
    stop_plate_hit: s.stop_plate_hit,
    finished: s.finished,
    voided: s.voided,
    approved: s.approved,
  };
}

export function logEntry(l: LogRec): ScoreLogEntry | null {
  if (l.kind === 'approval') {
    return { kind: 'approval', string_id: l.run_id, who: l.who, role: l.role as never, at: toIso(l.at) };
  }
  if (l.kind === 'change') {
    return {
      kind: 'change',
      string_id: l.run_id,
      field: l.field as ScoreField,
      old: l.old as never,
      new: l.new as never,
      reason: l.reason as never,
      who: l.who,
      role: l.role as never,
      at: toIso(l.at),
    };
  }
  return null;
}

export interface Folded {
  current: ScoredValues | null;
  score: RunScore | null;
  state: RunState;
  /** log id → why the fold refused it (should not happen: refused changes are never written). */
  rejected: Map<number, string>;
  log: LogRec[];
}

export function stateOf(run: RunRec, current: ScoredValues | null): RunState {
  if (run.state === 'running' || !current) return 'running';
  if (current.voided) return 'void';
  return current.approved ? 'approved' : 'review';
}

export function auditEntry(l: LogRec, rejected: string | null = null): AuditEntry {
  return {
    id: l.id,
    run_id: l.run_id,
    kind: l.kind,
    field: l.field as AuditEntry['field'],
    old: (l.old ?? null) as AuditEntry['old'],
    new: (l.new ?? null) as AuditEntry['new'],
    reason: (l.reason ?? null) as AuditEntry['reason'],
    who: l.who,
    role: l.role as AuditEntry['role'],
    at: toIso(l.at),
    note: l.note,
    rejected,
  };
}

export interface LoggedChange {
  log: LogRec;
  before: ScoredValues;
  after: ScoredValues;
  score: RunScore;
}

export class ScoreService {
  constructor(
    private readonly repo: RangeRepo,
    private readonly setup: SetupService,
    private readonly now: () => number = Date.now,
  ) {}

  fold(run: RunRec, log: LogRec[] = this.repo.log(run.id)): Folded {
    if (!run.base) return { current: null, score: null, state: 'running', rejected: new Map(), log };
    const entries: ScoreLogEntry[] = [];
    const ids: number[] = [];
    for (const l of log) {
      const e = logEntry(l);
      if (e) {
        entries.push(e);
        ids.push(l.id);
      }
    }
    const fold = applyChanges([toStringRecord(run, run.base)], entries);
    const current = valuesOf(fold.strings[0]!);
    const rejected = new Map<number, string>();
    for (const r of fold.rejected) rejected.set(ids[r.index]!, r.reason);
    const sc = scoreString(fold.strings[0]!);
    return {
      current,
      score: {
        status: sc.status,
        score_ms: sc.score_ms,
        penalties: sc.penalties,
        penalty_ms: sc.penalty_ms,
        capped: sc.capped,
      },
      state: stateOf(run, current),
      rejected,
      log,
    };
  }

  /** Validates and appends one change; returns it with the values before and after. */
  change(req: CommandReq<'score.change'>): LoggedChange {
    return this.repo.tx(() => {
      const run = this.requireClosed(req.run_id);
      const before = this.fold(run);
      const cur = before.current!;
      const field = req.field;
      const old = cur[field];
      let value: number | boolean | null;
      if (req.delta !== undefined) {
        if (!(COUNT_FIELDS as readonly string[]).includes(field)) {
          throw new ContractError(`delta applies to ${COUNT_FIELDS.join(', ')}, not ${field}`);
        }
        const next = (old as number) + req.delta;
        if (next < 0) throw new ContractError(`${field} cannot go below 0 (it is ${String(old)})`);
        value = next;
      } else value = req.new as number | boolean | null;
      if (field === 'voided' && value === true && req.reason !== 'void' && req.reason !== 'reshoot') {
        throw new ContractError('voiding a string needs the reason void or reshoot');
      }
      const entry: ScoreLogEntry = {
        kind: 'change',
        string_id: run.id,
        field,
        old,
        new: value,
        reason: req.reason,
        who: req.who,
        role: req.role,
        at: toIso(this.now()),
      };
      this.refuse(run, before.log, entry);
      // The shooter signed the string off: what changes now is a decision on the record (an appeal
      // upheld, a correction, a reshoot or void), never one more penalty keyed in, and it says why.
      if (cur.approved) {
        if (req.reason === 'penalty') {
          throw new ContractError(
            'the string is approved: a change now is an RO or Range Master decision (reason appeal, correction, reshoot or void), not a penalty',
          );
        }
        if (!req.note?.trim()) {
          throw new ContractError(
            'the string is approved: say why the RO or Range Master decided to change it',
          );
        }
      }
      const id = this.repo.insertLog({
        run_id: run.id,
        kind: 'change',
        field,
        old,
        new: value,
        reason: req.reason,
        who: req.who,
        role: req.role,
        at: this.now(),
        note: req.note ?? null,
        event_id: null,
      });
      const after = this.fold(run);
      return {
        log: after.log.find((l) => l.id === id)!,
        before: cur,
        after: after.current!,
        score: after.score!,
      };
    });
  }

  approve(req: CommandReq<'score.approve'>): LoggedChange {
    return this.repo.tx(() => {
      const run = this.requireClosed(req.run_id);
      const before = this.fold(run);
      const entry: ScoreLogEntry = {
        kind: 'approval',
        string_id: run.id,
        who: req.who,
        role: req.role,
        at: toIso(this.now()),
      };
      this.refuse(run, before.log, entry);
      if (before.current!.voided) throw new ContractError('a voided string cannot be approved');
      const id = this.repo.insertLog({
        run_id: run.id,
        kind: 'approval',
        field: null,
        old: null,
        new: null,
        reason: null,
        who: req.who,
        role: req.role,
        at: this.now(),
        note: null,
        event_id: null,
      });
      const after = this.fold(run);
      return {
        log: after.log.find((l) => l.id === id)!,
        before: before.current!,
        after: after.current!,
        score: after.score!,
      };
    });
  }

  /** An assignment correction (shooter, stage, string number), audited like a score change. */
  logAssign(
    run: RunRec,
    field: 'shooter_id' | 'stage_id' | 'string_number',
    old: string | number | null,
    value: string | number | null,
    who: string,
    role: string,
    note: string | null,
  ): LogRec {
    const id = this.repo.insertLog({
      run_id: run.id,
      kind: 'assign',
      field,
      old,
      new: value,
      reason: 'correction',
      who,
      role,
      at: this.now(),
      note,
      event_id: null,
    });
    return this.repo.log(run.id).find((l) => l.id === id)!;
  }

  private requireClosed(runId: string): RunRec {
    const run = this.repo.run(runId);
    if (!run) throw new ContractError(`unknown run ${runId}`, 404);
    if (run.state === 'running' || !run.base) {
      throw new ContractError(`run ${runId} is still running: stop it before scoring`);
    }
    return run;
  }

  private refuse(run: RunRec, log: LogRec[], entry: ScoreLogEntry): void {
    const prior = log.map(logEntry).filter((e): e is ScoreLogEntry => e !== null);
    const fold = applyChanges([toStringRecord(run, run.base!)], [...prior, entry]);
    const mine = fold.rejected.find((r) => r.index === prior.length);
    if (mine) throw new ContractError(mine.reason);
  }

  history(q: { match_id?: string; run_id?: string; limit?: number }): AuditEntry[] {
    const limit = q.limit ?? 200;
    const logs = q.run_id
      ? this.repo.log(q.run_id).reverse().slice(0, limit)
      : this.repo.logRecent(limit, q.match_id);
    const runs = new Map<string, RunRec | undefined>();
    const shooters = new Map<string, ShooterRec | undefined>();
    const stages = new Map<string, StageRec | undefined>();
    return logs.map((l) => {
      if (!runs.has(l.run_id)) runs.set(l.run_id, this.repo.run(l.run_id));
      const run = runs.get(l.run_id);
      const sid = run?.shooter_id;
      if (sid && !shooters.has(sid)) shooters.set(sid, this.repo.shooter(sid));
      const stid = run?.stage_id;
      if (stid && !stages.has(stid)) stages.set(stid, this.repo.stage(stid));
      return {
        ...auditEntry(l),
        shooter_name: sid ? (shooters.get(sid)?.name ?? null) : null,
        stage_code: stid ? (stages.get(stid)?.code ?? null) : null,
        string_number: run?.string_number ?? null,
      };
    });
  }

  /** Every closed, assigned run of a match folded into its current string. */
  matchStrings(matchId: string): { strings: StringRecord[]; runs: Map<string, RunRec> } {
    const runs = this.repo.runsOfMatch(matchId).filter((r) => r.base && r.shooter_id && r.stage_id);
    const shots = new Map<string, number[]>();
    for (const s of this.repo.shotsOfMatch(matchId)) {
      const list = shots.get(s.run_id);
      if (list) list.push(s.time_ms);
      else shots.set(s.run_id, [s.time_ms]);
    }
    const base = runs.map((r) => toStringRecord(r, r.base!, shots.get(r.id) ?? []));
    const entries = this.repo
      .logOfMatch(matchId)
      .map(logEntry)
      .filter((e): e is ScoreLogEntry => e !== null);
    const fold = applyChanges(base, entries);
    return { strings: fold.strings, runs: new Map(runs.map((r) => [r.id, r])) };
  }

  results(req: CommandReq<'results.get'>): ResultsRes {
    const match = req.match_id ? this.setup.requireMatch(req.match_id) : this.setup.latestMatch();
    if (!match) throw new ContractError('no match yet: create one first', 404);
    const stageRecs = this.repo.stages(match.id);
    if (req.stage_id && !stageRecs.some((s) => s.id === req.stage_id)) {
      throw new ContractError(`stage ${req.stage_id} is not part of match ${match.id}`, 404);
    }
    const defs: StageDefinition[] = stageRecs.map((s) => ({
      id: s.id,
      code: s.code,
      name: s.name,
      stringsPerStage: s.strings_per_stage,
      countedStrings: s.counted_strings,
    }));
    const shooters: Shooter[] = this.repo.shooters(match.id).map((s) => ({
      shooter_id: s.id,
      name: s.name,
      division: s.division,
      class: s.class,
      categories: s.categories,
    }));
    const { strings } = this.matchStrings(match.id);
    const approved = new Map(strings.map((s) => [s.string_id, s.approved]));
    const unapproved = new Map<string, number>();
    for (const s of strings) {
      if (!s.voided && !s.approved) unapproved.set(s.shooter_id, (unapproved.get(s.shooter_id) ?? 0) + 1);
    }
    const divisions = DIVISIONS.filter(
      (d) =>
        (!req.division || d === req.division) &&
        shooters.some(
          (s) =>
            s.division === d &&
            (!req.class || s.class === req.class) &&
            (!req.category || s.categories.includes(req.category)),
        ),
    );
    const out: ResultsRes = {
      match: matchRow(this.repo, match),
      stages: stageRecs.map(stageRow),
      filter: {
        ...(req.stage_id ? { stage_id: req.stage_id } : {}),
        ...(req.division ? { division: req.division } : {}),
        ...(req.class ? { class: req.class } : {}),
        ...(req.category ? { category: req.category } : {}),
      },
      divisions: [],
      stage: req.stage_id ? { stage_id: req.stage_id, divisions: [] } : null,
    };
    for (const division of divisions) {
      const standings = rankMatch({ stages: defs }, shooters, strings, {
        division,
        ...(req.class ? { class: req.class } : {}),
        ...(req.category ? { category: req.category } : {}),
      });
      const rows: MatchResultRow[] = standings.map((st) => ({
        rank: st.rank,
        shooter_id: st.shooter_id,
        name: st.name,
        division: st.division,
        class: st.class,
        categories: [...st.categories],
        status: st.status,
        match_time_ms: st.match_time_ms,
        stages_attempted: st.stages_attempted,
        stage_wins: st.stage_wins,
        outer_limits_ms: st.outer_limits_ms,
        stages: st.stages.map((x) => ({
          stage_id: x.stage_id,
          rank: x.rank,
          time_ms: x.time_ms,
          status: x.status,
          win: x.win,
        })),
        unapproved: unapproved.get(st.shooter_id) ?? 0,
      }));
      out.divisions.push({ division, rows });
      if (out.stage) {
        const idx = defs.findIndex((d) => d.id === req.stage_id);
        const stageRows: StageResultRow[] = standings
          .map((st) => {
            const r = st.stages[idx]!;
            return {
              rank: r.rank,
              shooter_id: st.shooter_id,
              name: st.name,
              division: st.division,
              class: st.class,
              categories: [...st.categories],
              status: r.status,
              time_ms: r.time_ms,
              strings: r.strings.map((s) => ({
                string_number: s.string_number,
                run_id: s.string_id,
                status: s.status,
                raw_ms: s.raw_ms,
                penalties: s.penalties,
                score_ms: s.score_ms,
                counted: s.counted,
                approved: s.string_id ? (approved.get(s.string_id) ?? false) : false,
              })),
            };
          })
          .sort((a, b) => a.rank - b.rank || a.name.localeCompare(b.name));
        out.stage.divisions.push({ division, rows: stageRows });
      }
    }
    return out;
  }
}
