import { describe, expect, it } from 'vitest';
import type { RunDetail } from '../../../src-shared/contract/range';
import { auditValue, clockMs, clockOrigin, fieldOfAction, roActionForKey, RO_SHORTCUTS } from './model';

describe('RO shortcuts', () => {
  it('letters map to actions; Shift removes a penalty; digits stay for the views', () => {
    expect(roActionForKey('m')).toBe('miss');
    expect(roActionForKey('M', { shiftKey: true })).toBe('miss-');
    expect(roActionForKey('M')).toBe('miss'); // caps lock is not shift
    expect(roActionForKey('p')).toBe('procedural');
    expect(roActionForKey('f')).toBe('foot_fault');
    expect(roActionForKey('c')).toBe('creeping');
    expect(roActionForKey('t')).toBe('stop_plate');
    expect(roActionForKey('a')).toBe('approve');
    expect(roActionForKey('r')).toBe('reshoot');
    expect(roActionForKey('v')).toBe('void');
    expect(roActionForKey('s')).toBe('remote_start');
    expect(roActionForKey('x')).toBe('stop');
    expect(roActionForKey('?')).toBe('help');
    expect(roActionForKey('A', { shiftKey: true })).toBeNull();
    expect(roActionForKey('m', { ctrlKey: true })).toBeNull();
    expect(roActionForKey('1')).toBeNull();
    expect(roActionForKey('Enter')).toBeNull();
  });

  it('every shortcut is documented', () => {
    const keys = RO_SHORTCUTS.map((s) => s.keys.toLowerCase());
    for (const k of ['m', 'p', 'f', 'c', 't', 'a', 'r', 'v', 's', 'x', '?']) expect(keys).toContain(k);
  });

  it('penalty actions name the field and the direction', () => {
    expect(fieldOfAction('miss')).toEqual({ field: 'misses', delta: 1 });
    expect(fieldOfAction('foot_fault-')).toEqual({ field: 'foot_faults', delta: -1 });
    expect(fieldOfAction('approve')).toBeNull();
  });
});

const run = (patch: Partial<RunDetail>): RunDetail =>
  ({ state: 'running', elapsed_ms: 1200, last_shot_ms: null, current: null, ...patch }) as RunDetail;

describe('RO clock', () => {
  it('runs from a local origin set from the server’s elapsed time, never below the last shot', () => {
    const r = run({});
    const origin = clockOrigin(r, 10_000);
    expect(origin).toBe(8_800);
    expect(clockMs(r, origin, 10_500)).toBe(1_700);
    expect(clockMs(run({ last_shot_ms: 2_290 }), origin, 10_500)).toBe(2_290);
  });

  it('shows the accepted time once stopped, and nothing without a run', () => {
    const stopped = run({
      state: 'review',
      elapsed_ms: null,
      last_shot_ms: 5_080,
      current: { raw_ms: 4_870 } as RunDetail['current'],
    });
    expect(clockOrigin(stopped, 1)).toBeNull();
    expect(clockMs(stopped, null, 99)).toBe(4_870);
    expect(clockMs(null, null, 0)).toBeNull();
  });

  it('formats audit values', () => {
    expect(auditValue('raw_ms', 5080)).toBe('5.08 s');
    expect(auditValue('stop_plate_hit', false)).toBe('no');
    expect(auditValue('misses', 2)).toBe('2');
    expect(auditValue('misses', null)).toBe('—');
  });
});
