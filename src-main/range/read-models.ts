/**
 * The read models of runs: a run's summary and detail (shots with their plates and delays, impacts,
 * plates lit, what did not match, the audit trail, the clock), the run list and the RO screen's
 * state of a station.
 */
import { toIso } from '../../src-shared/events/time';
import { ContractError, type CommandReq } from '../../src-shared/contract';
import type {
  PlateState,
  RoState,
  RunDetail,
  RunImpact,
  RunShot,
  RunSummary,
  SquadProgress,
} from '../../src-shared/contract/range';
import { scoreStage } from '../../src-shared/range/scoring';
import type { RunCorrelation } from './correlation';
import type { RunRec } from './repo';
import type { RunDeps } from './run-effects';
import { auditEntry, type Folded } from './score';
import { matchRow, stageRow } from './setup';
import { openStrings } from './squad';
import type { StationService } from './stations';

export type ReadModelDeps = Pick<RunDeps, 'repo' | 'score' | 'detection' | 'now' | 'sensorOnline'>;

export class RunReadModels {
  constructor(
    private readonly d: ReadModelDeps,
    private readonly stations: StationService,
    private readonly correlation: RunCorrelation,
  ) {}

  summary(run: RunRec, folded: Folded = this.d.score.fold(run), withShots = false): RunSummary {
    const stage = run.stage_id ? this.d.repo.stage(run.stage_id) : undefined;
    const shooter = run.shooter_id ? this.d.repo.shooter(run.shooter_id) : undefined;
    const stats = this.d.repo.shotStats(run.id);
    const out: RunSummary = {
      run_id: run.id,
      match_id: run.match_id,
      stage_id: run.stage_id,
      stage_code: stage?.code ?? null,
      stage_name: stage?.name ?? null,
      shooter_id: run.shooter_id,
      shooter_name: shooter?.name ?? null,
      division: shooter?.division ?? null,
      class: shooter?.class ?? null,
      string_number: run.string_number,
      strings_per_stage: stage?.strings_per_stage ?? null,
      timer_id: run.timer_id,
      timer_string: run.timer_string,
      state: folded.state,
      opened_by: run.opened_by,
      closed_by: run.closed_by,
      started_at: run.start_ms !== null ? toIso(run.start_ms) : null,
      stopped_at: run.stop_ms !== null ? toIso(run.stop_ms) : null,
      shot_count: stats.n,
      last_shot_ms: stats.last ?? null,
      current: folded.current,
      score: folded.score,
      flags: run.flags,
    };
    if (withShots) {
      out.shots = this.d.repo
        .shots(run.id)
        .map((s) => ({ shot_number: s.shot_number, time_ms: s.time_ms, split_ms: s.split_ms }));
    }
    return out;
  }

  detail(run: RunRec): RunDetail {
    const folded = this.d.score.fold(run);
    const summary = this.summary(run, folded);
    const stage = run.stage_id ? this.d.repo.stage(run.stage_id) : undefined;
    const shots = this.d.repo.shots(run.id);
    const impacts = this.d.repo.impactsOfRun(run.id);
    const pairs = this.correlation.pairsOf(run, folded, shots, impacts);
    const byShot = new Map(pairs.map((p) => [p.shot_number, p]));
    const byImpact = new Map(pairs.map((p) => [p.impact_id, p]));
    const impactById = new Map(impacts.map((i) => [i.id, i]));
    const start = run.start_ms;
    const targets = stage?.targets ?? [];
    const sensorsUsed = targets.some((t) => t.sensor_id) || impacts.length > 0;
    const stopPlate = targets.find((t) => t.role === 'stop');
    const stopShot = stopPlate
      ? pairs
          .filter((p) => impactById.get(p.impact_id)?.plate_id === stopPlate.plate_id)
          .map((p) => p.shot_number)
          .sort((a, b) => a - b)[0]
      : undefined;
    const raw = folded.current?.raw_ms ?? null;
    let acceptedMarked = false;
    const shotRows: RunShot[] = shots.map((s) => {
      const p = byShot.get(s.shot_number);
      const imp = p ? impactById.get(p.impact_id) : undefined;
      const accepted = !acceptedMarked && raw !== null && s.time_ms === raw;
      if (accepted) acceptedMarked = true;
      return {
        shot_number: s.shot_number,
        time_ms: s.time_ms,
        split_ms: s.split_ms,
        wall_at: toIso(s.wall_ms),
        raw_hex: s.raw_hex,
        impact_id: imp?.id ?? null,
        plate_id: imp?.plate_id ?? null,
        delay_ms: p?.delay_ms ?? null,
        unmatched: sensorsUsed && !p,
        accepted,
        after_stop_plate: stopShot !== undefined && s.shot_number > stopShot,
      };
    });
    const impactRows: RunImpact[] = impacts.map((i) => {
      const p = byImpact.get(i.id);
      return {
        impact_id: i.id,
        sensor_id: i.sensor_id,
        plate_id: i.plate_id,
        source: i.source,
        onset_at: toIso(i.onset_ms),
        t_ms: start !== null ? i.onset_ms - start : null,
        peak_mm_s: i.peak,
        duration_ms: i.duration_ms,
        counted: i.counted,
        shot_number: p?.shot_number ?? null,
        delay_ms: p?.delay_ms ?? null,
        unmatched: i.counted && !p,
      };
    });
    const counted = impactRows.filter((i) => i.counted);
    const plateIds = targets.length
      ? targets
      : [...new Set(counted.map((i) => i.plate_id).filter((p): p is string => !!p))].map((p) => ({
          plate_id: p,
          role: 'primary' as const,
          sensor_id: null,
          label: p,
        }));
    const plates: PlateState[] = plateIds.map((t) => {
      const hits = counted.filter((i) => i.plate_id === t.plate_id);
      return {
        plate_id: t.plate_id,
        role: t.role,
        label: t.label,
        sensor_id: t.sensor_id,
        hits: hits.length,
        first_hit_ms: hits.length ? Math.min(...hits.map((h) => h.t_ms ?? Infinity)) : null,
        sensor_online: t.sensor_id ? this.d.sensorOnline(t.sensor_id) : null,
        detection: !t.sensor_id ? 'none' : this.d.detection.mode(t.sensor_id),
      };
    });
    const now = this.d.now();
    return {
      ...summary,
      base: run.base,
      shots: shotRows,
      impacts: impactRows,
      plates,
      unmatched_shots: shotRows.filter((s) => s.unmatched).map((s) => s.shot_number),
      unmatched_impacts: impactRows.filter((i) => i.unmatched).map((i) => i.impact_id),
      plates_not_hit: plates
        .filter((p) => p.role === 'primary' && p.sensor_id && p.hits === 0)
        .map((p) => p.plate_id),
      stop_plate_detected: stopPlate?.sensor_id ? plates.some((p) => p.role === 'stop' && p.hits > 0) : null,
      history: folded.log.map((l) => auditEntry(l, folded.rejected.get(l.id) ?? null)),
      server_now: toIso(now),
      elapsed_ms:
        run.state === 'running' && run.start_received_ms !== null
          ? Math.max(0, now - run.start_received_ms)
          : null,
    };
  }

