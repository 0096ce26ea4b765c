import { useMemo } from 'react';
import type { ClientRow, DeviceRow } from '../../src-shared/contract/types';
import { useNow, usePolled } from '../components/hooks';
import { EmptyState, InlineError, Status } from '../components/Status';
import { onRowNavKeyDown } from '../components/tableKeys';
import { batteryTone, formatRelative, rssiTone } from '../lib/format';
import { normalizeClients, normalizeDevices } from '../lib/rows';

const REFRESH_MS = 2000;

function DevicesTable({ devices, now }: { devices: readonly DeviceRow[]; now: number }) {
  return (
    <div className="table-scroll">
      <table className="table devices" aria-label="Devices">
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">Family</th>
            <th scope="col">Name</th>
            <th scope="col">State</th>
            <th scope="col">Last seen</th>
            <th scope="col" className="num">
              Battery
            </th>
            <th scope="col" className="num">
              RSSI
            </th>
            <th scope="col">Firmware</th>
            <th scope="col">Role</th>
          </tr>
        </thead>
        <tbody onKeyDown={onRowNavKeyDown}>
          {devices.map((d) => (
            <tr
              key={`${d.family}/${d.device_id}`}
              data-testid="device-row"
              data-device-id={d.device_id}
              data-online={d.online ? 'true' : 'false'}
              tabIndex={0}
            >
              <th scope="row" className="mono">
                {d.device_id}
              </th>
              <td>{d.family}</td>
              <td>{d.name ?? '—'}</td>
              <td>
                <Status tone={d.online ? 'ok' : 'bad'}>{d.online ? 'online' : 'offline'}</Status>
              </td>
              <td>{formatRelative(d.last_seen, now)}</td>
              <td className="num">
                {d.battery !== null ? (
                  <Status tone={batteryTone(d.battery)}>{d.battery.toFixed(0)} %</Status>
                ) : (
                  '—'
                )}
              </td>
              <td className="num">
                {d.rssi !== null ? <Status tone={rssiTone(d.rssi)}>{d.rssi.toFixed(0)} dBm</Status> : '—'}
              </td>
              <td className="mono">{d.firmware ?? '—'}</td>
              <td>{d.role ?? '—'}</td>
            </tr>
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
        <thead>
          <tr>
            <th scope="col">Client id</th>
            <th scope="col">Address</th>
            <th scope="col">Username</th>
            <th scope="col">Connected</th>
          </tr>
        </thead>
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

export function DevicesView() {
  const devices = usePolled('devices.list', undefined, REFRESH_MS);
  const clients = usePolled('clients.list', undefined, REFRESH_MS);
  const now = useNow(1000);
  const deviceRows = useMemo(() => normalizeDevices(devices.data?.devices), [devices.data]);
  const clientRows = useMemo(() => normalizeClients(clients.data?.clients), [clients.data]);
  const online = deviceRows.filter((d) => d.online).length;

  return (
    <div className="view view-devices">
      <div className="view-head">
        <h1 className="view-title">Devices</h1>
        {deviceRows.length > 0 ? (
          <span className="view-sub">
            {online} of {deviceRows.length} online · refreshed every 2 s
          </span>
        ) : null}
      </div>

      <section className="panel" aria-labelledby="devices-title">
        <h2 className="panel-title" id="devices-title">
          Devices
        </h2>
        <InlineError message={devices.error ? `Could not load devices: ${devices.error}` : null} />
        {devices.data === null && !devices.error ? <p className="muted pad">Loading devices…</p> : null}
        {devices.data !== null && deviceRows.length === 0 ? (
          <EmptyState
            title="No devices yet — waiting for devices to publish status or hello"
            testId="devices-empty"
          />
        ) : null}
        {deviceRows.length > 0 ? <DevicesTable devices={deviceRows} now={now} /> : null}
      </section>

      <section className="panel" aria-labelledby="clients-title">
        <h2 className="panel-title" id="clients-title">
          Connected MQTT clients
        </h2>
        <InlineError message={clients.error ? `Could not load clients: ${clients.error}` : null} />
        {clients.data === null && !clients.error ? <p className="muted pad">Loading clients…</p> : null}
        {clients.data !== null && clientRows.length === 0 ? (
          <EmptyState
            title="No MQTT clients connected — devices connect to the broker URLs in the health bar"
            testId="clients-empty"
          />
        ) : null}
        {clientRows.length > 0 ? <ClientsTable clients={clientRows} now={now} /> : null}
      </section>
    </div>
  );
}
