import { describe, expect, it } from 'vitest';
import type { EventKind, MarshalEvent } from '../../src-shared/events/model';
import {
  applyTimerEvents,
  buildStrings,
  clockFor,
  emptyStrings,
  PREVIOUS_STRINGS,
  STALE_STRING_MS,
} from './strings';

let nextId = 1;
function ev(
  kind: EventKind,
  data: Record<string, unknown>,
  device_id = 'timer-1',
  id = nextId++,
): MarshalEvent {
  const at = new Date(Date.UTC(2026, 1, 17, 12, 0, 0) + id * 100).toISOString();
  const topic = kind === 'impact' ? 'leadville/detection/impacts' : 'leadville/timer/events';
  return { id, kind, family: 'range', device_id, ts: at, received_at: at, topic, data };
}
const start = (string_number: number, device?: string) =>
  ev('timer.start', { event_type: 'START', string_number }, device);
const shot = (n: number, time_ms: number, split_ms: number, string_number = 1, device?: string) =>
  ev('timer.shot', { event_type: 'SHOT', shot_number: n, time_ms, split_ms, string_number }, device);
const stop = (time_ms: number, string_number = 1, device?: string) =>
  ev('timer.stop', { event_type: 'STOP', time_ms, string_number }, device);
const impact = (sensor_id: string, plate_id: string, t_rel_ms: number) =>
  ev('impact', { sensor_id, plate_id, t_rel_ms, peak_amplitude: 24 }, 'bridge-1');

const live = { now: 1_000_000, live: true };

describe('applyTimerEvents', () => {
  it('groups start, shots, impacts and stop into the current string', () => {
    const s = applyTimerEvents(
      emptyStrings,
      [start(2), shot(1, 1800, 1800, 2), impact('s1', 'P1', 2300), shot(2, 3480, 1680, 2), stop(3480, 2)],
      live,
    );
    expect(s.current?.string_number).toBe(2);
    expect(s.current?.shots.map((r) => [r.shot_number, r.time_ms, r.split_ms])).toEqual([
      [1, 1800, 1800],
      [2, 3480, 1680],
    ]);
    expect(s.current?.impacts.map((i) => [i.sensor_id, i.plate_id, i.t_rel_ms])).toEqual([
      ['s1', 'P1', 2300],
    ]);
    expect(s.current?.stopped).toBe(true);
    expect(s.current?.final_ms).toBe(3480);
    expect(s.previous).toEqual([]);
  });

  it('starts a new current string on timer.start and keeps a few previous ones, newest first', () => {
    let s = emptyStrings;
    for (let n = 1; n <= PREVIOUS_STRINGS + 3; n++) {
      s = applyTimerEvents(s, [start(n), shot(1, 1000 + n, 1000 + n, n), stop(1000 + n, n)], live);
    }
    expect(s.current?.string_number).toBe(PREVIOUS_STRINGS + 3);
    expect(s.previous).toHaveLength(PREVIOUS_STRINGS);
    expect(s.previous.map((p) => p.string_number)).toEqual([7, 6, 5, 4, 3]);
  });

  it('ignores events already applied (same or lower id)', () => {
    const a = start(1);
    const b = shot(1, 2290, 2290);
    const s1 = applyTimerEvents(emptyStrings, [a, b], live);
    const s2 = applyTimerEvents(s1, [b], live);
    expect(s2).toBe(s1);
    expect(s2.current?.shots).toHaveLength(1);
  });

  it('returns the same state when the batch has no string events', () => {
    const s1 = applyTimerEvents(emptyStrings, [start(1)], live);
    const s2 = applyTimerEvents(s1, [ev('sensor.status', { state: 'connected' }, 's1')], live);
    expect(s2).toBe(s1);
  });

  it('does not mutate the previous state (immutable updates)', () => {
    const s1 = applyTimerEvents(emptyStrings, [start(1), shot(1, 1000, 1000)], live);
    const shotsBefore = s1.current?.shots;
    const s2 = applyTimerEvents(s1, [shot(2, 2000, 1000)], live);
    expect(shotsBefore).toHaveLength(1);
    expect(s2.current?.shots).toHaveLength(2);
    expect(s2.current).not.toBe(s1.current);
  });

  it('opens an implicit string for shots without a start (joined mid-string)', () => {
    const s = applyTimerEvents(emptyStrings, [shot(3, 2500, 400, 9)], live);
    expect(s.current?.implicit).toBe(true);
    expect(s.current?.string_number).toBe(9);
    expect(clockFor(s.current, live.now)).toEqual({ ms: 2500, running: false, note: 'joined mid-string' });
  });

  it('starts a new string when a shot names a different string number', () => {
    const s = applyTimerEvents(emptyStrings, [start(1), shot(1, 1000, 1000, 1), shot(1, 900, 900, 2)], live);
    expect(s.current?.string_number).toBe(2);
    expect(s.previous[0]?.string_number).toBe(1);
  });

  it('keeps two timers apart: a shot goes to the open string of its own timer', () => {
    const s = applyTimerEvents(
      emptyStrings,
      [start(1, 'bay-A'), start(1, 'bay-B'), shot(1, 1500, 1500, 1, 'bay-A')],
      live,
    );
    expect(s.current?.device_id).toBe('bay-B');
    expect(s.current?.shots).toHaveLength(0);
    expect(s.previous[0]?.device_id).toBe('bay-A');
    expect(s.previous[0]?.shots).toHaveLength(1);
  });

  it('replaces a redelivered shot with the same number instead of duplicating it', () => {
    const s = applyTimerEvents(emptyStrings, [start(1), shot(1, 1000, 1000), shot(1, 1010, 1010)], live);
    expect(s.current?.shots.map((r) => r.time_ms)).toEqual([1010]);
  });

  it('keeps impacts that arrive before any string as loose impacts', () => {
    const s = applyTimerEvents(emptyStrings, [impact('s1', 'P1', 0)], live);
    expect(s.current).toBeNull();
    expect(s.looseImpacts).toHaveLength(1);
  });

  it('falls back to the last shot time when the stop carries no time', () => {
    const s = applyTimerEvents(
      emptyStrings,
      [start(1), shot(1, 2290, 2290), ev('timer.stop', { event_type: 'STOP' })],
      live,
    );
    expect(s.current?.final_ms).toBe(2290);
  });
});

