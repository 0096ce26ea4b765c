/**
 * Runs: one string of one shooter on one stage (domain.md §2–§5). This service is the range
 * module's face for runs; the ideas live beside it:
 *
 * - string-machine.ts: the string state machine (timer frames and RO actions open and close runs);
 * - stations.ts: what each timer serves, who is up and next;
 * - correlation.ts: impacts attributed to runs and plates, paired with shots;
 * - read-models.ts: a run's summary and detail, the run list, the RO screen's state;
 * - status-publisher.ts: the console's events, retained statuses and the `range` push.
 *
 * Every ingested event is applied exactly once: the id of the last one applied is stored in the
 * same transaction as its effects, and the start of the module replays what came after it.
 * Review / approved / void are folded from the append-only score log (score.ts).
 */
import type { MarshalEvent } from '../../src-shared/events/model';
import type { DetectedImpact } from '../../src-shared/range/detector';
import { ContractError, type CommandReq } from '../../src-shared/contract';
import type { RoState, RunDetail, RunSummary, StationRow, TimerInfo } from '../../src-shared/contract/range';
import type { CommittedBatch } from '../ingest/pipeline';
import { RunCorrelation } from './correlation';
import { RunReadModels } from './read-models';
import type { RunRec } from './repo';
import { Effects, RunEvents, type RunDeps } from './run-effects';
import { StationService } from './stations';
import { StatusPublisher } from './status-publisher';
import { isTimer, StringMachine } from './string-machine';
import { openStrings } from './squad';

export { MARSHAL_SOURCE } from './run-effects';
export { STALE_RUN_MS } from './string-machine';
export { timerRemoteStart } from './stations';
export type RunServiceDeps = RunDeps;

const CURSOR_KEY = 'cursor';

export class RunService {
  private cursor = 0;
  private readonly events: RunEvents;
  private readonly stationSvc: StationService;
  private readonly correlation: RunCorrelation;
  private readonly machine: StringMachine;
  private readonly views: RunReadModels;
  private readonly status: StatusPublisher;

  constructor(private readonly d: RunServiceDeps) {
    this.events = new RunEvents(d.repo, d.prefix, d.now);
    this.stationSvc = new StationService(d);
    this.correlation = new RunCorrelation(d, this.events);
    this.machine = new StringMachine(d, this.stationSvc, this.events);
    this.views = new RunReadModels(d, this.stationSvc, this.correlation);
    this.status = new StatusPublisher(d, this.events, this.stationSvc, this.correlation, this.views);
  }

  // -------------------------------------------------------------------------------------------
  // Ingest

  /** Loads the cursor; on the very first start, history is not replayed (it predates the module). */
  loadCursor(latestEventId: number): void {
    const stored = this.d.repo.getState(CURSOR_KEY);
    if (stored === null) {
      this.cursor = latestEventId;
      this.d.repo.setState(CURSOR_KEY, String(latestEventId));
    } else this.cursor = Number(stored) || 0;
  }

  get lastApplied(): number {
    return this.cursor;
  }

  relevant(e: MarshalEvent): boolean {
    if (e.id <= this.cursor) return false;
    if (isTimer(e)) return true;
    return e.kind === 'impact' && e.data.source === 'bridge';
  }

  /** Applies events (in id order) and detections in one transaction, then runs the side effects. */
  apply(events: MarshalEvent[], detected: DetectedImpact[] | null): void {
    if (!events.length && !detected?.length) return;
    const fx = new Effects();
    this.d.repo.tx(() => {
      let max = this.cursor;
      for (const e of events) {
        if (e.id <= this.cursor) continue;
        if (isTimer(e)) this.machine.onTimer(e, fx);
        else if (e.kind === 'impact') this.correlation.onBridgeImpact(e, fx);
        max = Math.max(max, e.id);
      }
      for (const imp of detected ?? []) this.correlation.onConsoleImpact(imp, fx);
      if (max > this.cursor) {
        this.d.repo.setState(CURSOR_KEY, String(max));
        this.cursor = max;
      }
    });
    this.status.flush(fx);
  }

