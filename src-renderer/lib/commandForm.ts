/**
 * A command form's values and their checks, for every path a command takes (over MQTT through the
 * commands service, or to a serial/BLE device through its driver): the same catalogue entries, the
 * same validation as the core. Pure: no React.
 */
import { checkCommandIn, coerceField, type CommandDef, type FieldSpec } from '../../src-shared/commands';

export type FormValues = Record<string, string | boolean>;

function initialValue(f: FieldSpec): string | boolean {
  if (f.kind === 'bool') return f.default ?? false;
  return f.default === undefined ? '' : String(f.default);
}

/** The form's starting values for a command: each field's default (or empty). */
export function initialValues(def: CommandDef | undefined): FormValues {
  const out: FormValues = {};
  for (const f of def?.fields ?? []) out[f.key] = initialValue(f);
  return out;
}

/** Typed arguments from the form (empty optional fields left out). */
export function argsFromForm(def: CommandDef, values: FormValues): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const f of def.fields) {
    const raw = values[f.key];
    if (raw === undefined) continue;
    const v = coerceField(f, raw);
    if (v !== undefined) args[f.key] = v;
  }
  return args;
}

export type FormCheck = { ok: true; args: Record<string, unknown> } | { ok: false; reason: string };

/**
 * Validates a form against a list of commands (`kind` names the list in messages: a target such
 * as `timer`, or a driver): the typed args, or the reason they are refused.
 */
export function validateCommand(
  kind: string,
  commands: readonly CommandDef[],
  command: string,
  values: FormValues,
): FormCheck {
  const def = commands.find((c) => c.name === command);
  if (!def) return { ok: false, reason: `unknown command ${command}` };
  const r = checkCommandIn(kind, commands, command, argsFromForm(def, values));
  return r.ok ? { ok: true, args: r.args } : { ok: false, reason: r.reason };
}
