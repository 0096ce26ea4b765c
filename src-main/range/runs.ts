/**
 * Runs: one string of one shooter on one stage (domain.md §2–§5). A state machine persisted in
 * SQLite so a restart mid-string resumes it:
 *
 *   (timer START | RO start | SHOT with no open run) → running → (timer STOP | RO stop |
 *   the next START of the same timer) → closed; review / approved / void are folded from the
 *   append-only score log.
 *
 * - Shot wall time = the start frame's receive time (the event's `ts`: the bridge's stamp, or the
 *   console's receive time when the bridge sent none) + the timer's own time since the beep. Never
 *   the shot frame's receive time (it arrives 10–99 ms late).
 * - A SHOT whose string number differs from the open run's, or that comes with no open run (its
 *   START was lost), closes that run and opens an implicit one anchored at `shot ts − time_ms` —
 *   for a timer that has had runs before. Shots from a timer that never sent a START (a shot-only
 *   feed) open nothing: runs begin with a START or the RO. A STOP that repeats a shot not seen adds
 *   it from the stop frame.
 * - Impacts (our own detections, or the bridge's where we have no raw telemetry) are attributed
 *   to the run whose time span holds their onset (stop + the correlation window, for late reports)
 *   and to the plate whose sensor they came from on that run's stage; shots and impacts are
 *   correlated per run with the learnt per-sensor delay.
 * - Every ingested event is applied exactly once: the id of the last one applied is stored in the
 *   same transaction as its effects, and the start of the module replays what came after it.
 */
import type { MarshalEvent } from '../../src-shared/events/model';
import { toIso } from '../../src-shared/events/time';
import type { ParsedEvent } from '../../src-shared/ingest';
import { DEFAULT_CORRELATION_SETTINGS } from '../../src-shared/range/correlation';
import type { DetectedImpact } from '../../src-shared/range/detector';
import { ContractError, type CommandReq, type DeviceRow } from '../../src-shared/contract';
import type {
  PlateState,
  RoState,
  RunDetail,
  RunImpact,
  RunShot,
  RunSummary,
  ScoredValues,
  SquadProgress,
  StationRow,
  TimerInfo,
  UpNext,
} from '../../src-shared/contract/range';
import { scoreStage } from '../../src-shared/range/scoring';
import type { CommittedBatch } from '../ingest/pipeline';
import type { DetectionService } from './detection';
import type {
  ClosedBy,
  CorrelationRec,
  ImpactRec,
  OpenedBy,
  RangeRepo,
  RunRec,
  ShooterRec,
  ShotRec,
  StageRec,
  StationRec,
} from './repo';
import { auditEntry, type Folded, type ScoreService } from './score';
import { matchRow, stageRow, type SetupService } from './setup';
import { openStrings, upAndNext } from './squad';
import { pairShotsAndImpacts } from './pairing';

const CURSOR_KEY = 'cursor';
/** A console detection and a bridge report of the same sensor this close are the same hit. */
const SAME_HIT_MS = 200;
const TIMER_KINDS = new Set(['timer.start', 'timer.shot', 'timer.stop']);
/** String cap (domain.md §5): the status reports the time remaining under it. */
const STRING_CAP_MS = 30_000;
/** A running run's status and push are refreshed at least this often. */
const CLOCK_REFRESH_MS = 1000;
/** A run with no shot for this long (console time) lost its stop: it is closed (`stale`). */
export const STALE_RUN_MS = 10 * 60_000;
/** Pairing is superlinear: a run past these sizes (a timer that never stops) is not paired. */
const MAX_PAIRED_SHOTS = 200;
const MAX_PAIRED_IMPACTS = 400;

export const MARSHAL_SOURCE = 'marshal';

export interface RunServiceDeps {
  repo: RangeRepo;
  setup: SetupService;
  score: ScoreService;
  detection: DetectionService;
  prefix: string;
  now: () => number;
  record(events: ParsedEvent[], topic: string): MarshalEvent[];
  publish(topic: string, payload: Record<string, unknown>, retain: boolean): void;
  devices(): DeviceRow[];
  sensorOnline(sensorId: string): boolean | null;
}

/** Side effects collected inside a transaction and run after it commits. */
class Effects {
  readonly events: { topic: string; event: ParsedEvent; publish: boolean }[] = [];
  readonly runs = new Set<string>();
  readonly stations = new Set<string>();
}