  onBatch(batch: CommittedBatch, detected: DetectedImpact[] | null): void {
    let events: MarshalEvent[] | null = null;
    for (const e of batch.events) if (this.relevant(e)) (events ??= []).push(e);
    if (events || detected) this.apply(events ?? [], detected);
  }

  // -------------------------------------------------------------------------------------------
  // Stations

  stations(): { stations: StationRow[]; timers: TimerInfo[] } {
    return this.stationSvc.stations();
  }

  setStation(req: CommandReq<'station.set'>): StationRow {
    this.stationSvc.update(req);
    this.status.markStation(req.timer_id);
    return this.stationSvc.stationRow(req.timer_id);
  }

  // -------------------------------------------------------------------------------------------
  // Read models

  detail(run: RunRec): RunDetail {
    return this.views.detail(run);
  }

  requireRun(id: string): RunRec {
    return this.views.requireRun(id);
  }

  list(req: CommandReq<'run.list'>): RunSummary[] {
    return this.views.list(req);
  }

  roState(timerId: string): RoState {
    return this.views.roState(timerId);
  }

  // -------------------------------------------------------------------------------------------
  // RO actions

  startByRo(req: CommandReq<'run.start'>): RunDetail {
    if (this.d.repo.runningOnTimer(req.timer_id).length) {
      throw new ContractError(`a run is already running on ${req.timer_id}: stop it first`);
    }
    const fx = new Effects();
    const now = this.d.now();
    const run = this.d.repo.tx(() => this.machine.open(req.timer_id, 'ro', now, now, null, null, [], fx));
    this.status.flush(fx);
    return this.views.detail(this.d.repo.run(run.id)!);
  }

  stopByRo(req: CommandReq<'run.stop'>): RunDetail {
    const run = this.views.requireRun(req.run_id);
    if (run.state !== 'running') throw new ContractError(`run ${run.id} is not running`);
    const fx = new Effects();
    const closed = this.d.repo.tx(() => this.machine.close(run, 'ro', null, fx));
    this.status.flush(fx);
    return this.views.detail(closed);
  }

  assign(req: CommandReq<'run.assign'>): RunDetail {
    const fx = new Effects();
    const run = this.d.repo.tx(() => {
      const run = this.views.requireRun(req.run_id);
      const folded = this.d.score.fold(run);
      const role = req.role ?? 'RO';
      if (folded.current?.approved && role !== 'RO' && role !== 'RM') {
        throw new ContractError('the string is approved: changes need an RO or Range Master decision');
      }
      let stageId = req.stage_id === undefined ? run.stage_id : req.stage_id;
      let shooterId = req.shooter_id === undefined ? run.shooter_id : req.shooter_id;
      let matchId = run.match_id;
      const stage = stageId ? this.d.setup.requireStage(stageId) : undefined;
      const shooter = shooterId ? this.d.setup.requireShooter(shooterId) : undefined;
      if (stage) matchId = stage.match_id;
      if (shooter) {
        if (stage && shooter.match_id !== stage.match_id) {
          throw new ContractError(`${shooter.name} is not on the roster of the stage's match`);
        }
        matchId = shooter.match_id;
      }
      stageId = stage?.id ?? null;
      shooterId = shooter?.id ?? null;
      let stringNo = req.string_number ?? run.string_number;
      if (stage && stringNo !== null && stringNo > stage.strings_per_stage) {
        throw new ContractError(`stage ${stage.code} has ${stage.strings_per_stage} strings`);
      }
      if (stage && shooter && stringNo === null) {
        stringNo =
          openStrings(stage.strings_per_stage, this.stationSvc.taken(stage).get(shooter.id))[0] ?? null;
      }
      const changes: [
        'shooter_id' | 'stage_id' | 'string_number',
        string | number | null,
        string | number | null,
      ][] = [];
      if (shooterId !== run.shooter_id) changes.push(['shooter_id', run.shooter_id, shooterId]);
      if (stageId !== run.stage_id) changes.push(['stage_id', run.stage_id, stageId]);
      if (stringNo !== run.string_number) changes.push(['string_number', run.string_number, stringNo]);
      if (!changes.length) throw new ContractError('nothing to change: the run already has that assignment');
      this.d.repo.assignRun({
        id: run.id,
        match_id: matchId,
        stage_id: stageId,
        shooter_id: shooterId,
        string_number: stringNo,
      });
      const updated = this.d.repo.run(run.id)!;
      for (const [field, old, value] of changes) {
        const log = this.d.score.logAssign(updated, field, old, value, req.who, role, req.note ?? null);
        this.events.emit(
          updated,
          'ASSIGNED',
          { field, old, new: value, who: req.who, role, note: req.note ?? null, log_id: log.id },
          fx,
          `assign:${log.id}`,
        );
      }
      fx.runs.add(run.id);
      if (run.timer_id) fx.stations.add(run.timer_id);
      return updated;
    });
    this.status.flush(fx);
    return this.views.detail(run);
  }

