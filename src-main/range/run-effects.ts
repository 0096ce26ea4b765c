/**
 * What a change to a run leaves behind: the console's own events (audited run events, detections)
 * and the runs and stations whose pushes are due. Collected inside a transaction, run after it
 * commits, so a rolled-back change publishes nothing.
 */
import type { DeviceRow } from '../../src-shared/contract';
import type { MarshalEvent } from '../../src-shared/events/model';
import { toIso } from '../../src-shared/events/time';
import type { ParsedEvent } from '../../src-shared/ingest';
import type { DetectionService } from './detection';
import type { RangeRepo, RunRec } from './repo';
import type { ScoreService } from './score';
import type { SetupService } from './setup';

export const MARSHAL_SOURCE = 'marshal';

export class Effects {
  readonly events: { topic: string; event: ParsedEvent; publish: boolean }[] = [];
  readonly runs = new Set<string>();
  readonly stations = new Set<string>();
}

export function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function int(v: unknown): number | null {
  const n = num(v);
  return n === null ? null : Math.round(n);
}

/** The console's topics under the range prefix, and the audited `run.event`s it publishes there. */
export class RunEvents {
  constructor(
    private readonly repo: RangeRepo,
    private readonly prefix: string,
    private readonly now: () => number,
  ) {}

  topic(suffix: string): string {
    return this.prefix ? `${this.prefix}/${suffix}` : suffix;
  }

  emit(run: RunRec, type: string, extra: Record<string, unknown>, fx: Effects, key?: string): void {
    const stage = run.stage_id ? this.repo.stage(run.stage_id) : undefined;
    const shooter = run.shooter_id ? this.repo.shooter(run.shooter_id) : undefined;
    const now = this.now();
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
}

/** What the run service needs from the rest of the console. */
export interface RunDeps {
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