  requireRun(id: string): RunRec {
    const run = this.d.repo.run(id);
    if (!run) throw new ContractError(`unknown run ${id}`, 404);
    return run;
  }

  list(req: CommandReq<'run.list'>): RunSummary[] {
    const want = req.state;
    const rows = this.d.repo.listRuns({
      match_id: req.match_id,
      stage_id: req.stage_id,
      shooter_id: req.shooter_id,
      timer_id: req.timer_id,
      limit: want ? 10_000 : (req.limit ?? 200),
    });
    const out: RunSummary[] = [];
    for (const r of rows) {
      const s = this.summary(r, this.d.score.fold(r), req.with_shots ?? false);
      if (want && s.state !== want) continue;
      out.push(s);
      if (out.length >= (req.limit ?? 200)) break;
    }
    return out;
  }

  roState(timerId: string): RoState {
    const station = this.stations.stationRow(timerId);
    const match = station.match_id ? this.d.repo.match(station.match_id) : undefined;
    const stage = station.stage_id ? this.d.repo.stage(station.stage_id) : undefined;
    const runningId = station.running_run_id;
    const shown = runningId
      ? this.d.repo.run(runningId)
      : station.last_run_id
        ? this.d.repo.run(station.last_run_id)
        : undefined;
    let pending: RunSummary | null = null;
    if (runningId) {
      const prev = this.d.repo.listRuns({ timer_id: timerId, limit: 2 })[1];
      if (prev) {
        const s = this.summary(prev);
        if (s.state === 'review') pending = s;
      }
    }
    const squad: SquadProgress[] = [];
    if (stage) {
      const st = this.stations.station(timerId);
      const taken = this.stations.taken(stage);
      const { strings } = match ? this.d.score.matchStrings(match.id) : { strings: [] };
      for (const s of this.stations.squadOf(st)) {
        const open = openStrings(stage.strings_per_stage, taken.get(s.id));
        const mine = strings.filter((x) => x.shooter_id === s.id && x.stage_id === stage.id);
        const res = mine.length
          ? scoreStage(
              {
                id: stage.id,
                code: stage.code,
                name: stage.name,
                stringsPerStage: stage.strings_per_stage,
                countedStrings: stage.counted_strings,
              },
              mine,
            )
          : null;
        squad.push({
          shooter_id: s.id,
          name: s.name,
          division: s.division,
          class: s.class,
          squad: s.squad,
          done: stage.strings_per_stage - open.length,
          of: stage.strings_per_stage,
          stage_time_ms: res?.time_ms ?? null,
          up: station.up?.shooter_id === s.id,
        });
      }
    }
    return {
      station,
      match: match ? matchRow(this.d.repo, match) : null,
      stage: stage ? stageRow(stage) : null,
      run: shown ? this.detail(shown) : null,
      pending,
      squad,
    };
  }
}
