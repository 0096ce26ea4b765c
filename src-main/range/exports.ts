/**
 * results.csv, strings.csv, shots.csv, impacts.csv (and the roster): RFC 4180, UTF-8, formula-safe
 * through src-shared/csv. Times are seconds with the timer's resolution (`*_s`); strings.csv also
 * carries integer milliseconds for programs.
 */
import { toCsv, type CsvValue } from '../../src-shared/csv/csv';
import { toIso } from '../../src-shared/events/time';
import { ContractError, type CommandReq } from '../../src-shared/contract';
import type { CsvFile } from '../../src-shared/contract/range';
import { scoreStage, scoreString, type StringRecord } from '../../src-shared/range/scoring';
import type { MatchRec, RangeRepo, RunRec } from './repo';
import { stateOf, valuesOf, type ScoreService } from './score';
import { slug, type SetupService } from './setup';

const seconds = (ms: number | null | undefined): number | null =>
  ms === null || ms === undefined ? null : ms / 1000;

function csvFile(name: string, match: MatchRec, header: string[], rows: CsvValue[][]): CsvFile {
  return {
    filename: `${name}-${slug(match.name)}.csv`,
    content_type: 'text/csv; charset=utf-8',
    content: toCsv(header, rows),
    rows: rows.length,
  };
}

export class ExportService {
  constructor(
    private readonly repo: RangeRepo,
    private readonly setup: SetupService,
    private readonly score: ScoreService,
  ) {}

  private match(id: string | undefined): MatchRec {
    const m = id ? this.setup.requireMatch(id) : this.setup.latestMatch();
    if (!m) throw new ContractError('no match yet: create one first', 404);
    return m;
  }

  csv(req: CommandReq<'export.csv'>): CsvFile {
    const match = this.match(req.match_id);
    if (req.stage_id) {
      const st = this.repo.stage(req.stage_id);
      if (!st || st.match_id !== match.id) {
        throw new ContractError(`stage ${req.stage_id} is not part of match ${match.id}`, 404);
      }
    }
    switch (req.name) {
      case 'results':
        return this.results(match, req);
      case 'strings':
        return this.strings(match, req);
      case 'shots':
        return this.shots(match, req);
      case 'impacts':
        return this.impacts(match, req);
      case 'roster': {
        const r = this.setup.exportRoster(match.id);
        return { ...r, content_type: 'text/csv; charset=utf-8' };
      }
    }
  }

  private context(match: MatchRec) {
    const stages = new Map(this.repo.stages(match.id).map((s) => [s.id, s]));
    const shooters = new Map(this.repo.shooters(match.id).map((s) => [s.id, s]));
    const stageOf = (run: RunRec) => (run.stage_id ? stages.get(run.stage_id) : undefined);
    const shooterOf = (run: RunRec) => (run.shooter_id ? shooters.get(run.shooter_id) : undefined);
    const division = (id: string | null) => (id ? (shooters.get(id)?.division ?? null) : null);
    return { stages, shooters, stageOf, shooterOf, division };
  }

  private keep(
    run: RunRec,
    req: CommandReq<'export.csv'>,
    division: (id: string | null) => string | null,
  ): boolean {
    if (req.stage_id && run.stage_id !== req.stage_id) return false;
    if (req.division && division(run.shooter_id) !== req.division) return false;
    return true;
  }

