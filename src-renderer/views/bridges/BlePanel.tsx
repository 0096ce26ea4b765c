/** BLE bridges: the adapter, scanning, the sensors paired or seen, and Web Bluetooth where the browser has it. */
import { useMemo, useState } from 'react';
import { type BleDeviceRow, type BridgesState } from '../../../src-shared/contract/bridges';
import { useBridge } from '../../components/context';
import { EmptyState, InlineError, Status } from '../../components/Status';
import { onRowNavKeyDown } from '../../components/tableKeys';
import { batteryTone, formatInt, formatRelative, rssiTone } from '../../lib/format';
import { BLE_STATE_LABEL, bleTone, retryIn, sortDevices } from './model';
import type { WebBluetoothAgent } from './webBluetooth';
import { TableHead, num } from '../../components/TableHead';
import { ConfirmRemove, RetryNote, useAction } from './parts';
import { BleCommandForm } from './BleCommandForm';

const SCAN_SECONDS = 10;

export function BlePanel({
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

      <BleCommandForm devices={devices} refresh={refresh} />

      <ConfirmRemove
        item={removing}
        title={(d) => `Remove ${d.device_id}?`}
        busy={busy}
        onClose={() => setRemoving(null)}
        onRemove={(d) =>
          void run('Remove device', () => bridge.call('bridges.ble.remove', { address: d.address }))
        }
      >
        The link is closed and the device forgotten. Events already received stay.
      </ConfirmRemove>
    </section>
  );
}