  /** After a score change or approval: the audited event, learning, pushes. */
  scored(
    runId: string,
    kind: 'SCORE' | 'APPROVED',
    payload: Record<string, unknown>,
    logId: number,
  ): RunDetail {
    const fx = new Effects();
    const run = this.views.requireRun(runId);
    this.events.emit(run, kind, payload, fx, `${kind.toLowerCase()}:${logId}`);
    fx.runs.add(run.id);
    if (run.timer_id) fx.stations.add(run.timer_id);
    if (kind === 'APPROVED') {
      // The pairs the shooter approved are confirmed: freeze them and learn the delays.
      const shots = this.d.repo.shots(run.id);
      const impacts = this.d.repo.impactsOfRun(run.id);
      const pairs = this.correlation.correlate(shots, impacts);
      this.d.repo.replaceCorrelations(run.id, pairs);
      const sensorOf = new Map(impacts.map((i) => [i.id, i.sensor_id]));
      this.d.detection.learn(
        pairs.map((p) => ({ sensor_id: sensorOf.get(p.impact_id)!, delay_ms: p.delay_ms })),
      );
    }
    this.status.flush(fx);
    return this.views.detail(this.d.repo.run(runId)!);
  }

  // -------------------------------------------------------------------------------------------
  // Publishing and pushes

  markAllStations(): void {
    this.status.markAllStations();
  }

  /**
   * Runs each tick: closes the runs that lost their stop, correlates and publishes the runs that
   * changed (retained status) and returns what to push. A running run is also refreshed once a
   * second, for its clock and time remaining.
   */
  tick(): { runs: RunDetail[]; stations: StationRow[] } | null {
    const now = this.d.now();
    const running = this.d.repo.running();
    this.status.refreshClocks(running, now);
    const stale = this.machine.stale(running, now);
    if (stale.length) {
      const fx = new Effects();
      this.d.repo.tx(() => this.machine.closeStale(stale, fx));
      this.status.flush(fx);
    }
    return this.status.collect(now);
  }

  /** On start: the retained statuses of open and recent runs (the embedded broker forgets them). */
  republish(limit = 20): void {
    this.status.republish(limit);
  }

  /** Re-runs detection over the stored telemetry of running runs (samples the crash left unseen). */
  replaySamples(
    rows: (since: number) => { sensor_id: string; ts: number; x: number; y: number; z: number }[],
  ): number {
    const running = this.d.repo.running();
    if (!running.length) return 0;
    const since = Math.min(...running.map((r) => r.start_ms ?? this.d.now())) - 1000;
    const samples = rows(since);
    const detected = this.d.detection.replay(samples);
    if (detected.length) this.apply([], detected);
    return detected.length;
  }
}
