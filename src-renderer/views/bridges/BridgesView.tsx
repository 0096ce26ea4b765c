import { useCallback, useEffect, useMemo, useState, useSyncExternalStore, type FormEvent } from 'react';
import {
  BLE_TRANSPORTS,
  SERIAL_BAUD_RATES,
  type AvailableSerialPort,
  type BleDeviceRow,
  type BridgeCommandResult,
  type BridgesSettings,
  type BridgesState,
  type SerialPortRow,
} from '../../../src-shared/contract/bridges';
import { useActions, useBridge } from '../../components/context';
import { useNow, usePolled } from '../../components/hooks';
import { EmptyState, InlineError, Status } from '../../components/Status';
import { onRowNavKeyDown } from '../../components/tableKeys';
import { batteryTone, formatInt, formatRelative, rssiTone } from '../../lib/format';
import { errorMessage } from '../../state/sync';
import { ConfirmDialog } from '../devices/ConfirmDialog';
import { getWebBluetoothAgent, subscribeWebBluetoothAgent } from './agent';
import {
  BLE_STATE_LABEL,
  SERIAL_STATE_LABEL,
  bleTone,
  commandArgs,
  retryIn,
  serialTone,
  sortDevices,
  sortPorts,
  summary,
} from './model';
import type { WebBluetoothAgent } from './webBluetooth';
import { TableHead, num } from '../../components/TableHead';
import { Field } from '../../components/Field';

const REFRESH_MS = 1000;
const SCAN_SECONDS = 10;

/** Runs one action at a time, with its error shown inline and as a toast. */
function useAction(refresh: () => void) {
  const { notifyError } = useActions();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(
    async <T,>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
      setBusy(true);
      setError(null);
      try {
        return await fn();
      } catch (err) {
        const message = `${what}: ${errorMessage(err)}`;
        setError(message);
        notifyError(message);
        return undefined;
      } finally {
        setBusy(false);
        refresh();
      }
    },
    [notifyError, refresh],
  );
  return { busy, error, run, clearError: () => setError(null) };
}

