/**
 * The string state machine (domain.md §2–§5), persisted in SQLite so a restart mid-string resumes
 * it:
 *
 *   (timer START | T0 marker with no open run | RO start | SHOT with no open run) → running →
 *   (timer STOP | RO stop | the next START of the same timer | silence past STALE_RUN_MS, or
 *   T0_IDLE_MS for a string fed by T0 markers) → closed
 *
 * - Shot wall time = the start frame's receive time (the event's `ts`: the bridge's stamp, or the
 *   console's receive time when the bridge sent none) + the timer's own time since the beep. Never
 *   the shot frame's receive time (it arrives 10–99 ms late).
 * - A SHOT whose string number differs from the open run's, or that comes with no open run (its
 *   START was lost), closes that run and opens an implicit one anchored at `shot ts − time_ms` —
 *   for a timer that has had runs before. Shots from a timer that never sent a START (a shot-only
 *   feed) open nothing: runs begin with a START or the RO. A STOP that repeats a shot not seen adds
 *   it from the stop frame.
 */
import type { MarshalEvent } from '../../src-shared/events/model';
import type { ScoredValues } from '../../src-shared/contract/range';
import type { ClosedBy, OpenedBy, RunRec } from './repo';
import { int, MARSHAL_SOURCE, type Effects, type RunDeps, type RunEvents } from './run-effects';
import type { StationService } from './stations';

const TIMER_KINDS = new Set(['timer.start', 'timer.shot', 'timer.stop']);
/** A run with no shot for this long (console time) lost its stop: it is closed (`stale`). */
export const STALE_RUN_MS = 10 * 60_000;
/**
 * A string fed only by T0 markers never gets a STOP: it ends when the RO stops it or when no
 * marker came for this long. Short enough that the next shooter's beep starts a new string, long
 * enough for a reload or a movement between arrays.
 */
export const T0_IDLE_MS = 30_000;
/** Flag of a run opened by a T0 marker (each further marker is a shot; it closes on idle). */
export const T0_FLAG = 't0_markers';

/** A frame from a timer (the console's own run events echo under the same kinds: not those). */
export function isTimer(e: MarshalEvent): boolean {
  return TIMER_KINDS.has(e.kind) && e.data.source !== MARSHAL_SOURCE;
}

export type StringMachineDeps = Pick<RunDeps, 'repo' | 'now'>;

export class StringMachine {
  constructor(
    private readonly d: StringMachineDeps,
    private readonly stations: StationService,
    private readonly events: RunEvents,
  ) {}

  /** The running runs that lost their stop: nothing from their timer for STALE_RUN_MS. */
  stale(running: readonly RunRec[], now: number): RunRec[] {
    return running.filter((r) => {
      const last = this.d.repo.lastShotReceived(r.id) ?? r.start_received_ms ?? r.created_at;
      return now - last > (r.flags.includes(T0_FLAG) ? T0_IDLE_MS : STALE_RUN_MS);
    });
  }

  closeStale(runs: readonly RunRec[], fx: Effects): void {
    for (const r of runs) this.close({ ...r, flags: [...r.flags, 'stale'] }, 'superseded', null, fx);
  }

  onTimer(e: MarshalEvent, fx: Effects): void {
    const timer = e.device_id;
    const ts = Date.parse(e.ts);
    const received = Date.parse(e.received_at);
    const data = e.data;
    const stringNo = int(data.string_number);
    const running = this.d.repo.runningOnTimer(timer);
    let run = running[0];
    // More than one open run on a timer cannot happen through this code; close extras defensively.
    for (const extra of running.slice(1)) this.close(extra, 'superseded', null, fx);

    if (e.kind === 'timer.start' && data.t0 === true) {
      // The bridge sends the same T0 for the beep and for every shot: inside an open string it
      // marks a shot, timed from the string's start.
      if (run) {
        this.addShot(run, {}, ts, received, e.id);
        fx.runs.add(run.id);
      } else this.open(timer, 'timer', ts, received, e.id, null, [T0_FLAG], fx);
      return;
    }
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

  open(
    timerId: string | null,
    openedBy: OpenedBy,
    startMs: number,
    startReceived: number,
    eventId: number | null,
    timerString: number | null,
    flags: string[],
    fx: Effects,
  ): RunRec {
    const st = timerId ? this.stations.station(timerId) : null;
    const stage = st?.stage_id ? this.d.repo.stage(st.stage_id) : undefined;
    const up = st && stage ? this.stations.upNext(st, stage).up : null;
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
    this.events.emit(run, 'RUN_STARTED', { opened_by: openedBy }, fx);
    return run;
  }

  close(
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
    this.events.emit(closed, 'RUN_ENDED', { closed_by: by, time_ms: raw, shot_count: shots.length }, fx);
    if (run.timer_id) {
      fx.stations.add(run.timer_id);
      this.stations.advanceStage(run.timer_id, fx);
    }
    return closed;
  }
}