  private results(match: MatchRec, req: CommandReq<'export.csv'>): CsvFile {
    const res = this.score.results({
      match_id: match.id,
      ...(req.stage_id ? { stage_id: req.stage_id } : {}),
      ...(req.division ? { division: req.division } : {}),
    });
    if (res.stage) {
      const stage = res.stages.find((s) => s.stage_id === res.stage!.stage_id)!;
      const n = stage.strings_per_stage;
      const header = [
        'division',
        'rank',
        'shooter_id',
        'name',
        'class',
        'categories',
        'stage',
        'stage_name',
        'status',
        'stage_time_s',
        ...Array.from({ length: n }, (_, i) => `string_${i + 1}_s`),
        'dropped_strings',
      ];
      const rows: CsvValue[][] = [];
      for (const d of res.stage.divisions) {
        for (const r of d.rows) {
          rows.push([
            d.division,
            r.rank,
            r.shooter_id,
            r.name,
            r.class,
            r.categories.join(';'),
            stage.code,
            stage.name,
            r.status,
            seconds(r.time_ms),
            ...Array.from({ length: n }, (_, i) => {
              const s = r.strings.find((x) => x.string_number === i + 1);
              return s && r.status !== 'dnf' ? seconds(s.score_ms) : null;
            }),
            r.strings
              .filter((s) => !s.counted)
              .map((s) => s.string_number)
              .join(';'),
          ]);
        }
      }
      return csvFile(`results-${slug(stage.code)}`, match, header, rows);
    }
    const header = [
      'division',
      'rank',
      'shooter_id',
      'name',
      'class',
      'categories',
      'status',
      'match_time_s',
      'stage_wins',
      'stages_attempted',
      'outer_limits_s',
      'unapproved_strings',
      ...res.stages.flatMap((s) => [`${s.code}_s`, `${s.code}_rank`]),
    ];
    const rows: CsvValue[][] = [];
    for (const d of res.divisions) {
      // As on the results page: a shooter with no stage shot yet is "not started", has no time
      // (not 0, which would read as the best) and comes after everyone who has shot.
      const started = d.rows.filter((r) => r.stages_attempted > 0);
      const waiting = d.rows.filter((r) => r.stages_attempted === 0);
      for (const r of [...started, ...waiting]) {
        const notStarted = r.stages_attempted === 0;
        rows.push([
          d.division,
          r.rank,
          r.shooter_id,
          r.name,
          r.class,
          r.categories.join(';'),
          notStarted ? 'not started' : r.status,
          notStarted ? null : seconds(r.match_time_ms),
          r.stage_wins,
          r.stages_attempted,
          seconds(r.outer_limits_ms),
          r.unapproved,
          ...res.stages.flatMap((s) => {
            const st = r.stages.find((x) => x.stage_id === s.stage_id);
            // A stage not shot has neither a time nor a place: every shooter would share its rank.
            return st && st.time_ms !== null ? [seconds(st.time_ms), st.rank] : [null, null];
          }),
        ]);
      }
    }
    return csvFile('results', match, header, rows);
  }

  private strings(match: MatchRec, req: CommandReq<'export.csv'>): CsvFile {
    const { stages, stageOf, shooterOf, division } = this.context(match);
    const { strings } = this.score.matchStrings(match.id);
    const current = new Map(strings.map((s) => [s.string_id, s]));
    // Which strings count on their stage (the dropped one does not).
    const counted = new Map<string, boolean>();
    const groups = new Map<string, StringRecord[]>();
    for (const s of strings) {
      const k = `${s.shooter_id}\u0000${s.stage_id}`;
      const g = groups.get(k);
      if (g) g.push(s);
      else groups.set(k, [s]);
    }
    for (const g of groups.values()) {
      const st = stages.get(g[0]!.stage_id);
      if (!st) continue;
      const res = scoreStage(
        {
          id: st.id,
          code: st.code,
          name: st.name,
          stringsPerStage: st.strings_per_stage,
          countedStrings: st.counted_strings,
        },
        g,
      );
      for (const slot of res.strings) if (slot.string_id) counted.set(slot.string_id, slot.counted);
    }
    const header = [
      'match',
      'stage',
      'stage_name',
      'shooter_id',
      'shooter',
      'division',
      'class',
      'categories',
      'string_number',
      'run_id',
      'state',
      'raw_s',
      'misses',
      'procedurals',
      'creeping',
      'foot_faults',
      'penalties',
      'penalty_s',
      'stop_plate_hit',
      'finished',
      'score_s',
      'capped',
      'counted',
      'approved',
      'timer_shots',
      'started_at',
      'raw_ms',
      'score_ms',
    ];
    const rows: CsvValue[][] = [];
    for (const run of this.repo.runsOfMatch(match.id)) {
      if (!run.base || !this.keep(run, req, division)) continue;
      const rec = current.get(run.id);
      const cur = rec ? valuesOf(rec) : (this.score.fold(run).current ?? run.base);
      const sc = scoreString({
        string_id: run.id,
        shooter_id: run.shooter_id ?? '',
        stage_id: run.stage_id ?? '',
        string_number: run.string_number ?? 1,
        timer_shots_ms: [],
        ...cur,
      });
      const st = stageOf(run);
      const sh = shooterOf(run);
      rows.push([
        match.name,
        st?.code ?? null,
        st?.name ?? null,
        run.shooter_id,
        sh?.name ?? null,
        sh?.division ?? null,
        sh?.class ?? null,
        sh?.categories.join(';') ?? null,
        run.string_number,
        run.id,
        stateOf(run, cur),
        seconds(cur.raw_ms),
        cur.misses,
        cur.procedurals,
        cur.creeping,
        cur.foot_faults,
        sc.penalties,
        seconds(sc.penalty_ms),
        cur.stop_plate_hit,
        cur.finished,
        seconds(sc.score_ms),
        sc.capped,
        counted.get(run.id) ?? null,
        cur.approved,
        this.repo.shotStats(run.id).n,
        run.start_ms !== null ? toIso(run.start_ms) : null,
        cur.raw_ms,
        sc.score_ms,
      ]);
    }
    return csvFile('strings', match, header, rows);
  }

