import { memo, useEffect, useId, useMemo, useState } from 'react';
import { configSpecFor } from '../../../src-shared/families';
import type { CommandSettings } from '../../../src-shared/contract/devices';
import type { ClientRow } from '../../../src-shared/contract/types';
import { useBridge } from '../../components/context';
import { useNow, usePolled } from '../../components/hooks';
import { EmptyState, InlineError, Status } from '../../components/Status';
import { activateOnKey, onRowNavKeyDown } from '../../components/tableKeys';
import { batteryTone, formatRelative, rssiTone } from '../../lib/format';
import { normalizeClients } from '../../lib/rows';
import { errorMessage } from '../../state/sync';
import { CommandHistory } from './CommandHistory';
import { CommandPanel } from './CommandPanel';
import { ConfigPanel } from './ConfigPanel';
import { CredentialsPanel } from './CredentialsPanel';
import { deviceKey, msToSeconds, panelDevices, secondsToMs, type PanelDevice } from './model';
import { useCommandFeed } from './useCommandFeed';
import { TableHead, num } from '../../components/TableHead';

const REFRESH_MS = 2000;

const DeviceTableRow = memo(function DeviceTableRow({
  d,
  now,
  selected,
  pending,
  onSelect,
}: {
  d: PanelDevice;
  now: number;
  selected: boolean;
  pending: number;
  onSelect: (key: string) => void;
}) {
  const key = deviceKey(d);
  return (
    <tr
      data-testid="device-row"
      data-device-id={d.device_id}
      data-family={d.family}
      data-online={d.online ? 'true' : 'false'}
      tabIndex={0}
      aria-selected={selected}
      className={selected ? 'selected' : undefined}
      onClick={() => onSelect(key)}
      onKeyDown={(e) => activateOnKey(e, () => onSelect(key))}
    >
      <th scope="row" className="mono">
        {d.device_id}
      </th>
      <td>{d.name ?? <span className="muted">—</span>}</td>
      <td>{d.family}</td>
      <td>{d.role ?? '—'}</td>
      <td>
        <Status tone={d.online ? 'ok' : 'bad'}>{d.online ? 'online' : 'offline'}</Status>
        {pending > 0 ? (
          <span className="badge badge--warn cmd-pending" title="commands waiting or in flight">
            {pending} pending
          </span>
        ) : null}
      </td>
      <td>{formatRelative(d.last_seen, now)}</td>
      <td className="num">
        {d.battery !== null ? <Status tone={batteryTone(d.battery)}>{d.battery.toFixed(0)} %</Status> : '—'}
      </td>
      <td className="num">
        {d.rssi !== null ? <Status tone={rssiTone(d.rssi)}>{d.rssi.toFixed(0)} dBm</Status> : '—'}
      </td>
      <td className="mono">{d.firmware ?? '—'}</td>
    </tr>
  );
});

