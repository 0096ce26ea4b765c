import { useId, useMemo, useState } from 'react';
import type { FieldSpec } from '../../../src-shared/commands';
import { CATALOGUE, findCommand, TARGET_LABELS } from '../../../src-shared/families';
import type { CommandRecord } from '../../../src-shared/contract/devices';
import { useBridge } from '../../components/context';
import { InlineError, Status } from '../../components/Status';
import { errorMessage } from '../../state/sync';
import { ConfirmDialog } from './ConfirmDialog';
import {
  argsSummary,
  initialValues,
  stateLabel,
  stateTone,
  validateForm,
  type FormValues,
  type PanelDevice,
} from './model';

function FieldInput({
  field,
  value,
  onChange,
  idPrefix,
}: {
  field: FieldSpec;
  value: string | boolean;
  onChange: (v: string | boolean) => void;
  idPrefix: string;
}) {
  const id = `${idPrefix}-${field.key}`;
  const unit = 'unit' in field && field.unit ? ` (${field.unit})` : '';
  const label = `${field.label}${unit}${field.optional ? ', optional' : ''}`;
  const testId = `command-arg-${field.key}`;
  let input;
  switch (field.kind) {
    case 'int':
    case 'number':
      input = (
        <input
          id={id}
          type="number"
          inputMode={field.kind === 'int' ? 'numeric' : 'decimal'}
          min={field.min}
          max={field.max}
          step={field.kind === 'int' ? 1 : (field.step ?? 'any')}
          value={String(value)}
          onChange={(e) => onChange(e.target.value)}
          data-testid={testId}
        />
      );
      break;
    case 'text': {
      const listId = field.suggestions ? `${id}-list` : undefined;
      input = (
        <>
          <input
            id={id}
            type="text"
            maxLength={field.maxLength}
            list={listId}
            value={String(value)}
            onChange={(e) => onChange(e.target.value)}
            data-testid={testId}
            autoComplete="off"
          />
          {listId ? (
            <datalist id={listId}>
              {field.suggestions!.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
          ) : null}
        </>
      );
      break;
    }
    case 'enum':
      input = (
        <select id={id} value={String(value)} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
          {field.optional ? <option value="">—</option> : null}
          {field.options.map((o) => (
            <option key={String(o)} value={String(o)}>
              {String(o)}
            </option>
          ))}
        </select>
      );
      break;
    case 'bool':
      input = (
        <input
          id={id}
          type="checkbox"
          checked={value === true}
          onChange={(e) => onChange(e.target.checked)}
          data-testid={testId}
        />
      );
      break;
  }
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {input}
      {field.help ? <span className="field-hint">{field.help}</span> : null}
    </div>
  );
}

/** The typed command form for one device, with a confirmation for disruptive commands. */
export function CommandPanel({
  device,
  history,
  onSent,
}: {
  device: PanelDevice;
  /** The live history, to follow the last command sent from here. */
  history: readonly CommandRecord[];
  onSent: (record: CommandRecord) => void;
}) {
  const bridge = useBridge();
  const idPrefix = useId();
  const target = device.target;
  const commands = useMemo(() => (target ? CATALOGUE[target] : []), [target]);
  const [command, setCommand] = useState<string>(() => commands[0]?.name ?? '');
  const def = target ? findCommand(target, command) : undefined;
  const [values, setValues] = useState<FormValues>(() => initialValues(def));
  const [confirming, setConfirming] = useState<Record<string, unknown> | null>(null);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [last, setLast] = useState<CommandRecord | null>(null);

  if (!target) {
    return (
      <p className="muted" data-testid="command-none">
        No commands for a {device.family}
        {device.kind ? ` ${device.kind}` : ''}.
      </p>
    );
  }

  const pick = (name: string) => {
    setCommand(name);
    setValues(initialValues(findCommand(target, name)));
    setError(null);
  };

  const send = async (args: Record<string, unknown>) => {
    setSending(true);
    setError(null);
    try {
      const rec = await bridge.call('commands.send', {
        device_id: device.device_id,
        family: device.family,
        command,
        args,
      });
      setLast(rec);
      onSent(rec);
      setConfirming(null);
    } catch (err) {
      setError(errorMessage(err));
      setConfirming(null);
    } finally {
      setSending(false);
    }
  };

  const submit = () => {
    const v = validateForm(target, command, values);
    if (!v.ok) {
      setError(v.reason);
      return;
    }
    if (def?.disruptive) setConfirming(v.args);
    else void send(v.args);
  };

  const summary = confirming ? argsSummary(confirming) : '';
  const lastNow = last ? (history.find((c) => c.id === last.id) ?? last) : null;
  return (
    <div className="command-panel" data-testid="command-panel">
      <p className="muted small">{TARGET_LABELS[target]}</p>
      {/* Validated against the catalogue (same rules as the core), with its readable reasons. */}
      <form
        className="command-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <div className="field">
          <label className="field-label" htmlFor={`${idPrefix}-command`}>
            Command
          </label>
          <select
            id={`${idPrefix}-command`}
            value={command}
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
        {def?.fields.map((f) => (
          <FieldInput
            key={`${command}-${f.key}`}
            field={f}
            idPrefix={idPrefix}
            value={values[f.key] ?? ''}
            onChange={(v) => setValues((cur) => ({ ...cur, [f.key]: v }))}
          />
        ))}
        <div className="field">
          <button type="submit" className="primary" disabled={sending} data-testid="command-send">
            {def?.disruptive ? 'Send…' : 'Send'}
          </button>
        </div>
      </form>
      {def ? (
        <p className="hint">
          {def.description}
          {def.disruptive ? ' Disruptive: asks for a confirmation.' : ''}
        </p>
      ) : null}
      <InlineError message={error} />
      {lastNow ? (
        <p className="command-last" data-testid="command-last" data-state={lastNow.state} aria-live="polite">
          Last sent: <span className="mono">{lastNow.command}</span>{' '}
          <span className="mono small">{lastNow.id.slice(0, 8)}</span>{' '}
          <Status tone={stateTone(lastNow.state)}>{stateLabel(lastNow.state)}</Status>
          {lastNow.error ? <span className="reason"> {lastNow.error}</span> : null}
        </p>
      ) : null}
      <ConfirmDialog
        open={confirming !== null}
        title={`${def?.label ?? command} on ${device.name ?? device.device_id}?`}
        confirmLabel={`Send ${def?.label ?? command}`}
        busy={sending}
        onCancel={() => setConfirming(null)}
        onConfirm={() => confirming && void send(confirming)}
      >
        <p>{def?.description}</p>
        <p>
          Device <span className="mono">{device.device_id}</span> ({device.family}
          {device.online ? ', online' : ', offline: it waits in the queue until the device is back'})
          {summary ? (
            <>
              {' '}
              with <span className="mono">{summary}</span>
            </>
          ) : null}
          .
        </p>
      </ConfirmDialog>
    </div>
  );
}
