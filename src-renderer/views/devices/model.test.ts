import { describe, expect, it } from 'vitest';
import type { CommandRecord } from '../../../src-shared/contract/devices';
import {
  argsSummary,
  mergeCommands,
  msToSeconds,
  overridesFromForm,
  panelDevices,
  secondsToMs,
  stateTone,
  validateForm,
} from './model';
import { CONFIG_SPECS } from '../../../src-shared/families';

const rec = (id: string, created: string, state: CommandRecord['state']): CommandRecord => ({
  id,
  device_id: 'cab-1',
  family: 'whackamole',
  target: 'cabinet',
  command: 'identify',
  args: {},
  state,
  who: 'operator',
  created_at: created,
  sent_at: null,
  acked_at: null,
  finished_at: null,
  expires_at: created,
  timeout_ms: 10_000,
  error: null,
  via: null,
  topic: null,
  attempts: 0,
});

describe('devices view model', () => {
  it('merges pushes by id, newest first, capped, ignoring junk', () => {
    const a = rec('a', '2026-03-01T10:00:00.000Z', 'sent');
    const b = rec('b', '2026-03-01T10:00:01.000Z', 'queued');
    let h = mergeCommands([], [a, b]);
    expect(h.map((r) => r.id)).toEqual(['b', 'a']);
    h = mergeCommands(h, [{ ...a, state: 'acknowledged' }, null, { id: 3 }]);
    expect(h.map((r) => [r.id, r.state])).toEqual([
      ['b', 'queued'],
      ['a', 'acknowledged'],
    ]);
    expect(mergeCommands(h, [rec('c', '2026-03-01T10:00:02.000Z', 'sent')], 2).map((r) => r.id)).toEqual([
      'c',
      'b',
    ]);
    expect(mergeCommands(h, [])).toBe(h);
  });

  it('an older state arriving after a newer one does not win (a listed page overtaken by a push)', () => {
    const a = rec('a', '2026-03-01T10:00:00.000Z', 'sent');
    let h = mergeCommands([], [{ ...a, state: 'acknowledged' }]);
    h = mergeCommands(h, [a]);
    expect(h.map((r) => r.state)).toEqual(['acknowledged']);
    // A timed-out command still takes its late answer, but not an earlier state.
    h = mergeCommands([], [{ ...a, state: 'timed_out' }]);
    expect(mergeCommands(h, [a]).map((r) => r.state)).toEqual(['timed_out']);
    expect(mergeCommands(h, [{ ...a, state: 'failed' }]).map((r) => r.state)).toEqual(['failed']);
    // A publish that failed puts a sent command back in the queue.
    expect(mergeCommands([a], [{ ...a, state: 'queued' }]).map((r) => r.state)).toEqual(['queued']);
  });

  it('gives each state a tone (never colour alone: the label goes with it)', () => {
    expect(stateTone('acknowledged')).toBe('ok');
    expect(stateTone('sent')).toBe('warn');
    expect(stateTone('timed_out')).toBe('bad');
    expect(stateTone('expired')).toBe('bad');
  });

  it('validates a form against the catalogue', () => {
    expect(validateForm('timer', 'set_sensitivity', { level: '7' })).toEqual({
      ok: true,
      args: { level: 7 },
    });
    const bad = validateForm('timer', 'set_sensitivity', { level: '12' });
    expect(bad.ok).toBe(false);
    expect(validateForm('cabinet', 'set_level', { level: '4' })).toEqual({ ok: true, args: { level: 4 } });
    expect(validateForm('cabinet', 'set_level', { level: '9' }).ok).toBe(false);
    expect(argsSummary({ level: 7, player: 'Ada' })).toBe('level=7, player="Ada"');
  });

  it('recognises range timers by their structural kind even when the operator renamed the role', () => {
    const rows = panelDevices([
      { device_id: 'amg-01', family: 'range', role: 'stage 3', kind: 'timer', online: true },
      { device_id: 'cab-1', family: 'whackamole', role: 'booth', online: false },
      { device_id: 'bridge', family: 'range', role: 'bridge', kind: 'bridge', online: true },
      { nope: true },
    ]);
    expect(rows.map((r) => [r.device_id, r.target])).toEqual([
      ['amg-01', 'timer'],
      ['bridge', null],
      ['cab-1', 'cabinet'],
    ]);
  });

  it('turns configuration and settings forms into values', () => {
    const fields = CONFIG_SPECS.whackamole!.fields;
    expect(overridesFromForm(fields, { difficulty: 'hard', volume: '30', mole_up_ms: '' })).toEqual({
      difficulty: 'hard',
      volume: 30,
    });
    expect(msToSeconds(10_000)).toBe('10');
    expect(msToSeconds(1500)).toBe('1.5');
    expect(secondsToMs('2.5')).toBe(2500);
    expect(secondsToMs('-1')).toBeNull();
    expect(secondsToMs('x')).toBeNull();
  });
});
