/**
 * The one command form: pick a command from a catalogue, fill its typed fields, send. The Devices
 * panel (commands over MQTT) and the Bridges view (commands to a serial/BLE device's driver) both
 * use it, with the same catalogue entries and the same checks as the core.
 */
import { useId, useState, type ReactNode } from 'react';
import type { CommandDef } from '../../src-shared/commands';
import { initialValues, validateCommand, type FormValues } from '../lib/commandForm';
import { FieldInput } from './FieldInput';
import { InlineError } from './Status';

export function CommandForm({
  kind,
  commands,
  busy,
  onSubmit,
  label = 'Send a command',
  testId,
  children,
}: {
  /** Names the catalogue in refusals (`timer`, `cabinet`, a driver's id). */
  kind: string;
  commands: readonly CommandDef[];
  busy: boolean;
  /** Called with checked arguments; a disruptive command's confirmation is the caller's. */
  onSubmit: (def: CommandDef, args: Record<string, unknown>) => void;
  label?: string;
  testId?: string;
  /** Fields of the caller's that go before the command (e.g. which device). */
  children?: ReactNode;
}) {
  const idPrefix = useId();
  const [command, setCommand] = useState<string>(() => commands[0]?.name ?? '');
  const def = commands.find((c) => c.name === command) ?? commands[0];
  const [values, setValues] = useState<FormValues>(() => initialValues(def));
  const [error, setError] = useState<string | null>(null);
  if (!def) return null;

  const pick = (name: string) => {
    setCommand(name);
    setValues(initialValues(commands.find((c) => c.name === name)));
    setError(null);
  };

  const submit = () => {
    const v = validateCommand(kind, commands, def.name, values);
    if (!v.ok) {
      setError(v.reason);
      return;
    }
    setError(null);
    onSubmit(def, v.args);
  };

  return (
    <>
      {/* Validated against the catalogue (same rules as the core), with its readable reasons. */}
      <form
        className="command-form"
        noValidate
        aria-label={label}
        data-testid={testId}
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        {children}
        <div className="field">
          <label className="field-label" htmlFor={`${idPrefix}-command`}>
            Command
          </label>
          <select
            id={`${idPrefix}-command`}
            value={def.name}
            onChange={(e) => pick(e.target.value)}
            data-testid="command-select"
          >
            {commands.map((c) => (
              <option key={c.name} value={c.name}>
                {c.label}
                {c.disruptive ? ' ⚠' : ''}
              </option>
            ))}
          </select>
        </div>
        {def.fields.map((f) => (
          <FieldInput
            key={`${def.name}-${f.key}`}
            field={f}
            idPrefix={idPrefix}
            value={values[f.key] ?? ''}
            onChange={(v) => setValues((cur) => ({ ...cur, [f.key]: v }))}
          />
        ))}
        <div className="field">
          <button type="submit" className="primary" disabled={busy} data-testid="command-send">
            {def.disruptive ? 'Send…' : 'Send'}
          </button>
        </div>
      </form>
      <p className="hint">
        {def.description}
        {def.settings ? ' Only while the timer is stopped.' : ''}
        {def.disruptive ? ' Disruptive: asks for a confirmation.' : ''}
      </p>
      <InlineError message={error} />
    </>
  );
}
