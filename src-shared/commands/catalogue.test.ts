import { describe, expect, it } from 'vitest';
import { headCommandByte } from '../ingest/whac';
import { CATALOGUE, checkCommand, findCommand, targetFor } from '../families';
import { COMMAND_TARGETS } from './catalogue';
import { argsSchema, coerceField } from './fields';

describe('command catalogue', () => {
  it('picks the catalogue from family and structural role', () => {
    expect(targetFor('range', 'timer')).toBe('timer');
    expect(targetFor('range', 'sensor')).toBe('sensor');
    expect(targetFor('range', 'bridge')).toBeNull();
    expect(targetFor('whackamole', 'booth')).toBe('cabinet');
    expect(targetFor('gateway', null)).toBe('gateway');
    expect(targetFor('neurogame', null)).toBeNull();
  });

  it('has unique command names per target, each with a description', () => {
    for (const t of COMMAND_TARGETS) {
      const names = CATALOGUE[t].map((c) => c.name);
      expect(new Set(names).size).toBe(names.length);
      for (const c of CATALOGUE[t]) expect(c.description.length).toBeGreaterThan(0);
    }
  });

  it('marks pause, reset, remote start, recalibrate and set rate as disruptive; identify and reads not', () => {
    const disruptive = (t: (typeof COMMAND_TARGETS)[number], n: string) => findCommand(t, n)?.disruptive;
    expect(disruptive('cabinet', 'pause')).toBe(true);
    expect(disruptive('cabinet', 'reset')).toBe(true);
    expect(disruptive('timer', 'remote_start')).toBe(true);
    expect(disruptive('sensor', 'recalibrate')).toBe(true);
    expect(disruptive('sensor', 'set_rate')).toBe(true);
    expect(disruptive('cabinet', 'identify')).toBe(false);
    expect(disruptive('sensor', 'read_battery')).toBe(false);
    expect(disruptive('timer', 'request_string')).toBe(false);
  });

  it('accepts valid arguments and names what is wrong otherwise', () => {
    expect(checkCommand('timer', 'set_sensitivity', { level: 5 })).toEqual({ ok: true, args: { level: 5 } });
    // Domain §2: SET SENSITIVITY 01..10, SET ECHO DELAY 005..100.
    expect(checkCommand('timer', 'set_sensitivity', { level: 0 })).toMatchObject({ ok: false });
    expect(checkCommand('timer', 'set_sensitivity', { level: 11 })).toMatchObject({ ok: false });
    expect(checkCommand('timer', 'set_sensitivity', { level: 2.5 })).toMatchObject({ ok: false });
    expect(checkCommand('timer', 'set_echo_delay', { delay_cs: 4 })).toMatchObject({ ok: false });
    expect(checkCommand('timer', 'set_echo_delay', { delay_cs: 100 })).toMatchObject({ ok: true });
    const missing = checkCommand('timer', 'set_sensitivity', {});
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.reason).toMatch(/level/);
    const extra = checkCommand('timer', 'remote_start', { now: true });
    expect(extra.ok).toBe(false);
    if (!extra.ok) expect(extra.reason).toMatch(/unknown argument now/);
    const unknown = checkCommand('cabinet', 'explode', {});
    expect(unknown.ok).toBe(false);
    if (!unknown.ok)
      expect(unknown.reason).toMatch(/unknown command "explode" for a cabinet \(known: start, reset, pause/);
    expect(checkCommand('sensor', 'set_rate', { rate_hz: 50 })).toMatchObject({ ok: true });
    expect(checkCommand('sensor', 'set_rate', { rate_hz: 60 })).toMatchObject({ ok: false });
    const sw = (args: Record<string, unknown>) => checkCommand('gateway', 'set_actuator', args).ok;
    expect(sw({ room: 'fruiting', actuator: 'mist_maker', state: 'on' })).toBe(true);
    // The gateway's relay map, nothing else: it drops unknown actuators without a word.
    expect(sw({ room: 'fruiting', actuator: 'fan', state: 'on' })).toBe(false);
    expect(sw({ room: 'cellar', actuator: 'led', state: 'on' })).toBe(false);
    expect(sw({ room: 'fruiting', actuator: 'led', state: 'maybe' })).toBe(false);
    expect(checkCommand('gateway', 'set_auto_mode', { enabled: false })).toMatchObject({ ok: true });
    expect(checkCommand('cabinet', 'pause', null)).toEqual({ ok: true, args: {} });
    expect(checkCommand('cabinet', 'pause', [])).toMatchObject({ ok: false });
  });

  it('agrees with the wire encoding on what cabinets may be sent', () => {
    const samples: Record<string, unknown[]> = {
      start: [{}],
      reset: [{}],
      pause: [{}],
      set_level: [{ level: 1 }, { level: 8 }, { level: 0 }, { level: 9 }, { level: 2.5 }, {}],
      identify: [{}],
      disconnect: [{}],
    };
    for (const def of CATALOGUE.cabinet) {
      const ours = argsSchema(def.fields);
      for (const s of samples[def.name] ?? []) {
        let encodes = true;
        try {
          headCommandByte(def.name, s as Record<string, unknown>);
        } catch {
          encodes = false;
        }
        expect([def.name, s, ours.safeParse(s).success]).toEqual([def.name, s, encodes]);
      }
    }
  });

  it('turns form text into typed values', () => {
    const level = findCommand('timer', 'set_sensitivity')!.fields[0]!;
    expect(coerceField(level, '7')).toBe(7);
    expect(coerceField(level, '')).toBeUndefined();
    expect(coerceField(level, 'x')).toBe('x');
    const rate = findCommand('sensor', 'set_rate')!.fields[0]!;
    expect(coerceField(rate, '100')).toBe(100);
    const state = findCommand('gateway', 'set_actuator')!.fields[2]!;
    expect(coerceField(state, 'off')).toBe('off');
  });
});
