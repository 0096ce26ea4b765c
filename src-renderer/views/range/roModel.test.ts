import { describe, expect, it } from 'vitest';
import type { RangePush, RunDetail, RunShot, StationRow } from '../../../src-shared/contract/range';
import { closed, detail, running, station, T0, TIMER } from '../../../tests/support/renderer/rangeFixtures';
import { clockMs } from './model';
import {
  alertsOf,
  onLoaded,
  onPush,
  pin,
  REANCHOR_MS,
  RO_INITIAL,
  runSeq,
  showRun,
  unpin,
  type RoModel,
} from './roModel';

function push(runs: RunDetail[], stations: StationRow[] = []): RangePush {
  return { runs, stations };
}

function shot(n: number, time_ms: number, over: Partial<RunShot> = {}): RunShot {
  return {
    shot_number: n,
    time_ms,
    split_ms: null,
    wall_at: new Date(T0 + time_ms).toISOString(),
    raw_hex: null,
    impact_id: null,
    plate_id: null,
    delay_ms: null,
    unmatched: false,
    accepted: false,
    after_stop_plate: false,
    ...over,
  };
}

describe('RO model: pushes', () => {
  it('a string opened on this timer is shown with its clock anchored, and the RO state reloads', () => {
    const out = onPush(RO_INITIAL, push([running('run-1', T0 + 300)]), TIMER, [TIMER], 50_000);
    expect(out.model.run?.run_id).toBe('run-1');
    // 300 ms had elapsed at the core when it was built: the clock read 0 at local 50 000 − 300.
    expect(out.model.origin).toBe(49_700);
    expect(out.refresh).toBe(true);
    expect(out.refreshStations).toBe(false);
  });

  it('the string on screen closing shows its accepted time, stops the clock and reloads the RO state', () => {
    const m = showRun(RO_INITIAL, running('run-1', T0 + 1000), 10_000);
    const out = onPush(m, push([closed('run-1', T0 + 4500)]), TIMER, [TIMER], 13_500);
    expect(out.model.run?.state).toBe('review');
    expect(out.model.origin).toBeNull();
    expect(clockMs(out.model.run, out.model.origin, 99_999)).toBe(4210);
    expect(out.refresh).toBe(true);
  });

  it('a refresh of the running string that changes nothing but the clock does not reload the RO state', () => {
    const m = showRun(RO_INITIAL, running('run-1', T0 + 1000), 10_000);
    const out = onPush(m, push([running('run-1', T0 + 2000)]), TIMER, [TIMER], 11_000);
    expect(out.refresh).toBe(false);
    expect(out.model.run?.server_now).toBe(new Date(T0 + 2000).toISOString());
  });

  it('a detail of the string on screen older than the one shown is dropped: a closed string stays closed', () => {
    const m = showRun(RO_INITIAL, closed('run-1', T0 + 4500), 13_500);
    // A running refresh built before the stop, delivered after it.
    const out = onPush(m, push([running('run-1', T0 + 4000)]), TIMER, [TIMER], 13_600);
    expect(out.model.run?.state).toBe('review');
    expect(out.model.origin).toBeNull();
    // The same holds for an RO state that was answered before the push overtook it.
    const loaded = onLoaded(m, running('run-1', T0 + 4000), 13_600);
    expect(loaded.run?.state).toBe('review');
  });

  it('the next string and the close of the previous one in either order: the next one is shown', () => {
    const m = showRun(RO_INITIAL, running('run-5', T0 + 3000), 10_000);
    const next = running('run-6', T0 + 6000);
    const prev = closed('run-5', T0 + 5000);
    for (const runs of [
      [prev, next],
      [next, prev],
    ]) {
      const out = onPush(m, push(runs), TIMER, [TIMER], 13_000);
      expect(out.model.run?.run_id).toBe('run-6');
      expect(out.model.run?.state).toBe('running');
    }
  });

  it('an older closed string of this timer does not replace a newer one', () => {
    const m = showRun(RO_INITIAL, closed('run-7', T0 + 9000), 20_000);
    const out = onPush(m, push([closed('run-6', T0 + 9500)]), TIMER, [TIMER], 20_500);
    expect(out.model.run?.run_id).toBe('run-7');
    expect(out.refresh).toBe(false);
    const newer = onPush(m, push([closed('run-8', T0 + 9500)]), TIMER, [TIMER], 20_500);
    expect(newer.model.run?.run_id).toBe('run-8');
  });

  it('runs of other timers are ignored; a timer the station list does not know asks for the list', () => {
    const m = showRun(RO_INITIAL, closed('run-2', T0 + 5000), 10_000);
    const other = running('run-9', T0 + 6000, { timer_id: 'amg-2' });
    const out = onPush(m, push([other], [station('amg-2')]), TIMER, [TIMER], 11_000);
    expect(out.model).toBe(m);
    expect(out.refresh).toBe(false);
    expect(out.refreshStations).toBe(true);
    const ours = onPush(m, push([], [station(TIMER)]), TIMER, [TIMER], 11_000);
    expect(ours.refresh).toBe(true);
    expect(ours.refreshStations).toBe(false);
  });

  it('a pinned string stays on screen: neither a new string nor a loaded state replaces it', () => {
    let m: RoModel = showRun(RO_INITIAL, running('run-3', T0 + 1000), 10_000);
    m = pin(m, 'run-2');
    m = showRun(m, closed('run-2', T0 + 1100), 10_100);
    const out = onPush(m, push([running('run-4', T0 + 2000)]), TIMER, [TIMER], 11_000);
    expect(out.model.run?.run_id).toBe('run-2');
    expect(onLoaded(out.model, running('run-4', T0 + 2100), 11_100).run?.run_id).toBe('run-2');
    // Back to the line: the loaded state is shown again.
    const back = onLoaded(unpin(out.model), running('run-4', T0 + 2100), 11_100);
    expect(back.run?.run_id).toBe('run-4');
    expect(back.pinned).toBeNull();
  });

  it('run ids order by their number, not as text', () => {
    expect(runSeq('run-10')).toBeGreaterThan(runSeq('run-9'));
  });
});