function isTimer(e: MarshalEvent): boolean {
  return TIMER_KINDS.has(e.kind) && e.data.source !== MARSHAL_SOURCE;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function int(v: unknown): number | null {
  const n = num(v);
  return n === null ? null : Math.round(n);
}

export function timerRemoteStart(d: DeviceRow | undefined): boolean {
  if (!d) return false;
  const status = (d.status ?? {}) as Record<string, unknown>;
  if (status.remote_start === true) return true;
  const name = [d.name, status.device, status.model, status.name]
    .filter((x) => typeof x === 'string')
    .join(' ');
  return /AMG|COMMANDER|SG.?TIMER/i.test(name);
}

export class RunService {
  private cursor = 0;
  private readonly dirtyRuns = new Set<string>();
  private readonly dirtyStations = new Set<string>();
  private readonly window = DEFAULT_CORRELATION_SETTINGS.windowMs;
  private readonly lastShown = new Map<string, number>();

  constructor(private readonly d: RunServiceDeps) {}

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
        if (isTimer(e)) this.onTimer(e, fx);
        else if (e.kind === 'impact') this.onBridgeImpact(e, fx);
        max = Math.max(max, e.id);
      }
      for (const imp of detected ?? []) this.onConsoleImpact(imp, fx);
      if (max > this.cursor) {
        this.d.repo.setState(CURSOR_KEY, String(max));
        this.cursor = max;
      }
    });
    this.flush(fx);
  }

  onBatch(batch: CommittedBatch, detected: DetectedImpact[] | null): void {
    let events: MarshalEvent[] | null = null;
    for (const e of batch.events) if (this.relevant(e)) (events ??= []).push(e);
    if (events || detected) this.apply(events ?? [], detected);
  }

  private onTimer(e: MarshalEvent, fx: Effects): void {
    const timer = e.device_id;
    const ts = Date.parse(e.ts);
    const received = Date.parse(e.received_at);
    const data = e.data;
    const stringNo = int(data.string_number);
    const running = this.d.repo.runningOnTimer(timer);
    let run = running[0];
    // More than one open run on a timer cannot happen through this code; close extras defensively.
    for (const extra of running.slice(1)) this.close(extra, 'superseded', null, fx);

    if (e.kind === 'timer.start') {
      if (run) this.close(run, 'superseded', null, fx);
      this.open(timer, 'timer', ts, received, e.id, stringNo, [], fx);
      return;
    }
    const sameString = (r: RunRec) =>
      stringNo === null || r.timer_string === null || r.timer_string === stringNo;
    if (e.kind === 'timer.shot') {
      if (run && !sameString(run)) {
        this.close(run, 'superseded', null, fx);
        run = undefined;
      }
      const timeMs = int(data.time_ms);
      if (!run) {
        // A timer that never started a run here (a shot-only feed) opens nothing: runs begin with
        // a START or the RO. One that did lost this string's START: anchor the run on this shot.
        if (!this.d.repo.lastOnTimer(timer)) return;
        const start = timeMs !== null ? ts - timeMs : ts;
        run = this.open(
          timer,
          'timer-implicit',
          start,
          received - (timeMs ?? 0),
          null,
          stringNo,
          ['implicit_start'],
          fx,
        );
      }
      this.addShot(run, data, ts, received, e.id);
      fx.runs.add(run.id);
      return;
    }
    // timer.stop
    if (!run) return; // a repeat, or a stop for a string we never saw start
    if (!sameString(run)) {
      this.close(run, 'superseded', null, fx);
      return;
    }
    // A stop frame repeats the last shot: a shot lost on the way is recovered from it.
    const shotNo = int(data.shot_number);
    const stats = this.d.repo.shotStats(run.id);
    if (shotNo !== null && shotNo > 0 && shotNo > stats.n && int(data.time_ms) !== null) {
      const known = this.d.repo.shots(run.id).some((s) => s.shot_number === shotNo);
      if (!known) this.addShot(run, data, ts, received, e.id);
    }
    this.close(
      run,
      'timer',
      { stop_ms: ts, event_id: e.id, final_ms: int(data.time_ms), total: int(data.total_shots) },
      fx,
    );
  }

  private addShot(
    run: RunRec,
    data: Record<string, unknown>,
    ts: number,
    received: number,
    eventId: number | null,
  ): void {
    const shots = this.d.repo.shots(run.id);
    const prev = shots[shots.length - 1];
    let shotNo = int(data.shot_number);
    if (shotNo === null || shotNo <= 0) shotNo = (prev?.shot_number ?? 0) + 1;
    const start = run.start_ms ?? ts;
    const timeMs = int(data.time_ms) ?? Math.max(0, ts - start);
    const before = shots.filter((s) => s.shot_number < shotNo!).at(-1);
    const split = int(data.split_ms) ?? (before ? timeMs - before.time_ms : timeMs);
    this.d.repo.insertShot({
      run_id: run.id,
      shot_number: shotNo,
      time_ms: timeMs,
      split_ms: split,
      wall_ms: start + timeMs,
      event_id: eventId,
      raw_hex: typeof data.raw_hex === 'string' ? data.raw_hex : null,
      received_ms: received,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Stations

  /** The station of a timer; a timer seen for the first time serves the latest match's stage assigned to it. */
  station(timerId: string): StationRec {
    const st = this.d.repo.station(timerId);
    if (st) return st;
    const blank: StationRec = {
      timer_id: timerId,
      match_id: null,
      stage_id: null,
      squad: null,
      shooter_id: null,
      updated_at: this.d.now(),
    };
    for (const m of this.d.repo.matches()) {
      const stages = this.d.repo.stages(m.id).filter((s) => s.timer_id === timerId);
      if (stages.length === 0) continue;
      const open = stages.find((s) => this.upNext({ ...blank, match_id: m.id, stage_id: s.id }, s).up);
      return { ...blank, match_id: m.id, stage_id: (open ?? stages[0]!).id };
    }
    return blank;
  }

  squadOf(st: Pick<StationRec, 'match_id' | 'squad'>): ShooterRec[] {
    if (!st.match_id) return [];
    const all = this.d.repo.shooters(st.match_id);
    return st.squad ? all.filter((s) => s.squad === st.squad) : all;
  }

  /** String numbers held by non-void runs, per shooter, on a stage. */
  private taken(stage: StageRec): Map<string, Set<number>> {
    const taken = new Map<string, Set<number>>();
    for (const r of this.d.repo.runsOfStage(stage.id)) {
      if (!r.shooter_id || r.string_number === null) continue;
      if (r.state === 'closed' && this.d.score.fold(r).current?.voided) continue;
      let set = taken.get(r.shooter_id);
      if (!set) taken.set(r.shooter_id, (set = new Set()));
      set.add(r.string_number);
    }
    return taken;
  }

  upNext(st: StationRec, stage: StageRec | undefined): { up: UpNext | null; next: UpNext | null } {
    if (!stage) return { up: null, next: null };
    const squad = this.squadOf(st);
    const res = upAndNext(squad, stage.strings_per_stage, this.taken(stage), st.shooter_id);
    const as = (s: typeof res.up): UpNext | null =>
      s
        ? {
            shooter_id: s.shooter.id,
            name: s.shooter.name,
            division: s.shooter.division,
            class: s.shooter.class,
            string_number: s.string_number,
          }
        : null;
    return { up: as(res.up), next: as(res.next) };
  }

  timerInfo(timerId: string, devices = this.d.devices()): TimerInfo | null {
    const dev = devices.find((x) => x.device_id === timerId && x.family === 'range');
    if (!dev) return null;
    return {
      timer_id: timerId,
      name: dev.name ?? (typeof dev.status?.device === 'string' ? dev.status.device : null),
      online: dev.online,
      remote_start: timerRemoteStart(dev),
      battery: dev.battery,
    };
  }

  stationRow(timerId: string, devices?: DeviceRow[]): StationRow {
    const st = this.station(timerId);
    const stage = st.stage_id ? this.d.repo.stage(st.stage_id) : undefined;
    const { up, next } = this.upNext(st, stage);
    return {
      timer_id: timerId,
      match_id: st.match_id,
      stage_id: st.stage_id,
      squad: st.squad,
      shooter_id: st.shooter_id,
      up,
      next,
      running_run_id: this.d.repo.runningOnTimer(timerId)[0]?.id ?? null,
      last_run_id: this.d.repo.lastOnTimer(timerId)?.id ?? null,
      timer: this.timerInfo(timerId, devices),
    };
  }

  /** Every timer the console knows (stations, devices, stages), each with its station. */
  stations(): { stations: StationRow[]; timers: TimerInfo[] } {
    const devices = this.d.devices();
    const ids = new Set<string>();
    for (const s of this.d.repo.stations()) ids.add(s.timer_id);
    for (const dev of devices) if (dev.family === 'range' && dev.role === 'timer') ids.add(dev.device_id);
    for (const m of this.d.repo.matches())
      for (const s of this.d.repo.stages(m.id)) if (s.timer_id) ids.add(s.timer_id);
    const sorted = [...ids].sort();
    return {
      stations: sorted.map((id) => this.stationRow(id, devices)),
      timers: sorted.map(
        (id) =>
          this.timerInfo(id, devices) ?? {
            timer_id: id,
            name: null,
            online: false,
            remote_start: false,
            battery: null,
          },
      ),
    };
  }

  setStation(req: CommandReq<'station.set'>): StationRow {
    const cur = this.station(req.timer_id);
    const next: StationRec = { ...cur, updated_at: this.d.now() };
    if (req.match_id !== undefined) {
      if (req.match_id) this.d.setup.requireMatch(req.match_id);
      if (req.match_id !== cur.match_id) {
        next.stage_id = null;
        next.shooter_id = null;
        next.squad = null;
      }
      next.match_id = req.match_id;
    }
    if (req.stage_id !== undefined) {
      if (req.stage_id) {
        const stage = this.d.setup.requireStage(req.stage_id);
        if (next.match_id && stage.match_id !== next.match_id) {
          throw new ContractError(`stage ${stage.code} belongs to another match`);
        }
        next.match_id = stage.match_id;
        if (stage.id !== cur.stage_id) next.shooter_id = null;
      }
      next.stage_id = req.stage_id;
    }
    if (req.squad !== undefined) next.squad = req.squad;
    if (req.shooter_id !== undefined) {
      if (req.shooter_id) {
        const sh = this.d.setup.requireShooter(req.shooter_id);
        if (next.match_id && sh.match_id !== next.match_id) {
          throw new ContractError(`${sh.name} is not on this match's roster`);
        }
        next.match_id = sh.match_id;
      }
      next.shooter_id = req.shooter_id;
    }
    this.d.repo.upsertStation(next);
    this.dirtyStations.add(req.timer_id);
    return this.stationRow(req.timer_id);
  }

  /** After a close: when the squad finished the stage, move the station to the next stage it has left. */
  private advanceStage(timerId: string, fx: Effects): void {
    const st = this.d.repo.station(timerId);
    if (!st?.stage_id || !st.match_id) return;
    const stage = this.d.repo.stage(st.stage_id);
    if (!stage || this.upNext(st, stage).up) return;
    const stages = this.d.repo.stages(st.match_id);
    const idx = stages.findIndex((s) => s.id === stage.id);
    for (let k = 1; k < stages.length; k++) {
      const cand = stages[(idx + k) % stages.length]!;
      if (cand.timer_id !== null && cand.timer_id !== timerId) continue;
      const probe = { ...st, stage_id: cand.id, shooter_id: null };
      if (this.upNext(probe, cand).up) {
        this.d.repo.upsertStation({ ...probe, updated_at: this.d.now() });
        fx.stations.add(timerId);
        return;
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Open and close

  private open(
    timerId: string | null,
    openedBy: OpenedBy,
    startMs: number,
    startReceived: number,
    eventId: number | null,
    timerString: number | null,
    flags: string[],
    fx: Effects,
  ): RunRec {
    const st = timerId ? this.station(timerId) : null;
    const stage = st?.stage_id ? this.d.repo.stage(st.stage_id) : undefined;
    const up = st && stage ? this.upNext(st, stage).up : null;
    const seq = this.d.repo.nextRunSeq();
    const run: RunRec = {
      seq,
      id: `run-${seq}`,
      match_id: stage?.match_id ?? st?.match_id ?? null,
      stage_id: stage?.id ?? null,
      shooter_id: up?.shooter_id ?? null,
      string_number: up?.string_number ?? null,
      timer_id: timerId,
      timer_string: timerString,
      state: 'running',
      opened_by: openedBy,
      closed_by: null,
      start_ms: startMs,
      start_received_ms: startReceived,
      start_event_id: eventId,
      stop_ms: null,
      stop_event_id: null,
      timer_final_ms: null,
      timer_total_shots: null,
      flags,
      base: null,
      created_at: this.d.now(),
      closed_at: null,
    };
    this.d.repo.insertRun(run);
    if (st && timerId) {
      // The shooter of the run becomes the station's current shooter, so "up" follows them.
      this.d.repo.upsertStation({
        ...st,
        shooter_id: up?.shooter_id ?? st.shooter_id,
        updated_at: this.d.now(),
      });
      fx.stations.add(timerId);
    }
    fx.runs.add(run.id);
    this.runEvent(run, 'RUN_STARTED', { opened_by: openedBy }, fx);
    return run;
  }

  private close(
    run: RunRec,
    by: ClosedBy,
    stop: { stop_ms: number; event_id: number | null; final_ms: number | null; total: number | null } | null,
    fx: Effects,
  ): RunRec {
    const shots = this.d.repo.shots(run.id);
    const last = shots.length ? Math.max(...shots.map((s) => s.time_ms)) : null;
    const raw = last ?? stop?.final_ms ?? null;
    const flags = [...run.flags];
    if (by === 'superseded') flags.push('no_stop_frame');
    if (stop?.total !== null && stop?.total !== undefined && stop.total > shots.length)
      flags.push('shots_missing');
    const base: ScoredValues = {
      raw_ms: raw,
      misses: 0,
      procedurals: 0,
      creeping: 0,
      foot_faults: 0,
      stop_plate_hit: true,
      finished: by !== 'superseded' || shots.length > 0,
      voided: false,
      approved: false,
    };
    const now = this.d.now();
    const stopMs = stop?.stop_ms ?? (run.start_ms !== null && last !== null ? run.start_ms + last : now);
    this.d.repo.closeRun({
      id: run.id,
      closed_by: by,
      stop_ms: stopMs,
      stop_event_id: stop?.event_id ?? null,
      timer_final_ms: stop?.final_ms ?? null,
      timer_total_shots: stop?.total ?? null,
      flags,
      base,
      closed_at: now,
    });
    const closed = this.d.repo.run(run.id)!;
    fx.runs.add(run.id);
    this.runEvent(closed, 'RUN_ENDED', { closed_by: by, time_ms: raw, shot_count: shots.length }, fx);
    if (run.timer_id) {
      fx.stations.add(run.timer_id);
      this.advanceStage(run.timer_id, fx);
    }
    return closed;
  }

  // -------------------------------------------------------------------------------------------
  // Impacts

  /** The run and plate an impact belongs to. */
  private attribute(
    sensorId: string,
    onsetMs: number,
    reportedPlate: string | null,
  ): { run: RunRec | null; plate: string | null } {
    const cands = [...this.d.repo.running(), ...this.d.repo.closedSince(onsetMs - this.window)].filter(
      (r) =>
        r.start_ms !== null &&
        onsetMs >= r.start_ms &&
        (r.stop_ms === null || onsetMs <= r.stop_ms + this.window),
    );
    const withPlate: { run: RunRec; plate: string }[] = [];
    for (const r of cands) {
      const stage = r.stage_id ? this.d.repo.stage(r.stage_id) : undefined;
      const t = stage?.targets.find((x) => x.sensor_id === sensorId);
      if (t) withPlate.push({ run: r, plate: t.plate_id });
    }
    if (withPlate.length) {
      withPlate.sort((a, b) => (b.run.start_ms ?? 0) - (a.run.start_ms ?? 0));
      return withPlate[0]!;
    }
    if (cands.length === 1) return { run: cands[0]!, plate: reportedPlate };
    return { run: null, plate: reportedPlate };
  }

  private onBridgeImpact(e: MarshalEvent, fx: Effects): void {
    const data = e.data;
    const sensorId = typeof data.sensor_id === 'string' && data.sensor_id ? data.sensor_id : e.device_id;
    if (!sensorId) return;
    const onset = Date.parse(e.ts);
    // Console detection wins for a sensor whose raw telemetry we have.
    let counted = this.d.detection.mode(sensorId) === 'bridge';
    if (
      counted &&
      this.d.repo.countedNear(sensorId, 'console', onset - SAME_HIT_MS, onset + SAME_HIT_MS).length
    ) {
      counted = false;
    }
    const { run, plate } = this.attribute(
      sensorId,
      onset,
      typeof data.plate_id === 'string' ? data.plate_id : null,
    );
    const id = this.d.repo.insertImpact({
      sensor_id: sensorId,
      plate_id: plate,
      run_id: run?.id ?? null,
      source: 'bridge',
      onset_ms: onset,
      peak: num(data.peak_amplitude),
      duration_ms: int(data.duration_ms),
      duration_samples: int(data.duration_samples),
      counted,
      event_id: e.id,
      received_ms: Date.parse(e.received_at),
    });
    if (id !== null && run) fx.runs.add(run.id);
  }

  private onConsoleImpact(imp: DetectedImpact, fx: Effects): void {
    const onset = Math.round(imp.onsetMs);
    const { run, plate } = this.attribute(imp.sensorId, onset, null);
    const id = this.d.repo.insertImpact({
      sensor_id: imp.sensorId,
      plate_id: plate,
      run_id: run?.id ?? null,
      source: 'console',
      onset_ms: onset,
      peak: Math.round(imp.peakDeviation * 100) / 100,
      duration_ms: Math.round(imp.durationMs),
      duration_samples: imp.durationSamples,
      counted: true,
      event_id: null,
      received_ms: this.d.now(),
    });
    if (id === null) return; // already known (a replay after a restart)
    for (const b of this.d.repo.countedNear(
      imp.sensorId,
      'bridge',
      onset - SAME_HIT_MS,
      onset + SAME_HIT_MS,
    )) {
      this.d.repo.uncount(b.id);
    }
    if (run) fx.runs.add(run.id);
    const data: Record<string, unknown> = {
      sensor_id: imp.sensorId,
      source: 'console',
      peak_amplitude: Math.round(imp.peakDeviation * 100) / 100,
      duration_ms: Math.round(imp.durationMs),
      duration_samples: imp.durationSamples,
      dedup_key: `console:${imp.sensorId}:${onset}`,
    };
    if (plate) data.plate_id = plate;
    if (run) {
      data.run_id = run.id;
      if (run.start_ms !== null) data.t_rel_ms = onset - run.start_ms;
    }
    fx.events.push({
      topic: this.topic('detection/impacts'),
      event: { kind: 'impact', device_id: imp.sensorId, ts: onset, data },
      publish: false,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Correlation and the views of a run

  private correlateRun(shots: ShotRec[], impacts: ImpactRec[]): Omit<CorrelationRec, 'run_id'>[] {
    const counted = impacts.filter((i) => i.counted);
    if (shots.length > MAX_PAIRED_SHOTS || counted.length > MAX_PAIRED_IMPACTS) return [];
    const res = pairShotsAndImpacts(
      shots.map((s) => ({ timeMs: s.wall_ms, s })),
      counted.map((i) => ({ sensorId: i.sensor_id, onsetMs: i.onset_ms, i })),
      { expectedDelays: this.d.detection.expectedDelays() },
    );
    return res.pairs.map((p) => ({
      shot_number: p.shot.s.shot_number,
      impact_id: p.impact.i.id,
      delay_ms: Math.round(p.delayMs),
      expected_ms: p.expectedDelayMs,
    }));
  }

  /** Correlation as shown: recomputed until the string is approved, then frozen. */
  private pairsOf(
    run: RunRec,
    folded: Folded,
    shots: ShotRec[],
    impacts: ImpactRec[],
  ): Omit<CorrelationRec, 'run_id'>[] {
    if (folded.current?.approved) return this.d.repo.correlations(run.id);
    return this.correlateRun(shots, impacts);
  }

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
    const pairs = this.pairsOf(run, folded, shots, impacts);
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
    const station = this.stationRow(timerId);
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
      const st = this.station(timerId);
      const taken = this.taken(stage);
      const { strings } = match ? this.d.score.matchStrings(match.id) : { strings: [] };
      for (const s of this.squadOf(st)) {
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

  // -------------------------------------------------------------------------------------------
  // RO actions

  startByRo(req: CommandReq<'run.start'>): RunDetail {
    if (this.d.repo.runningOnTimer(req.timer_id).length) {
      throw new ContractError(`a run is already running on ${req.timer_id}: stop it first`);
    }
    const fx = new Effects();
    const now = this.d.now();
    const run = this.d.repo.tx(() => this.open(req.timer_id, 'ro', now, now, null, null, [], fx));
    this.flush(fx);
    return this.detail(this.d.repo.run(run.id)!);
  }

  stopByRo(req: CommandReq<'run.stop'>): RunDetail {
    const run = this.requireRun(req.run_id);
    if (run.state !== 'running') throw new ContractError(`run ${run.id} is not running`);
    const fx = new Effects();
    const closed = this.d.repo.tx(() => this.close(run, 'ro', null, fx));
    this.flush(fx);
    return this.detail(closed);
  }

  assign(req: CommandReq<'run.assign'>): RunDetail {
    const fx = new Effects();
    const run = this.d.repo.tx(() => {
      const run = this.requireRun(req.run_id);
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
        stringNo = openStrings(stage.strings_per_stage, this.taken(stage).get(shooter.id))[0] ?? null;
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
        this.runEvent(
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
    this.flush(fx);
    return this.detail(run);
  }

  /** After a score change or approval: the audited event, learning, pushes. */
  scored(
    runId: string,
    kind: 'SCORE' | 'APPROVED',
    payload: Record<string, unknown>,
    logId: number,
  ): RunDetail {
    const fx = new Effects();
    const run = this.requireRun(runId);
    this.runEvent(run, kind, payload, fx, `${kind.toLowerCase()}:${logId}`);
    fx.runs.add(run.id);
    if (run.timer_id) fx.stations.add(run.timer_id);
    if (kind === 'APPROVED') {
      // The pairs the shooter approved are confirmed: freeze them and learn the delays.
      const shots = this.d.repo.shots(run.id);
      const impacts = this.d.repo.impactsOfRun(run.id);
      const pairs = this.correlateRun(shots, impacts);
      this.d.repo.replaceCorrelations(run.id, pairs);
      const sensorOf = new Map(impacts.map((i) => [i.id, i.sensor_id]));
      this.d.detection.learn(
        pairs.map((p) => ({ sensor_id: sensorOf.get(p.impact_id)!, delay_ms: p.delay_ms })),
      );
    }
    this.flush(fx);
    return this.detail(this.d.repo.run(runId)!);
  }

  // -------------------------------------------------------------------------------------------
  // Publishing and pushes

  topic(suffix: string): string {
    return this.d.prefix ? `${this.d.prefix}/${suffix}` : suffix;
  }

  private runEvent(
    run: RunRec,
    type: string,
    extra: Record<string, unknown>,
    fx: Effects,
    key?: string,
  ): void {
    const stage = run.stage_id ? this.d.repo.stage(run.stage_id) : undefined;
    const shooter = run.shooter_id ? this.d.repo.shooter(run.shooter_id) : undefined;
    const now = this.d.now();
    const data: Record<string, unknown> = {
      event_type: type,
      run_id: run.id,
      timestamp: toIso(now),
      source: MARSHAL_SOURCE,
      match_id: run.match_id,
      stage_id: run.stage_id,
      stage: stage?.code ?? null,
      stage_name: stage?.name ?? null,
      shooter_id: run.shooter_id,
      shooter: shooter?.name ?? null,
      division: shooter?.division ?? null,
      string_number: run.string_number,
      timer_id: run.timer_id,
      timer_string: run.timer_string,
      ...extra,
      dedup_key: `marshal:${run.id}:${key ?? type.toLowerCase()}`,
    };
    fx.events.push({
      topic: this.topic(`run/${run.id}/events`),
      event: { kind: 'run.event', device_id: run.id, ts: now, data },
      publish: true,
    });
  }

  /** Records the console's events (audit, run events, detections), publishes, marks pushes. */
  private flush(fx: Effects): void {
    const byTopic = new Map<string, ParsedEvent[]>();
    for (const e of fx.events) {
      const list = byTopic.get(e.topic);
      if (list) list.push(e.event);
      else byTopic.set(e.topic, [e.event]);
    }
    for (const [topic, events] of byTopic) {
      try {
        this.d.record(events, topic);
      } catch {
        // The store refused (it is closing): the run tables already hold the truth.
      }
    }
    for (const e of fx.events) if (e.publish) this.d.publish(e.topic, e.event.data, false);
    for (const r of fx.runs) this.dirtyRuns.add(r);
    for (const s of fx.stations) this.dirtyStations.add(s);
  }

  markRun(id: string): void {
    this.dirtyRuns.add(id);
  }

  markStation(timerId: string): void {
    this.dirtyStations.add(timerId);
  }

  markAllStations(): void {
    for (const s of this.d.repo.stations()) this.dirtyStations.add(s.timer_id);
  }

  /**
   * Runs each tick: correlates and publishes the runs that changed (retained status) and returns
   * what to push. A running run is also refreshed once a second, for its clock and time remaining.
   */
  tick(): { runs: RunDetail[]; stations: StationRow[] } | null {
    const now = this.d.now();
    const stale: RunRec[] = [];
    for (const r of this.d.repo.running()) {
      if (now - (this.lastShown.get(r.id) ?? 0) >= CLOCK_REFRESH_MS) this.dirtyRuns.add(r.id);
      const last = this.d.repo.lastShotReceived(r.id) ?? r.start_received_ms ?? r.created_at;
      if (now - last > STALE_RUN_MS) stale.push(r);
    }
    if (stale.length) {
      const fx = new Effects();
      this.d.repo.tx(() => {
        for (const r of stale) this.close({ ...r, flags: [...r.flags, 'stale'] }, 'superseded', null, fx);
      });
      this.flush(fx);
    }
    if (!this.dirtyRuns.size && !this.dirtyStations.size) return null;
    const runs: RunDetail[] = [];
    const devices = this.d.devices();
    for (const id of this.dirtyRuns) {
      const run = this.d.repo.run(id);
      if (!run) continue;
      const folded = this.d.score.fold(run);
      if (!folded.current?.approved) {
        const shots = this.d.repo.shots(run.id);
        const impacts = this.d.repo.impactsOfRun(run.id);
        this.d.repo.replaceCorrelations(run.id, this.correlateRun(shots, impacts));
      }
      const detail = this.detail(run);
      runs.push(detail);
      if (run.state === 'running') this.lastShown.set(run.id, now);
      else this.lastShown.delete(run.id);
      this.d.publish(this.topic(`run/${run.id}/status`), this.statusPayload(detail), true);
    }
    const stations = [...this.dirtyStations].map((t) => this.stationRow(t, devices));
    this.dirtyRuns.clear();
    this.dirtyStations.clear();
    return { runs, stations };
  }

  statusPayload(d: RunDetail): Record<string, unknown> {
    return {
      run_id: d.run_id,
      state: d.state,
      timestamp: d.server_now,
      source: MARSHAL_SOURCE,
      match_id: d.match_id,
      stage_id: d.stage_id,
      stage: d.stage_code,
      stage_name: d.stage_name,
      shooter_id: d.shooter_id,
      shooter: d.shooter_name,
      division: d.division,
      string_number: d.string_number,
      strings_per_stage: d.strings_per_stage,
      targets: d.plates.map((p) => ({
        plate_id: p.plate_id,
        role: p.role,
        sensor_id: p.sensor_id,
        hits: p.hits,
      })),
      shot_count: d.shot_count,
      last_shot_ms: d.last_shot_ms,
      elapsed_ms: d.elapsed_ms,
      time_remaining_ms: d.elapsed_ms !== null ? Math.max(0, STRING_CAP_MS - d.elapsed_ms) : null,
      raw_ms: d.current?.raw_ms ?? null,
      penalties: d.score?.penalties ?? null,
      score_ms: d.score?.score_ms ?? null,
      approved: d.current?.approved ?? false,
      unmatched_shots: d.unmatched_shots.length,
      unmatched_impacts: d.unmatched_impacts.length,
    };
  }

  /** On start: the retained statuses of open and recent runs (the embedded broker forgets them). */
  republish(limit = 20): void {
    for (const r of this.d.repo.listRuns({ limit })) {
      this.d.publish(this.topic(`run/${r.id}/status`), this.statusPayload(this.detail(r)), true);
    }
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
