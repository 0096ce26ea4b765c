import { describe, expect, it } from 'vitest';
import { DEFAULT_WHACKAMOLE_CONFIG } from '../ingest/whackamole';
import { CONFIG_SPECS, configSpecFor } from '../families';
import { diffConfig, effectiveConfig } from './config';

const spec = CONFIG_SPECS.whackamole!;
const defaults = { ...DEFAULT_WHACKAMOLE_CONFIG };

describe('per-family configuration', () => {
  it('knows whack-a-mole cabinets and nothing that is not a family', () => {
    expect(configSpecFor('whackamole')?.topic('cab-1')).toBe('whackamole/cab-1/config');
    expect(configSpecFor('gateway')).toBeUndefined();
    expect(configSpecFor('__proto__')).toBeUndefined();
    expect(spec.fields.map((f) => f.key)).toEqual(Object.keys(DEFAULT_WHACKAMOLE_CONFIG));
  });

  it('merges overrides over defaults and refuses unknown keys or bad values', () => {
    expect(spec.merge(defaults, { volume: 20 })).toEqual({ ...defaults, volume: 20 });
    expect(() => spec.parseOverrides({ volme: 20 })).toThrow();
    expect(() => spec.parseOverrides({ volume: 101 })).toThrow(/volume/);
    expect(spec.parseOverrides(undefined)).toEqual({});
  });

  it('keeps the version while the content is what was pushed, bumps it when it changes', () => {
    const first = effectiveConfig(spec, defaults, {}, null);
    expect(first).toEqual(defaults);
    expect(effectiveConfig(spec, defaults, {}, first)).toEqual(first);
    const changed = effectiveConfig(spec, defaults, { difficulty: 'hard' }, first);
    expect(changed).toEqual({ ...defaults, difficulty: 'hard', version: defaults.version + 1 });
    // Pushed at version 7 earlier: the next change is 8, not the defaults' 1.
    const pushed7 = { ...defaults, difficulty: 'hard', version: 7 };
    expect(effectiveConfig(spec, defaults, { difficulty: 'hard' }, pushed7).version).toBe(7);
    expect(effectiveConfig(spec, defaults, { difficulty: 'easy' }, pushed7).version).toBe(8);
    // An explicit version override wins.
    expect(effectiveConfig(spec, defaults, { version: 3 }, pushed7).version).toBe(3);
  });

  it('diffs per key, old → new, in field order', () => {
    const old = { ...defaults };
    const next = { ...defaults, volume: 30, version: 2 };
    const diff = diffConfig(spec, old, next);
    expect(diff.map((d) => d.key)).toEqual(spec.fields.map((f) => f.key));
    expect(diff.filter((d) => d.changed)).toEqual([
      { key: 'volume', old: 70, new: 30, changed: true },
      { key: 'version', old: 1, new: 2, changed: true },
    ]);
    const never = diffConfig(spec, null, next);
    expect(never.every((d) => d.changed && !('old' in d))).toBe(true);
  });
});