describe('buildStrings', () => {
  it('rebuilds from newest-first history with overlaps', () => {
    const events = [start(4), shot(1, 1200, 1200, 4), shot(2, 2000, 800, 4)];
    const history = [...events].reverse().concat(events[1] as MarshalEvent);
    const s = buildStrings(history, Date.now());
    expect(s.current?.string_number).toBe(4);
    expect(s.current?.shots.map((r) => r.shot_number)).toEqual([1, 2]);
    expect(s.lastId).toBe(events[2]?.id);
  });
});

describe('clockFor', () => {
  it('runs from the start while open and never shows less than the last shot', () => {
    const s = applyTimerEvents(emptyStrings, [start(1)], { now: 10_000, live: true });
    expect(clockFor(s.current, 12_345)).toEqual({ ms: 2345, running: true, note: null });
    const s2 = applyTimerEvents(s, [shot(1, 4000, 4000)], { now: 12_400, live: true });
    expect(clockFor(s2.current, 12_500).ms).toBe(4000);
  });
  it('shows the final time once stopped', () => {
    const s = applyTimerEvents(emptyStrings, [start(1), shot(1, 2290, 2290), stop(2290)], live);
    expect(clockFor(s.current, live.now + 60_000)).toEqual({ ms: 2290, running: false, note: null });
  });
  it('stops running when an open string went stale', () => {
    const s = applyTimerEvents(emptyStrings, [start(1), shot(1, 1500, 1500)], live);
    const r = clockFor(s.current, live.now + STALE_STRING_MS + 1);
    expect(r).toEqual({ ms: 1500, running: false, note: 'no stop received' });
  });
  it('is empty without a string', () => {
    expect(clockFor(null, 0)).toEqual({ ms: null, running: false, note: null });
  });
});
