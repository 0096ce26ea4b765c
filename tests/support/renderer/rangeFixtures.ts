/** Runs and stations as the core sends them to the RO screen, for the range views' tests. */
import type { RunDetail, StationRow } from '../../../src-shared/contract/range';

export const T0 = Date.parse('2026-03-01T10:00:00.000Z');
export const TIMER = 'amg-1';

export function detail(over: Partial<RunDetail> & { run_id: string }): RunDetail {
  return {
    match_id: 'm1',
    stage_id: 's1',
    stage_code: 'SC-101',
    stage_name: '5 to Go',
    shooter_id: 'sh-ann',
    shooter_name: 'Ann',
    division: 'RFRI',
    class: 'A',
    string_number: 1,
    strings_per_stage: 5,
    timer_id: TIMER,
    timer_string: 1,
    state: 'running',
    opened_by: 'timer',
    closed_by: null,
    started_at: new Date(T0).toISOString(),
    stopped_at: null,
    shot_count: 0,
    last_shot_ms: null,
    current: null,
    score: null,
    flags: [],
    base: null,
    shots: [],
    impacts: [],
    plates: [],
    unmatched_shots: [],
    unmatched_impacts: [],
    plates_not_hit: [],
    stop_plate_detected: null,
    history: [],
    server_now: new Date(T0).toISOString(),
    elapsed_ms: 0,
    ...over,
  };
}

export function closed(run_id: string, serverNow: number, rawMs = 4210): RunDetail {
  return detail({
    run_id,
    state: 'review',
    closed_by: 'timer',
    elapsed_ms: null,
    server_now: new Date(serverNow).toISOString(),
    last_shot_ms: rawMs,
    current: {
      raw_ms: rawMs,
      misses: 0,
      procedurals: 0,
      creeping: 0,
      foot_faults: 0,
      stop_plate_hit: true,
      finished: true,
      voided: false,
      approved: false,
    },
  });
}

/** The core's detail of a running run built at core time `at` (elapsed since its start T0). */
export function running(run_id: string, at: number, over: Partial<RunDetail> = {}): RunDetail {
  return detail({ run_id, server_now: new Date(at).toISOString(), elapsed_ms: at - T0, ...over });
}

export function station(timer_id: string): StationRow {
  return {
    timer_id,
    match_id: null,
    stage_id: null,
    squad: null,
    shooter_id: null,
    up: null,
    next: null,
    running_run_id: null,
    last_run_id: null,
    timer: null,
  };
}