function DevicesTable({
  devices,
  now,
  selected,
  pending,
  onSelect,
}: {
  devices: readonly PanelDevice[];
  now: number;
  selected: string | null;
  pending: ReadonlyMap<string, number>;
  onSelect: (key: string) => void;
}) {
  return (
    <div className="table-scroll">
      <table className="table devices" aria-label="Devices">
        <TableHead
          columns={[
            'Device',
            'Name',
            'Family',
            'Role',
            'State',
            'Last seen',
            num('Battery'),
            num('Signal'),
            'Firmware',
          ]}
        />
        <tbody onKeyDown={onRowNavKeyDown}>
          {devices.map((d) => (
            <DeviceTableRow
              key={deviceKey(d)}
              d={d}
              now={now}
              selected={deviceKey(d) === selected}
              pending={pending.get(deviceKey(d)) ?? 0}
              onSelect={onSelect}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ClientsTable({ clients, now }: { clients: readonly ClientRow[]; now: number }) {
  return (
    <div className="table-scroll">
      <table className="table clients" aria-label="Connected MQTT clients">
        <TableHead columns={['Client id', 'Address', 'Username', 'Connected']} />
        <tbody onKeyDown={onRowNavKeyDown}>
          {clients.map((c) => (
            <tr key={c.client_id} data-testid="client-row" data-client-id={c.client_id} tabIndex={0}>
              <th scope="row" className="mono">
                {c.client_id}
              </th>
              <td className="mono">{c.address ?? '—'}</td>
              <td>{c.username ?? <span className="muted">anonymous</span>}</td>
              <td>{formatRelative(c.connected_at, now)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Name and role the operator gives a device (kept across restarts). */
function LabelForm({ device, onSaved }: { device: PanelDevice; onSaved: () => void }) {
  const bridge = useBridge();
  const idPrefix = useId();
  const [name, setName] = useState(device.name ?? '');
  // The operator's role only (the structural one shows as the placeholder).
  const [role, setRole] = useState(device.role && device.role !== device.kind ? device.role : '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  return (
    <form
      className="toolbar"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        setSaved(false);
        bridge
          .call('devices.update', {
            family: device.family,
            device_id: device.device_id,
            name: name.trim() || null,
            role: role.trim() || null,
          })
          .then(() => {
            setSaved(true);
            onSaved();
          })
          .catch((err: unknown) => setError(errorMessage(err)))
          .finally(() => setBusy(false));
      }}
    >
      <div className="field">
        <label className="field-label" htmlFor={`${idPrefix}-name`}>
          Name
        </label>
        <input
          id={`${idPrefix}-name`}
          type="text"
          maxLength={64}
          value={name}
          placeholder={device.device_id}
          onChange={(e) => setName(e.target.value)}
          data-testid="device-name-input"
        />
      </div>
      <div className="field">
        <label className="field-label" htmlFor={`${idPrefix}-role`}>
          Role
        </label>
        <input
          id={`${idPrefix}-role`}
          type="text"
          maxLength={32}
          value={role}
          list={`${idPrefix}-roles`}
          placeholder={device.kind ?? 'plate, stage, booth, zone'}
          onChange={(e) => setRole(e.target.value)}
          data-testid="device-role-input"
        />
        <datalist id={`${idPrefix}-roles`}>
          {['plate', 'stage', 'booth', 'zone', 'timer', 'sensor'].map((r) => (
            <option key={r} value={r} />
          ))}
        </datalist>
      </div>
      <div className="field">
        <button type="submit" disabled={busy} data-testid="device-label-save">
          Save name and role
        </button>
      </div>
      {saved ? <span className="field-hint">saved</span> : null}
      <InlineError message={error} />
    </form>
  );
}

function SettingsForm() {
  const bridge = useBridge();
  const idPrefix = useId();
  const [settings, setSettings] = useState<CommandSettings | null>(null);
  const [timeout, setTimeoutText] = useState('');
  const [expiry, setExpiry] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    let live = true;
    bridge
      .call('commands.settings', undefined)
      .then((s) => {
        if (!live) return;
        setSettings(s);
        setTimeoutText(msToSeconds(s.ack_timeout_ms));
        setExpiry(msToSeconds(s.expiry_ms));
      })
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [bridge]);
  if (!settings) return <InlineError message={error} />;
  return (
    <form
      className="toolbar"
      onSubmit={(e) => {
        e.preventDefault();
        const ack = secondsToMs(timeout);
        const exp = secondsToMs(expiry);
        if (ack === null || exp === null) {
          setError('both must be positive numbers of seconds');
          return;
        }
        setError(null);
        setSaved(false);
        bridge
          .call('commands.update_settings', { ack_timeout_ms: ack, expiry_ms: exp })
          .then((s) => {
            setSettings(s);
            setSaved(true);
          })
          .catch((err: unknown) => setError(errorMessage(err)));
      }}
    >
      <div className="field">
        <label className="field-label" htmlFor={`${idPrefix}-timeout`}>
          Acknowledgement timeout (s)
        </label>
        <input
          id={`${idPrefix}-timeout`}
          type="number"
          min={0.1}
          step="any"
          value={timeout}
          onChange={(e) => setTimeoutText(e.target.value)}
        />
      </div>
      <div className="field">
        <label className="field-label" htmlFor={`${idPrefix}-expiry`}>
          Queued commands expire after (s)
        </label>
        <input
          id={`${idPrefix}-expiry`}
          type="number"
          min={1}
          step="any"
          value={expiry}
          onChange={(e) => setExpiry(e.target.value)}
        />
      </div>
      <div className="field">
        <button type="submit">Save</button>
      </div>
      {saved ? <span className="field-hint">saved</span> : null}
      <InlineError message={error} />
    </form>
  );
}

/**
 * Devices and the command panel: every device ever seen (family, name, role, online, battery,
 * signal, firmware); for the selected one a typed command form, its name and role, and its
 * retained configuration; the command history with states and who; LAN credentials; the MQTT
 * clients connected now.
 */
export function DevicesView() {
  const devicesPolled = usePolled('devices.list', undefined, REFRESH_MS);
  const clientsPolled = usePolled('clients.list', undefined, REFRESH_MS);
  const now = useNow(1000);
  const feed = useCommandFeed();
  const [selected, setSelected] = useState<string | null>(null);
  const [historyScope, setHistoryScope] = useState<'device' | 'all'>('device');
  const devices = useMemo(() => panelDevices(devicesPolled.data?.devices), [devicesPolled.data]);
  const clients = useMemo(() => normalizeClients(clientsPolled.data?.clients), [clientsPolled.data]);
  const online = devices.filter((d) => d.online).length;
  const device = devices.find((d) => deviceKey(d) === selected) ?? null;
  const pending = useMemo(() => {
    const m = new Map<string, number>();
    for (const c of feed.commands) {
      if (c.state !== 'queued' && c.state !== 'sent') continue;
      const k = `${c.family}/${c.device_id}`;
      m.set(k, (m.get(k) ?? 0) + 1);
    }
    return m;
  }, [feed.commands]);

  return (
    <div className="view view-devices">
      <div className="view-head">
        <h1 className="view-title">Devices</h1>
        {devices.length > 0 ? (
          <span className="view-sub">
            {online} of {devices.length} online · select a device to command or configure it
          </span>
        ) : null}
      </div>

      <section className="panel" aria-labelledby="devices-title">
        <h2 className="panel-title" id="devices-title">
          Devices
        </h2>
        <InlineError
          message={devicesPolled.error ? `Could not load devices: ${devicesPolled.error}` : null}
        />
        {devicesPolled.data === null && !devicesPolled.error ? (
          <p className="muted pad">Loading devices…</p>
        ) : null}
        {devicesPolled.data !== null && devices.length === 0 ? (
          <EmptyState
            title="No devices yet — waiting for devices to publish status or hello"
            testId="devices-empty"
          />
        ) : null}
        {devices.length > 0 ? (
          <>
            <DevicesTable
              devices={devices}
              now={now}
              selected={selected}
              pending={pending}
              onSelect={setSelected}
            />
            <p className="hint">Select a device: click, or Enter on a focused row (arrows move).</p>
          </>
        ) : null}
      </section>

      {device ? (
        <section
          className="panel device-detail"
          aria-labelledby="device-detail-title"
          data-testid="device-detail"
          data-device-id={device.device_id}
        >
          <h2 className="panel-title" id="device-detail-title">
            {device.name ? `${device.name} · ` : ''}
            <span className="mono">{device.device_id}</span> ({device.family}
            {device.kind ? ` ${device.kind}` : ''}) —{' '}
            <Status tone={device.online ? 'ok' : 'bad'}>{device.online ? 'online' : 'offline'}</Status>
          </h2>
          <div className="device-detail-grid">
            <div>
              <h3 className="sub-title">Send a command</h3>
              <CommandPanel
                key={deviceKey(device)}
                device={device}
                history={feed.commands}
                onSent={(r) => feed.merge([r])}
              />
            </div>
            <div>
              <h3 className="sub-title">Name and role</h3>
              <LabelForm key={deviceKey(device)} device={device} onSaved={devicesPolled.refresh} />
            </div>
          </div>
          {configSpecFor(device.family) ? (
            <>
              <h3 className="sub-title">Configuration</h3>
              <ConfigPanel
                key={deviceKey(device)}
                family={device.family}
                deviceId={device.device_id}
                now={now}
              />
            </>
          ) : null}
        </section>
      ) : null}

      <section className="panel" aria-labelledby="history-title">
        <div className="panel-head">
          <h2 className="panel-title" id="history-title">
            Command history
          </h2>
          {device ? (
            <div className="segmented" role="group" aria-label="Which commands">
              <button
                type="button"
                aria-pressed={historyScope === 'device'}
                onClick={() => setHistoryScope('device')}
              >
                {device.device_id}
              </button>
              <button
                type="button"
                aria-pressed={historyScope === 'all'}
                onClick={() => setHistoryScope('all')}
              >
                All devices
              </button>
            </div>
          ) : null}
        </div>
        <InlineError message={feed.error ? `Could not load the history: ${feed.error}` : null} />
        {feed.loaded || feed.commands.length > 0 ? (
          <CommandHistory
            commands={feed.commands}
            now={now}
            onlyDevice={device && historyScope === 'device' ? device : null}
            onChanged={(r) => feed.merge([r])}
          />
        ) : !feed.error ? (
          <p className="muted pad">Loading commands…</p>
        ) : null}
      </section>

      <section className="panel" aria-labelledby="credentials-title">
        <h2 className="panel-title" id="credentials-title">
          LAN credentials
        </h2>
        <CredentialsPanel
          now={now}
          suggestion={device ? { family: device.family, device_id: device.device_id } : undefined}
        />
      </section>

      <section className="panel" aria-labelledby="settings-title">
        <h2 className="panel-title" id="settings-title">
          Command delivery
        </h2>
        <SettingsForm />
        <p className="hint">
          A command for an offline device waits and goes out when the device is back, until it expires; once
          sent it waits this long for an acknowledgement. Range bridges that do not acknowledge leave their
          commands sent until they time out.
        </p>
      </section>

      <section className="panel" aria-labelledby="clients-title">
        <h2 className="panel-title" id="clients-title">
          Connected MQTT clients
        </h2>
        <InlineError
          message={clientsPolled.error ? `Could not load clients: ${clientsPolled.error}` : null}
        />
        {clientsPolled.data === null && !clientsPolled.error ? (
          <p className="muted pad">Loading clients…</p>
        ) : null}
        {clientsPolled.data !== null && clients.length === 0 ? (
          <EmptyState
            title="No MQTT clients connected — devices connect to the broker URLs in the health bar"
            testId="clients-empty"
          />
        ) : null}
        {clients.length > 0 ? <ClientsTable clients={clients} now={now} /> : null}
      </section>
    </div>
  );
}
