/**
 * What the outside sees of runs: the console's own events recorded and published after a
 * transaction commits, the retained `run/{id}/status` of every run that changed (and of running
 * runs once a second, for their clock), and the runs and stations the `range` push carries.
 */
import type { ParsedEvent } from '../../src-shared/ingest';
import type { RunDetail, StationRow } from '../../src-shared/contract/range';
import type { RunCorrelation } from './correlation';
import type { RunReadModels } from './read-models';
import type { RunRec } from './repo';
import { MARSHAL_SOURCE, type Effects, type RunDeps, type RunEvents } from './run-effects';
import type { StationService } from './stations';

/** String cap (domain.md §5): the status reports the time remaining under it. */
const STRING_CAP_MS = 30_000;
/** A running run's status and push are refreshed at least this often. */
const CLOCK_REFRESH_MS = 1000;

export type StatusDeps = Pick<RunDeps, 'repo' | 'score' | 'record' | 'publish' | 'devices'>;

export class StatusPublisher {
  private readonly dirtyRuns = new Set<string>();
  private readonly dirtyStations = new Set<string>();
  private readonly lastShown = new Map<string, number>();

  constructor(
    private readonly d: StatusDeps,
    private readonly events: RunEvents,
    private readonly stations: StationService,
    private readonly correlation: RunCorrelation,
    private readonly views: RunReadModels,
  ) {}

  /** Records the console's events (audit, run events, detections), publishes, marks pushes. */
  flush(fx: Effects): void {
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

  markStation(timerId: string): void {
    this.dirtyStations.add(timerId);
  }

  markAllStations(): void {
    for (const s of this.d.repo.stations()) this.dirtyStations.add(s.timer_id);
  }

  /** A running run's push is refreshed at least once a second, for its clock and time remaining. */
  refreshClocks(running: readonly RunRec[], now: number): void {
    for (const r of running) {
      if (now - (this.lastShown.get(r.id) ?? 0) >= CLOCK_REFRESH_MS) this.dirtyRuns.add(r.id);
    }
  }

  /**
   * Correlates and publishes the runs that changed (retained status) and returns what to push, or
   * null when nothing changed.
   */
  collect(now: number): { runs: RunDetail[]; stations: StationRow[] } | null {
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
        this.d.repo.replaceCorrelations(run.id, this.correlation.correlate(shots, impacts));
      }
      const detail = this.views.detail(run);
      runs.push(detail);
      if (run.state === 'running') this.lastShown.set(run.id, now);
      else this.lastShown.delete(run.id);
      this.d.publish(this.events.topic(`run/${run.id}/status`), this.statusPayload(detail), true);
    }
    const stations = [...this.dirtyStations].map((t) => this.stations.stationRow(t, devices));
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
      this.d.publish(this.events.topic(`run/${r.id}/status`), this.statusPayload(this.views.detail(r)), true);
    }
  }
}
