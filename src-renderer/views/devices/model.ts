/**
 * Pure helpers of the Devices + Command panel view: merging pushed command batches, tones and
 * labels, turning form text into typed arguments. No React, no DOM.
 */
import { coerceField, type CommandTarget, type FieldSpec } from '../../../src-shared/commands';
import { CATALOGUE, targetFor } from '../../../src-shared/families';
import { validateCommand, type FormCheck, type FormValues } from '../../lib/commandForm';
import { FINAL_STATES, type CommandRecord, type CommandState } from '../../../src-shared/contract/devices';
import type { DeviceRow } from '../../../src-shared/contract/types';
import type { Tone } from '../../lib/format';
import { normalizeDevices } from '../../lib/rows';

/** How many commands the panel keeps (newest first). */
export const HISTORY_CAP = 500;

export const STATE_LABELS: Record<CommandState, string> = {
  queued: 'queued',
  sent: 'sent',
  delivered: 'delivered',
  acknowledged: 'acknowledged',
  failed: 'failed',
  timed_out: 'timed out',
  expired: 'expired',
};

export function stateTone(state: string): Tone {
  switch (state) {
    case 'acknowledged':
    case 'delivered':
      return 'ok';
    case 'sent':
    case 'queued':
      return 'warn';
    case 'failed':
    case 'timed_out':
    case 'expired':
      return 'bad';
    default:
      return 'idle';
  }
}

export function stateLabel(state: string): string {
  return (STATE_LABELS as Record<string, string>)[state] ?? state;
}

function isRecord(v: unknown): v is CommandRecord {
  if (!v || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return typeof r.id === 'string' && typeof r.state === 'string' && typeof r.created_at === 'string';
}

/** Whether a record in state `from` may be replaced by one in state `to` (FINAL_STATES). */
function canFollow(from: CommandState, to: CommandState): boolean {
  if (FINAL_STATES.includes(from)) return to === from;
  if (from === 'timed_out') return to === 'timed_out' || FINAL_STATES.includes(to);
  return true;
}

/**
 * Merges a batch (a push or a listed page) into the history: by id, the newer state wins (a
 * record never goes back to queued once further along), newest first, capped.
 */
export function mergeCommands(
  current: readonly CommandRecord[],
  batch: readonly unknown[],
  cap = HISTORY_CAP,
): CommandRecord[] {
  if (!Array.isArray(batch) || batch.length === 0) return current as CommandRecord[];
  const byId = new Map<string, CommandRecord>();
  for (const r of current) byId.set(r.id, r);
  for (const raw of batch) {
    if (!isRecord(raw)) continue;
    const cur = byId.get(raw.id);
    // A listed page answered before a push can arrive after it: an older state never wins.
    if (cur && !canFollow(cur.state, raw.state)) continue;
    byId.set(raw.id, { ...raw, args: raw.args && typeof raw.args === 'object' ? raw.args : {} });
  }
  return [...byId.values()]
    .sort((a, b) =>
      a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.id < b.id ? 1 : -1,
    )
    .slice(0, cap);
}

/** `level=5, player="Ada"` — a compact, text-only rendering of arguments. */
export function argsSummary(args: Record<string, unknown> | null | undefined): string {
  if (!args) return '';
  return Object.entries(args)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`)
    .join(', ');
}

export function deviceKey(d: Pick<DeviceRow, 'family' | 'device_id'>): string {
  return `${d.family}/${d.device_id}`;
}

export interface PanelDevice extends DeviceRow {
  /** The registry's structural role (timer, sensor, bridge, booth, zone). */
  kind: string | null;
  /** Which command catalogue serves it, if any. */
  target: CommandTarget | null;
}

/**
 * Device rows for the panel: the shared normalization, plus the structural `kind` (the operator
 * may have renamed the role; range timers and sensors are recognised by their kind).
 */
export function panelDevices(raw: unknown): PanelDevice[] {
  const kinds = new Map<string, string | null>();
  if (Array.isArray(raw)) {
    for (const r of raw) {
      if (!r || typeof r !== 'object') continue;
      const o = r as Record<string, unknown>;
      if (typeof o.device_id !== 'string' || typeof o.family !== 'string') continue;
      kinds.set(`${o.family}/${o.device_id}`, typeof o.kind === 'string' ? o.kind : null);
    }
  }
  return normalizeDevices(raw).map((d) => {
    const kind = kinds.get(deviceKey(d)) ?? d.role;
    return { ...d, kind, target: targetFor(d.family, kind) };
  });
}

export { argsFromForm, initialValues, type FormValues } from '../../lib/commandForm';

/** Validates a form against a target's catalogue: the typed args, or the reason they are refused. */
export function validateForm(target: CommandTarget, command: string, values: FormValues): FormCheck {
  return validateCommand(target, CATALOGUE[target] ?? [], command, values);
}

/** A config value as text for a table cell. */
export function showValue(v: unknown): string {
  if (v === undefined) return '—';
  if (v === null) return 'null';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Overrides from the configuration form: empty inputs are not overridden. */
export function overridesFromForm(fields: readonly FieldSpec[], values: FormValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const raw = values[f.key];
    if (raw === undefined) continue;
    const v = coerceField(f, raw);
    if (v !== undefined) out[f.key] = v;
  }
  return out;
}

/** Milliseconds as the settings form shows them (seconds, trimmed). */
export function msToSeconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

export function secondsToMs(text: string): number | null {
  const n = Number(text.trim());
  if (!Number.isFinite(n) || n <= 0) return null;
  return Math.round(n * 1000);
}
