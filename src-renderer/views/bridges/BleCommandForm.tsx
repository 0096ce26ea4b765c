/** A command to a BLE device through its bridge's driver, with the answer the driver read back. */
import { useState } from 'react';
import type { CommandDef } from '../../../src-shared/commands';
import { type BleDeviceRow, type BridgeCommandResult } from '../../../src-shared/contract/bridges';
import { CommandForm } from '../../components/CommandForm';
import { useBridge } from '../../components/context';
import { Field } from '../../components/Field';
import { InlineError } from '../../components/Status';
import { useAction } from './parts';

export function BleCommandForm({
  devices,
  refresh,
}: {
  devices: readonly BleDeviceRow[];
  refresh: () => void;
}) {
  const bridge = useBridge();
  const { busy, error, run } = useAction(refresh);
  const connected = devices.filter((d) => d.state === 'connected');
  const [deviceId, setDeviceId] = useState('');
  const [result, setResult] = useState<BridgeCommandResult | null>(null);
  const device = connected.find((d) => d.device_id === deviceId) ?? connected[0] ?? null;
  if (!device || device.commands.length === 0) return null;

  const submit = (def: CommandDef, args: Record<string, unknown>) => {
    setResult(null);
    void run(`${def.label} on ${device.device_id}`, async () => {
      setResult(
        await bridge.call('bridges.command', { device_id: device.device_id, command: def.name, args }),
      );
    });
  };

  return (
    <div className="bridge-form" data-testid="ble-command-form">
      {/* Keyed by device: another device's driver has other commands. */}
      <CommandForm
        key={device.device_id}
        kind={device.driver}
        commands={device.commands}
        busy={busy}
        onSubmit={submit}
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
      </CommandForm>
      <InlineError message={error} />
      {result ? (
        <p className="field-hint" role="status" data-testid="ble-command-result">
          Sent {result.sent.join(', ') || '(read)'} · {result.acknowledged ? 'acknowledged' : 'written'}
          {result.reply ? ` · ${JSON.stringify(result.reply).slice(0, 300)}` : ''}
        </p>
      ) : null}
    </div>
  );
}