  private shots(match: MatchRec, req: CommandReq<'export.csv'>): CsvFile {
    const { stageOf, shooterOf, division } = this.context(match);
    const runs = new Map(this.repo.runsOfMatch(match.id).map((r) => [r.id, r]));
    const impacts = new Map(this.repo.impactsOfMatch(match.id).map((i) => [i.id, i]));
    const pairs = new Map(
      this.repo.correlationsOfMatch(match.id).map((c) => [`${c.run_id}#${c.shot_number}`, c]),
    );
    const header = [
      'run_id',
      'stage',
      'shooter_id',
      'shooter',
      'division',
      'string_number',
      'shot_number',
      'time_s',
      'split_s',
      'time_ms',
      'split_ms',
      'wall_time',
      'plate_id',
      'sensor_id',
      'impact_delay_ms',
      'raw_hex',
    ];
    const rows: CsvValue[][] = [];
    for (const s of this.repo.shotsOfMatch(match.id)) {
      const run = runs.get(s.run_id);
      if (!run || !this.keep(run, req, division)) continue;
      const p = pairs.get(`${s.run_id}#${s.shot_number}`);
      const imp = p ? impacts.get(p.impact_id) : undefined;
      const sh = shooterOf(run);
      rows.push([
        run.id,
        stageOf(run)?.code ?? null,
        run.shooter_id,
        sh?.name ?? null,
        sh?.division ?? null,
        run.string_number,
        s.shot_number,
        seconds(s.time_ms),
        seconds(s.split_ms),
        s.time_ms,
        s.split_ms,
        toIso(s.wall_ms),
        imp?.plate_id ?? null,
        imp?.sensor_id ?? null,
        p?.delay_ms ?? null,
        s.raw_hex,
      ]);
    }
    return csvFile('shots', match, header, rows);
  }

  private impacts(match: MatchRec, req: CommandReq<'export.csv'>): CsvFile {
    const { stageOf, shooterOf, division } = this.context(match);
    const runs = new Map(this.repo.runsOfMatch(match.id).map((r) => [r.id, r]));
    const byImpact = new Map(this.repo.correlationsOfMatch(match.id).map((c) => [c.impact_id, c]));
    const header = [
      'run_id',
      'stage',
      'shooter_id',
      'shooter',
      'string_number',
      'impact_id',
      'sensor_id',
      'plate_id',
      'source',
      'counted',
      'onset_time',
      't_s',
      'peak_mm_s',
      'duration_ms',
      'shot_number',
      'delay_ms',
    ];
    const rows: CsvValue[][] = [];
    for (const i of this.repo.impactsOfMatch(match.id)) {
      const run = i.run_id ? runs.get(i.run_id) : undefined;
      if (!run || !this.keep(run, req, division)) continue;
      const p = byImpact.get(i.id);
      rows.push([
        run.id,
        stageOf(run)?.code ?? null,
        run.shooter_id,
        shooterOf(run)?.name ?? null,
        run.string_number,
        i.id,
        i.sensor_id,
        i.plate_id,
        i.source,
        i.counted,
        toIso(i.onset_ms),
        run.start_ms !== null ? seconds(i.onset_ms - run.start_ms) : null,
        i.peak,
        i.duration_ms,
        p?.shot_number ?? null,
        p?.delay_ms ?? null,
      ]);
    }
    return csvFile('impacts', match, header, rows);
  }
}
