/**
 * Pure helpers of the range views: the RO keyboard map, the running clock, labels. No React, no
 * DOM: unit-tested in model.test.ts.
 */
import type { RunDetail, RunState, ScoredValues } from '../../../src-shared/contract/range';

export type RoAction =
  | 'miss'
  | 'miss-'
  | 'procedural'
  | 'procedural-'
  | 'foot_fault'
  | 'foot_fault-'
  | 'creeping'
  | 'creeping-'
  | 'stop_plate'
  | 'approve'
  | 'reshoot'
  | 'void'
  | 'remote_start'
  | 'stop'
  | 'help';

/** Shown on screen; one row per key. Digits stay free: they switch views. */
export const RO_SHORTCUTS: readonly { keys: string; action: string }[] = [
  { keys: 'M', action: 'add a miss (Shift+M removes one)' },
  { keys: 'P', action: 'add a procedural (Shift+P removes one)' },
  { keys: 'F', action: 'add a foot fault (Shift+F removes one)' },
  { keys: 'C', action: 'add a creeping penalty (Shift+C removes one)' },
  { keys: 'T', action: 'stop plate hit / not hit' },
  { keys: 'A', action: 'shooter approves the string' },
  { keys: 'R', action: 'reshoot (asks for a reason)' },
  { keys: 'V', action: 'void the string (asks for a reason)' },
  { keys: 'S', action: 'remote start the timer' },
  { keys: 'X', action: 'stop the running string' },
  { keys: '?', action: 'show or hide these shortcuts' },
];

const KEYS: Record<string, RoAction> = {
  m: 'miss',
  p: 'procedural',
  f: 'foot_fault',
  c: 'creeping',
  t: 'stop_plate',
  a: 'approve',
  r: 'reshoot',
  v: 'void',
  s: 'remote_start',
  x: 'stop',
};

/** The RO action for a key press, or null (typing, modifiers and unknown keys are not shortcuts). */
export function roActionForKey(
  key: string,
  mods: { shiftKey?: boolean; ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean } = {},
): RoAction | null {
  if (mods.ctrlKey || mods.metaKey || mods.altKey) return null;
  if (key === '?') return 'help';
  const base = KEYS[key.toLowerCase()];
  if (!base) return null;
  if (mods.shiftKey) {
    if (base === 'miss' || base === 'procedural' || base === 'foot_fault' || base === 'creeping') {
      return `${base}-` as RoAction;
    }
    return null;
  }
  return base;
}

export const PENALTY_FIELDS = ['misses', 'procedurals', 'foot_faults', 'creeping'] as const;
export type PenaltyField = (typeof PENALTY_FIELDS)[number];

export const PENALTY_LABELS: Record<PenaltyField, { one: string; many: string; key: string }> = {
  misses: { one: 'miss', many: 'misses', key: 'M' },
  procedurals: { one: 'procedural', many: 'procedurals', key: 'P' },
  foot_faults: { one: 'foot fault', many: 'foot faults', key: 'F' },
  creeping: { one: 'creep', many: 'creeping', key: 'C' },
};

export function fieldOfAction(a: RoAction): { field: PenaltyField; delta: 1 | -1 } | null {
  switch (a) {
    case 'miss':
      return { field: 'misses', delta: 1 };
    case 'miss-':
      return { field: 'misses', delta: -1 };
    case 'procedural':
      return { field: 'procedurals', delta: 1 };
    case 'procedural-':
      return { field: 'procedurals', delta: -1 };
    case 'foot_fault':
      return { field: 'foot_faults', delta: 1 };
    case 'foot_fault-':
      return { field: 'foot_faults', delta: -1 };
    case 'creeping':
      return { field: 'creeping', delta: 1 };
    case 'creeping-':
      return { field: 'creeping', delta: -1 };
    default:
      return null;
  }
}

/**
 * The clock of a run. Running: local time since a local origin (set from the server's elapsed
 * time when the run arrived), never less than the last shot; otherwise the accepted time.
 */
export function clockMs(run: RunDetail | null, originLocalMs: number | null, nowMs: number): number | null {
  if (!run) return null;
  if (run.state === 'running') {
    const elapsed = originLocalMs !== null ? Math.max(0, nowMs - originLocalMs) : (run.elapsed_ms ?? 0);
    return Math.max(elapsed, run.last_shot_ms ?? 0);
  }
  return run.current?.raw_ms ?? run.last_shot_ms ?? null;
}

/** The local origin of a running run's clock from a freshly received detail. */
export function clockOrigin(run: RunDetail, receivedLocalMs: number): number | null {
  if (run.state !== 'running' || run.elapsed_ms === null) return null;
  return receivedLocalMs - run.elapsed_ms;
}

export const STATE_LABELS: Record<RunState, string> = {
  running: 'running',
  review: 'review',
  approved: 'approved',
  void: 'void',
};

export function penaltyCount(v: ScoredValues | null): number {
  return v ? v.misses + v.procedurals + v.creeping + v.foot_faults : 0;
}

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Ordinal label of a string on its stage: "String 2 of 5". */
export function stringLabel(n: number | null, of: number | null): string {
  if (n === null) return 'String —';
  return of ? `String ${n} of ${of}` : `String ${n}`;
}

/** A value in the audit log, for display. */
export function auditValue(field: string | null, v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (field === 'raw_ms' && typeof v === 'number') return `${(v / 1000).toFixed(2)} s`;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}
