/**
 * Retained per-device configuration, per family: where it is published, its fields, the built-in
 * defaults, and how overrides merge. A family's descriptor names its ConfigSpec (whack-a-mole
 * cabinets have one, domain.md §6); the family registry finds them.
 */
import {
  DEFAULT_WHACKAMOLE_CONFIG,
  mergeConfig,
  whackamoleConfigOverridesSchema,
  whackamoleConfigSchema,
  whackamoleTopic,
  type WhackamoleConfig,
} from '../ingest/whackamole';
import { validate } from '../ingest/payload';
import type { FieldSpec } from './fields';

export type ConfigValues = Record<string, unknown>;

export interface ConfigSpec {
  family: string;
  label: string;
  /** The retained topic a device reads its configuration from. */
  topic(deviceId: string): string;
  fields: readonly FieldSpec[];
  builtinDefaults: Readonly<ConfigValues>;
  /** Validates a full set of defaults; throws an Error naming the bad field. */
  parseDefaults(value: unknown): ConfigValues;
  /** Validates overrides (any subset of the fields; unknown keys are refused). */
  parseOverrides(value: unknown): ConfigValues;
  merge(defaults: ConfigValues, overrides: ConfigValues): ConfigValues;
  /** A field the console bumps when the published content changes (the device reports it back). */
  versionKey?: string;
}

export const WHACKAMOLE_CONFIG_SPEC: ConfigSpec = {
  family: 'whackamole',
  label: 'Whack-a-mole cabinet',
  topic: (id) => whackamoleTopic(id, 'config'),
  fields: [
    {
      key: 'difficulty',
      label: 'Difficulty',
      kind: 'text',
      maxLength: 32,
      suggestions: ['easy', 'normal', 'hard'],
    },
    { key: 'game_duration_s', label: 'Game duration', kind: 'int', min: 5, max: 3600, unit: 's' },
    { key: 'mole_up_ms', label: 'Mole up', kind: 'int', min: 50, max: 60_000, unit: 'ms' },
    { key: 'spawn_interval_ms', label: 'Spawn interval', kind: 'int', min: 50, max: 60_000, unit: 'ms' },
    { key: 'volume', label: 'Volume', kind: 'int', min: 0, max: 100, unit: '%' },
    {
      key: 'version',
      label: 'Version',
      kind: 'int',
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      help: 'Bumped by the console whenever the published configuration changes.',
    },
  ],
  builtinDefaults: DEFAULT_WHACKAMOLE_CONFIG,
  parseDefaults: (v) => validate(whackamoleConfigSchema, v, 'config defaults'),
  parseOverrides: (v) => validate(whackamoleConfigOverridesSchema, v ?? {}, 'config overrides'),
  merge: (d, o) => mergeConfig(d as WhackamoleConfig, o),
  versionKey: 'version',
};

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function withoutKey(values: ConfigValues, key: string | undefined): ConfigValues {
  if (!key) return values;
  const { [key]: _omit, ...rest } = values;
  return rest;
}

/**
 * The configuration to publish: defaults merged with overrides, and — when something was pushed
 * before and the content changed — the version bumped past the pushed one. An explicit version
 * override wins.
 */
export function effectiveConfig(
  spec: ConfigSpec,
  defaults: ConfigValues,
  overrides: ConfigValues,
  pushed: ConfigValues | null,
): ConfigValues {
  const merged = spec.merge(defaults, overrides);
  const vk = spec.versionKey;
  if (!vk || !pushed || overrides[vk] !== undefined) return merged;
  const pushedVersion = typeof pushed[vk] === 'number' ? (pushed[vk] as number) : 0;
  const mergedVersion = typeof merged[vk] === 'number' ? (merged[vk] as number) : 0;
  const unchanged = sameValue(sortKeys(withoutKey(merged, vk)), sortKeys(withoutKey(pushed, vk)));
  return { ...merged, [vk]: unchanged ? pushedVersion : Math.max(pushedVersion + 1, mergedVersion) };
}

function sortKeys(values: ConfigValues): ConfigValues {
  const out: ConfigValues = {};
  for (const k of Object.keys(values).sort()) out[k] = values[k];
  return out;
}

export interface ConfigDiffEntry {
  key: string;
  /** What the device has now (last push); undefined when it was never pushed or lacks the key. */
  old?: unknown;
  new?: unknown;
  changed: boolean;
}

/** Per key, old → new, in the spec's field order then any other key. */
export function diffConfig(
  spec: ConfigSpec | undefined,
  old: ConfigValues | null,
  next: ConfigValues,
): ConfigDiffEntry[] {
  const keys: string[] = [];
  for (const f of spec?.fields ?? []) keys.push(f.key);
  for (const k of [...Object.keys(old ?? {}), ...Object.keys(next)]) if (!keys.includes(k)) keys.push(k);
  const out: ConfigDiffEntry[] = [];
  for (const key of keys) {
    const inOld = old !== null && Object.prototype.hasOwnProperty.call(old, key);
    const inNew = Object.prototype.hasOwnProperty.call(next, key);
    if (!inOld && !inNew) continue;
    const entry: ConfigDiffEntry = { key, changed: !inOld || !inNew || !sameValue(old![key], next[key]) };
    if (inOld) entry.old = old![key];
    if (inNew) entry.new = next[key];
    out.push(entry);
  }
  return out;
}