function RetryNote({ error, next, now }: { error: string | null; next: string | null; now: number }) {
  const s = retryIn(next, now);
  if (!error && s === null) return null;
  return (
    <div className="bridge-note muted">
      {error ? <span>{error}</span> : null}
      {s !== null ? <span> · retry in {s} s</span> : null}
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Serial
// ---------------------------------------------------------------------------------------------

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

function SerialPanel({
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

      <ConfirmDialog
        open={removing !== null}
        title={`Remove serial port ${removing?.id ?? ''}?`}
        confirmLabel="Remove"
        busy={busy}
        onCancel={() => setRemoving(null)}
        onConfirm={() => {
          const p = removing;
          setRemoving(null);
          if (p) void run('Remove port', () => bridge.call('bridges.serial.remove', { id: p.id }));
        }}
      >
        The port is closed and its configuration deleted. Events already received stay.
      </ConfirmDialog>
    </section>
  );
}

// ---------------------------------------------------------------------------------------------
// BLE
// ---------------------------------------------------------------------------------------------

function CommandForm({ devices, refresh }: { devices: readonly BleDeviceRow[]; refresh: () => void }) {
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

function BlePanel({
  ble,
  now,
  refresh,
  agent,
}: {
  ble: BridgesState['ble'];
  now: number;
  refresh: () => void;
  agent: WebBluetoothAgent | null;
}) {
  const bridge = useBridge();
  const { busy, error, run } = useAction(refresh);
  const [driverFor, setDriverFor] = useState<Record<string, string>>({});
  const [removing, setRemoving] = useState<BleDeviceRow | null>(null);
  const devices = useMemo(() => sortDevices(ble.devices), [ble.devices]);
  const discovered = ble.discovered.filter((d) => !d.configured);

  /** Opens the Web Bluetooth chooser inside the click (it needs the user gesture). */
  const openChooser = () => {
    if (!agent) return;
    agent.requestAccess().catch((err: unknown) => console.warn('marshal: Web Bluetooth chooser', err));
  };

  const scan = () => {
    openChooser();
    void run('Scan', () => bridge.call('bridges.ble.scan', { seconds: SCAN_SECONDS }));
  };

  const add = (address: string, driver: string | null) => {
    openChooser();
    void run('Add device', () =>
      bridge.call('bridges.ble.save', { address, ...(driver ? { driver } : {}), enabled: true }),
    );
  };

  const connect = (d: BleDeviceRow) => {
    openChooser();
    void run('Connect', () => bridge.call('bridges.ble.connect', { address: d.address }));
  };

  return (
    <section className="panel" aria-labelledby="ble-title">
      <h2 className="panel-title" id="ble-title">
        Bluetooth LE
      </h2>
      <div className="toolbar">
        <span className="field-hint" data-testid="ble-transport">
          {ble.available ? (
            <Status tone="ok">
              via{' '}
              {ble.transport === 'bluez'
                ? 'BlueZ (D-Bus)'
                : ble.transport === 'web-bluetooth'
                  ? 'Web Bluetooth'
                  : ble.transport}
            </Status>
          ) : (
            <Status tone="idle">
              {ble.reason ? `no BLE transport yet — ${ble.reason}` : 'BLE starts when needed'}
            </Status>
          )}
        </span>
        <button type="button" onClick={scan} disabled={busy || ble.scanning} data-testid="ble-scan">
          {ble.scanning ? `Scanning… (${retryIn(ble.scan_until, now) ?? 0} s)` : 'Scan'}
        </button>
      </div>
      <InlineError message={error} />

      {discovered.length ? (
        <div className="table-scroll">
          <h3 className="bridge-sub">Found nearby</h3>
          <table className="table bridges-discovered" aria-label="Devices found">
            <TableHead columns={['Found', 'Address', num('RSSI'), 'Driver', 'Actions']} />
            <tbody onKeyDown={onRowNavKeyDown}>
              {discovered.map((d) => {
                const driver = d.driver ?? driverFor[d.address] ?? null;
                return (
                  <tr key={d.address} tabIndex={0} data-testid="ble-discovered-row" data-address={d.address}>
                    <th scope="row">{d.name ?? <span className="muted">(no name)</span>}</th>
                    <td className="mono">{d.address}</td>
                    <td className="num">
                      {d.rssi !== null ? <Status tone={rssiTone(d.rssi)}>{d.rssi} dBm</Status> : '—'}
                    </td>
                    <td>
                      {d.driver ? (
                        (ble.drivers.find((x) => x.id === d.driver)?.label ?? d.driver)
                      ) : (
                        <select
                          aria-label={`Driver for ${d.address}`}
                          value={driverFor[d.address] ?? ''}
                          onChange={(e) => setDriverFor({ ...driverFor, [d.address]: e.target.value })}
                        >
                          <option value="">not recognized — pick one</option>
                          {ble.drivers.map((x) => (
                            <option key={x.id} value={x.id}>
                              {x.label}
                            </option>
                          ))}
                        </select>
                      )}
                    </td>
                    <td>
                      <button type="button" disabled={busy || !driver} onClick={() => add(d.address, driver)}>
                        Connect
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}

      {devices.length === 0 ? (
        <EmptyState title="No BLE devices configured — scan, then connect one" testId="ble-empty">
          AMG Commander timers and WitMotion BT50 sensors are recognized by name.
        </EmptyState>
      ) : (
        <div className="table-scroll">
          <h3 className="bridge-sub">Devices</h3>
          <table className="table bridges-ble" aria-label="BLE devices">
            <TableHead
              columns={[
                'Device',
                'Address',
                'Driver',
                'State',
                num('Battery'),
                num('Notifications'),
                'Last data',
                'Actions',
              ]}
            />
            <tbody onKeyDown={onRowNavKeyDown}>
              {devices.map((d) => (
                <tr
                  key={d.address}
                  tabIndex={0}
                  data-testid="ble-device-row"
                  data-address={d.address}
                  data-state={d.state}
                >
                  <th scope="row" className="mono">
                    {d.device_id}
                    {d.name ? <div className="muted">{d.name}</div> : null}
                  </th>
                  <td className="mono">{d.address}</td>
                  <td>{d.driver_label}</td>
                  <td>
                    <Status tone={bleTone(d.state)}>{BLE_STATE_LABEL[d.state]}</Status>
                    <RetryNote
                      error={d.state === 'connected' ? null : d.error}
                      next={d.next_retry_at}
                      now={now}
                    />
                  </td>
                  <td className="num">
                    {d.battery !== null ? <Status tone={batteryTone(d.battery)}>{d.battery} %</Status> : '—'}
                  </td>
                  <td className="num">
                    {formatInt(d.notifications)}
                    {d.bad_frames ? <div className="muted">{d.bad_frames} bad</div> : null}
                  </td>
                  <td>{formatRelative(d.last_notification_at, now)}</td>
                  <td>
                    <div className="bridge-actions">
                      {d.enabled && d.state !== 'needs-permission' ? (
                        <button
                          type="button"
                          disabled={busy}
                          onClick={() =>
                            void run('Disconnect', () =>
                              bridge.call('bridges.ble.disconnect', { address: d.address }),
                            )
                          }
                        >
                          Disconnect
                        </button>
                      ) : (
                        <button type="button" className="primary" disabled={busy} onClick={() => connect(d)}>
                          Connect
                        </button>
                      )}
                      <button type="button" disabled={busy} onClick={() => setRemoving(d)}>
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

      <CommandForm devices={devices} refresh={refresh} />

      <ConfirmDialog
        open={removing !== null}
        title={`Remove ${removing?.device_id ?? ''}?`}
        confirmLabel="Remove"
        busy={busy}
        onCancel={() => setRemoving(null)}
        onConfirm={() => {
          const d = removing;
          setRemoving(null);
          if (d) void run('Remove device', () => bridge.call('bridges.ble.remove', { address: d.address }));
        }}
      >
        The link is closed and the device forgotten. Events already received stay.
      </ConfirmDialog>
    </section>
  );
}

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

function SettingsPanel({ settings, refresh }: { settings: BridgesSettings; refresh: () => void }) {
  const bridge = useBridge();
  const { busy, error, run } = useAction(refresh);
  const set = (patch: Partial<BridgesSettings>) =>
    void run('Save bridge settings', () => bridge.call('bridges.settings.set', patch));
  return (
    <section className="panel" aria-labelledby="bridge-settings-title">
      <h2 className="panel-title" id="bridge-settings-title">
        Bridge settings
      </h2>
      <div className="toolbar">
        <label className="bridge-check">
          <input
            type="checkbox"
            checked={settings.republish}
            disabled={busy}
            onChange={(e) => set({ republish: e.target.checked })}
            data-testid="bridges-republish"
          />
          Republish bridged messages into the broker (for other subscribers)
        </label>
        <Field label="BLE transport">
          <select
            value={settings.ble_transport}
            disabled={busy}
            onChange={(e) => set({ ble_transport: e.target.value as BridgesSettings['ble_transport'] })}
          >
            {BLE_TRANSPORTS.map((t) => (
              <option key={t} value={t}>
                {t === 'auto'
                  ? 'automatic'
                  : t === 'bluez'
                    ? 'BlueZ (Linux)'
                    : t === 'web-bluetooth'
                      ? 'Web Bluetooth (desktop app)'
                      : 'off'}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <InlineError message={error} />
    </section>
  );
}

export function BridgesView() {
  const polled = usePolled('bridges.list', undefined, REFRESH_MS);
  const now = useNow(1000);
  const agent = useSyncExternalStore(subscribeWebBluetoothAgent, getWebBluetoothAgent, () => null);
  const state = polled.data;
  const sub = summary(state);
  const ports = useMemo(() => sortPorts(state?.serial.ports ?? []), [state]);
  return (
    <div className="view view-bridges" data-testid="bridges-view">
      <div className="view-head">
        <h1 className="view-title">Bridges</h1>
        {sub ? <span className="view-sub">{sub}</span> : null}
      </div>
      <InlineError message={polled.error ? `Could not load bridges: ${polled.error}` : null} />
      {state === null && !polled.error ? <p className="muted">Loading bridges…</p> : null}
      {state ? (
        <>
          <SerialPanel ports={ports} now={now} refresh={polled.refresh} />
          <BlePanel ble={state.ble} now={now} refresh={polled.refresh} agent={agent} />
          <SettingsPanel settings={state.settings} refresh={polled.refresh} />
        </>
      ) : null}
    </div>
  );
}
