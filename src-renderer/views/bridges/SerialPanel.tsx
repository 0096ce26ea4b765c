/** Serial bridges: the ports the console has opened, the ones it can see, and the form to add or edit one. */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  SERIAL_BAUD_RATES,
  type AvailableSerialPort,
  type SerialPortRow,
} from '../../../src-shared/contract/bridges';
import { useBridge } from '../../components/context';
import { EmptyState, InlineError, Status } from '../../components/Status';
import { onRowNavKeyDown } from '../../components/tableKeys';
import { formatInt, formatRelative } from '../../lib/format';
import { SERIAL_STATE_LABEL, serialTone } from './model';
import { TableHead, num } from '../../components/TableHead';
import { Field } from '../../components/Field';
import { ConfirmRemove, RetryNote, useAction } from './parts';

interface SerialForm {
  id: string;
  path: string;
  baud_rate: number;
  default_topic: string;
  device_id: string;
  editing: boolean;
}

const EMPTY_FORM: SerialForm = {
  id: '',
  path: '',
  baud_rate: 115200,
  default_topic: '',
  device_id: '',
  editing: false,
};

export function SerialPanel({
  ports,
  now,
  refresh,
}: {
  ports: readonly SerialPortRow[];
  now: number;
  refresh: () => void;
}) {
  const bridge = useBridge();
  const { busy, error, run } = useAction(refresh);
  const [form, setForm] = useState<SerialForm>(EMPTY_FORM);
  const [available, setAvailable] = useState<AvailableSerialPort[]>([]);
  const [removing, setRemoving] = useState<SerialPortRow | null>(null);

  const loadAvailable = useCallback(() => {
    bridge
      .call('bridges.serial.available', undefined)
      .then((r) => setAvailable(r.ports))
      .catch(() => setAvailable([]));
  }, [bridge]);
  useEffect(loadAvailable, [loadAvailable]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run('Save serial port', async () => {
      await bridge.call('bridges.serial.save', {
        ...(form.id.trim() ? { id: form.id.trim() } : {}),
        path: form.path.trim(),
        baud_rate: form.baud_rate,
        default_topic: form.default_topic.trim() || null,
        device_id: form.device_id.trim() || null,
      });
      setForm(EMPTY_FORM);
    });
  };

  const toggle = (p: SerialPortRow) =>
    void run(p.enabled ? 'Disable port' : 'Enable port', () =>
      bridge.call('bridges.serial.save', {
        id: p.id,
        path: p.path,
        baud_rate: p.baud_rate,
        enabled: !p.enabled,
      }),
    );

  const edit = (p: SerialPortRow) =>
    setForm({
      id: p.id,
      path: p.path,
      baud_rate: p.baud_rate,
      default_topic: p.default_topic ?? '',
      device_id: p.device_id ?? '',
      editing: true,
    });

  return (
    <section className="panel" aria-labelledby="serial-title">
      <h2 className="panel-title" id="serial-title">
        Serial ports
      </h2>
      <p className="muted pad">
        Newline-delimited JSON both ways. A line carries <code>{'{"topic": …, "payload": …}'}</code>, or goes
        to the port&apos;s default topic. Unplugged ports are reopened when they come back.
      </p>
      <InlineError message={error} />
      {ports.length === 0 ? (
        <EmptyState title="No serial ports configured — add one below" testId="serial-empty" />
      ) : (
        <div className="table-scroll">
          <table className="table bridges-serial" aria-label="Serial ports">
            <TableHead
              columns={[
                'Port',
                'Path',
                num('Baud'),
                'State',
                num('Lines'),
                num('Rejects'),
                'Devices',
                'Last line',
                'Actions',
              ]}
            />
            <tbody onKeyDown={onRowNavKeyDown}>
              {ports.map((p) => (
                <tr
                  key={p.id}
                  tabIndex={0}
                  data-testid="serial-port-row"
                  data-port-id={p.id}
                  data-state={p.state}
                >
                  <th scope="row" className="mono">
                    {p.id}
                  </th>
                  <td className="mono">
                    {p.path}
                    {p.default_topic ? <div className="muted">→ {p.default_topic}</div> : null}
                  </td>
                  <td className="num">{p.baud_rate}</td>
                  <td>
                    <Status tone={serialTone(p.state)} testId="serial-port-state">
                      {SERIAL_STATE_LABEL[p.state]}
                    </Status>
                    <RetryNote error={p.state === 'open' ? null : p.error} next={p.next_retry_at} now={now} />
                  </td>
                  <td className="num" data-testid="serial-port-lines">
                    {formatInt(p.lines_in)}
                  </td>
                  <td className="num">
                    {p.rejects > 0 ? <Status tone="warn">{formatInt(p.rejects)}</Status> : '0'}
                  </td>
                  <td className="mono">{p.devices.length ? p.devices.join(', ') : '—'}</td>
                  <td>{formatRelative(p.last_line_at, now)}</td>
                  <td>
                    <div className="bridge-actions">
                      <button type="button" disabled={busy} onClick={() => toggle(p)}>
                        {p.enabled ? 'Disable' : 'Enable'}
                      </button>
                      <button type="button" disabled={busy} onClick={() => edit(p)}>
                        Edit
                      </button>
                      <button type="button" disabled={busy} onClick={() => setRemoving(p)}>
                        Remove
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <form
        className="toolbar bridge-form"
        onSubmit={submit}
        data-testid="serial-form"
        aria-label="Serial port"
      >
        <Field label="Path">
          <input
            className="mono"
            list="serial-available"
            required
            value={form.path}
            placeholder="/dev/ttyUSB0"
            onChange={(e) => setForm({ ...form, path: e.target.value })}
            data-testid="serial-path"
          />
          <datalist id="serial-available">
            {available.map((a) => (
              <option key={a.path} value={a.path}>
                {[a.manufacturer, a.serial_number].filter(Boolean).join(' ')}
              </option>
            ))}
          </datalist>
        </Field>
        <Field label="Baud rate">
          <select
            value={form.baud_rate}
            onChange={(e) => setForm({ ...form, baud_rate: Number(e.target.value) })}
            data-testid="serial-baud"
          >
            {SERIAL_BAUD_RATES.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Default topic (optional)">
          <input
            className="mono"
            value={form.default_topic}
            placeholder="devices/{device_id}/sensor_data"
            onChange={(e) => setForm({ ...form, default_topic: e.target.value })}
            data-testid="serial-topic"
          />
        </Field>
        <Field label="Device id (optional)">
          <input
            className="mono input-narrow"
            value={form.device_id}
            onChange={(e) => setForm({ ...form, device_id: e.target.value })}
            data-testid="serial-device-id"
          />
        </Field>
        <Field label="Port id">
          <input
            className="mono input-narrow"
            value={form.id}
            placeholder="auto"
            readOnly={form.editing}
            onChange={(e) => setForm({ ...form, id: e.target.value })}
            data-testid="serial-id"
          />
        </Field>
        <button
          type="submit"
          className="primary"
          disabled={busy || !form.path.trim()}
          data-testid="serial-save"
        >
          {form.editing ? 'Save port' : 'Add port'}
        </button>
        {form.editing ? (
          <button type="button" onClick={() => setForm(EMPTY_FORM)}>
            Cancel
          </button>
        ) : null}
        <button type="button" onClick={loadAvailable} title="List the serial ports this machine has">
          Refresh list
        </button>
      </form>

      <ConfirmRemove
        item={removing}
        title={(p) => `Remove serial port ${p.id}?`}
        busy={busy}
        onClose={() => setRemoving(null)}
        onRemove={(p) => void run('Remove port', () => bridge.call('bridges.serial.remove', { id: p.id }))}
      >
        The port is closed and its configuration deleted. Events already received stay.
      </ConfirmRemove>
    </section>
  );
}