describe('RO model: the running clock', () => {
  it('keeps its anchor across refreshes that arrive with network jitter, so it does not drift', () => {
    const firstLocal = 100_000;
    let m = onPush(RO_INITIAL, push([running('run-1', T0 + 500)]), TIMER, [TIMER], firstLocal).model;
    const anchor = m.origin!;
    // The core refreshes once a second; each push reaches the screen 0–200 ms late.
    const jitter = [120, 0, 200, 35, 180, 60, 10, 199, 90, 140];
    for (let k = 1; k <= 30; k++) {
      const coreAt = T0 + 500 + k * 1000;
      const local = firstLocal + k * 1000 + jitter[k % jitter.length]!;
      m = onPush(m, push([running('run-1', coreAt)]), TIMER, [TIMER], local).model;
      expect(m.origin).toBe(anchor);
    }
    // 30.5 s after the start by the core's time, the screen reads 30.5 s (plus the first push's delay).
    expect(clockMs(m.run, m.origin, firstLocal + 30_000)).toBe(30_500);
  });

  it('re-anchors when the core’s time jumps by more than the tolerance', () => {
    let m = onPush(RO_INITIAL, push([running('run-1', T0 + 1000)]), TIMER, [TIMER], 50_000).model;
    const anchor = m.origin!;
    const within = onPush(m, push([running('run-1', T0 + 2000 + REANCHOR_MS - 1)]), TIMER, [TIMER], 51_000);
    expect(within.model.origin).toBe(anchor);
    m = onPush(m, push([running('run-1', T0 + 2000 + REANCHOR_MS + 50)]), TIMER, [TIMER], 51_000).model;
    expect(m.origin).toBe(anchor - REANCHOR_MS - 50);
  });

  it('never reads less than the timer’s own time of the last shot', () => {
    const run = running('run-1', T0 + 1000, { last_shot_ms: 2600, shot_count: 3 });
    const m = showRun(RO_INITIAL, run, 10_000);
    // Locally only 1.2 s have passed since the anchor, but the timer said 2.6 s at its last shot.
    expect(clockMs(m.run, m.origin, 10_200)).toBe(2600);
    expect(clockMs(m.run, m.origin, 12_000)).toBe(3000);
  });
});

describe('RO model: alerts', () => {
  it('a timer that counted more shots than arrived is the first thing flagged, as bad', () => {
    const a = alertsOf(detail({ run_id: 'run-1', flags: ['shots_missing'] }));
    expect(a.map((x) => [x.id, x.tone])).toEqual([['missing', 'bad']]);
  });

  it('shots after the stop plate offer the last aimed shot as the time', () => {
    const run = {
      ...closed('run-1', T0 + 6000, 5200),
      shots: [shot(1, 1500), shot(2, 3100), shot(3, 5200, { after_stop_plate: true })],
    };
    const echo = alertsOf(run).find((x) => x.id === 'echo');
    expect(echo?.text).toContain('1 shot after the stop plate');
    expect(echo?.fix?.action).toEqual({ accept: run.shots[1] });
  });

  it('while running, plates not hit are not an alert yet', () => {
    const run = detail({ run_id: 'run-1', plates_not_hit: ['P1'] });
    expect(alertsOf(run)).toEqual([]);
    expect(alertsOf({ ...closed('run-1', T0), plates_not_hit: ['P1'] }).map((x) => x.id)).toEqual(['nothit']);
  });
});
