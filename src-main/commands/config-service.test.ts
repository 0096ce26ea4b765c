import { devicesMigrations } from './migrations';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../store/store';
import { DeviceConfigService } from './config-service';
import { CommandStore } from './store';

const T0 = Date.parse('2026-03-01T10:00:00Z');
let dir: string;
let store: Store;
let published: { topic: string; payload: string; qos: number; retain?: boolean }[];

function service(): DeviceConfigService {
  return new DeviceConfigService({
    store: new CommandStore(store.db),
    publish: async (topic, payload, opts) => {
      published.push({ topic, payload, ...opts });
    },
    now: () => T0,
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-cfg-'));
  store = new Store(dir, undefined, devicesMigrations);
  published = [];
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

// domain.md §6 defaults as the ingest module states them.
const DEFAULTS = {
  difficulty: 'normal',
  game_duration_s: 60,
  mole_up_ms: 1000,
  spawn_interval_ms: 800,
  volume: 70,
  version: 1,
};

describe('DeviceConfigService', () => {
  it('pushes defaults merged with overrides, retained at QoS 1, and diffs before the next push', async () => {
    const cfg = service();
    expect(cfg.view('whackamole', 'cab-1')).toMatchObject({
      topic: 'whackamole/cab-1/config',
      defaults: DEFAULTS,
      overrides: {},
      effective: DEFAULTS,
      pushed: null,
      in_sync: false,
    });
    cfg.setOverrides('whackamole', 'cab-1', { volume: 30 });
    await cfg.push('whackamole', 'cab-1');
    expect(published).toEqual([
      {
        topic: 'whackamole/cab-1/config',
        payload: JSON.stringify({ ...DEFAULTS, volume: 30 }),
        qos: 1,
        retain: true,
      },
    ]);
    expect(cfg.view('whackamole', 'cab-1')).toMatchObject({
      pushed: { ...DEFAULTS, volume: 30 },
      pushed_at: '2026-03-01T10:00:00.000Z',
      in_sync: true,
    });

    const next = cfg.setOverrides('whackamole', 'cab-1', { volume: 30, difficulty: 'hard' });
    expect(next.effective).toEqual({ ...DEFAULTS, volume: 30, difficulty: 'hard', version: 2 });
    expect(next.diff.filter((d) => d.changed)).toEqual([
      { key: 'difficulty', old: 'normal', new: 'hard', changed: true },
      { key: 'version', old: 1, new: 2, changed: true },
    ]);
    expect(next.in_sync).toBe(false);
  });

  it('refuses unknown keys, bad values and families without a configuration', () => {
    const cfg = service();
    expect(() => cfg.setOverrides('whackamole', 'cab-1', { colour: 'red' })).toThrow();
    expect(() => cfg.setOverrides('whackamole', 'cab-1', { game_duration_s: 1 })).toThrow(/game_duration_s/);
    expect(() => cfg.view('gateway', 'gw-1')).toThrow(/no configuration for family "gateway"/);
    expect(() => cfg.view('whackamole', 'a/b')).toThrow(/device id/);
    expect(cfg.view('whackamole', 'cab-1').overrides).toEqual({});
  });

  it('applies family defaults to every device without an override', async () => {
    const cfg = service();
    cfg.setOverrides('whackamole', 'cab-2', { volume: 10 });
    cfg.setDefaults('whackamole', { ...DEFAULTS, mole_up_ms: 700 });
    expect(cfg.effective('whackamole', 'cab-1').mole_up_ms).toBe(700);
    expect(cfg.effective('whackamole', 'cab-2')).toMatchObject({ mole_up_ms: 700, volume: 10 });
    expect(() => cfg.setDefaults('whackamole', { volume: 10 })).toThrow();
  });

  it('clears with an empty retained message and restores pushed configs after a restart', async () => {
    const cfg = service();
    await cfg.push('whackamole', 'cab-1');
    await cfg.push('whackamole', 'cab-2');
    await cfg.clear('whackamole', 'cab-2');
    expect(published.at(-1)).toEqual({ topic: 'whackamole/cab-2/config', payload: '', qos: 1, retain: true });
    expect(cfg.view('whackamole', 'cab-2').pushed).toBeNull();
    published = [];
    expect(await service().restoreRetained()).toBe(1);
    expect(published).toEqual([
      { topic: 'whackamole/cab-1/config', payload: JSON.stringify(DEFAULTS), qos: 1, retain: true },
    ]);
  });
});
