/**
 * Impacts and their shots: which run and plate an impact belongs to (the run whose span holds its
 * onset, stop + the correlation window for late reports; the plate whose sensor it came from on
 * that run's stage), which of a console detection and a bridge report of the same hit counts, and
 * the pairing of a run's shots with its counted impacts using the learnt per-sensor delays.
 */
import type { MarshalEvent } from '../../src-shared/events/model';
import { DEFAULT_CORRELATION_SETTINGS } from '../../src-shared/range/correlation';
import type { DetectedImpact } from '../../src-shared/range/detector';
import type { CorrelationRec, ImpactRec, RunRec, ShotRec } from './repo';
import { int, num, type Effects, type RunDeps, type RunEvents } from './run-effects';
import type { Folded } from './score';
import { pairShotsAndImpacts } from './pairing';

/** A console detection and a bridge report of the same sensor this close are the same hit. */
const SAME_HIT_MS = 200;
/** Pairing is superlinear: a run past these sizes (a timer that never stops) is not paired. */
const MAX_PAIRED_SHOTS = 200;
const MAX_PAIRED_IMPACTS = 400;

export type CorrelationDeps = Pick<RunDeps, 'repo' | 'detection' | 'now'>;

export class RunCorrelation {
  private readonly window = DEFAULT_CORRELATION_SETTINGS.windowMs;

  constructor(
    private readonly d: CorrelationDeps,
    private readonly events: RunEvents,
  ) {}

  /** The run and plate an impact belongs to. */
  attribute(
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

  onBridgeImpact(e: MarshalEvent, fx: Effects): void {
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

  onConsoleImpact(imp: DetectedImpact, fx: Effects): void {
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
      topic: this.events.topic('detection/impacts'),
      event: { kind: 'impact', device_id: imp.sensorId, ts: onset, data },
      publish: false,
    });
  }

  correlate(shots: ShotRec[], impacts: ImpactRec[]): Omit<CorrelationRec, 'run_id'>[] {
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
  pairsOf(
    run: RunRec,
    folded: Folded,
    shots: ShotRec[],
    impacts: ImpactRec[],
  ): Omit<CorrelationRec, 'run_id'>[] {
    if (folded.current?.approved) return this.d.repo.correlations(run.id);
    return this.correlate(shots, impacts);
  }
}
