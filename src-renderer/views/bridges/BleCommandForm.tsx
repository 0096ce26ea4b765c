/** A command to a BLE sensor through its bridge's driver, with the answer the driver read back. */
import { useState, type FormEvent } from 'react';
import { type BleDeviceRow, type BridgeCommandResult } from '../../../src-shared/contract/bridges';
import { useBridge } from '../../components/context';
import { InlineError } from '../../components/Status';
import { commandArgs } from './model';
import { Field } from '../../components/Field';
import { useAction } from './parts';

export function CommandForm({ devices, refresh }: { devices: readonly BleDeviceRow[]; refresh: () => void }) {
  const bridge = useBridge();
  const { busy, error, run } = useAction(refresh);
  const connected = devices.filter((d) => d.state === 'connected');
  const [deviceId, setDeviceId] = useState('');
  const [command, setCommand] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [result, setResult] = useState<BridgeCommandResult | null>(null);
  const device = connected.find((d) => d.device_id === deviceId) ?? connected[0] ?? null;
  const spec = device?.commands.find((c) => c.name === command) ?? device?.commands[0] ?? null;
  if (!device || !spec) return null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setResult(null);
    void run(`${spec.label} on ${device.device_id}`, async () => {
      const args = commandArgs(spec, values);
      setResult(
        await bridge.call('bridges.command', { device_id: device.device_id, command: spec.name, args }),
      );
    });
  };

  return (
    <form
      className="toolbar bridge-form"
      onSubmit={submit}
      aria-label="Send a command"
      data-testid="ble-command-form"
    >
      <Field label="Device">
        <select value={device.device_id} onChange={(e) => setDeviceId(e.target.value)}>
          {connected.map((d) => (
            <option key={d.device_id} value={d.device_id}>
              {d.device_id}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Command">
        <select
          value={spec.name}
          onChange={(e) => {
            setCommand(e.target.value);
            setValues({});
          }}
        >
          {device.commands.map((c) => (
            <option key={c.name} value={c.name}>
              {c.label}
            </option>
          ))}
        </select>
      </Field>
      {spec.args.map((a) => (
        <label className="field" key={a.name}>
          <span className="field-label">
            {a.name}
            {a.min !== undefined ? ` (${a.min}–${a.max})` : ''}
          </span>
          <input
            className="input-narrow"
            inputMode={a.type === 'integer' ? 'numeric' : undefined}
            value={values[a.name] ?? ''}
            onChange={(e) => setValues({ ...values, [a.name]: e.target.value })}
          />
        </label>
      ))}
      <button type="submit" className="primary" disabled={busy}>
        Send
      </button>
      {spec.settings ? <span className="field-hint">Only while the timer is stopped</span> : null}
      <InlineError message={error} />
      {result ? (
        <p className="field-hint" role="status" data-testid="ble-command-result">
          Sent {result.sent.join(', ') || '(read)'} · {result.acknowledged ? 'acknowledged' : 'written'}
          {result.reply ? ` · ${JSON.stringify(result.reply).slice(0, 300)}` : ''}
        </p>
      ) : null}
    </form>
  );
}
