import { memo, useMemo, useState } from 'react';
import type { SensorRow } from '../../src-shared/contract/types';
import { useNow, usePolled } from '../components/hooks';
import { EmptyState, InlineError, Status } from '../components/Status';
import { activateOnKey, onRowNavKeyDown } from '../components/tableKeys';
import { batteryTone, formatMaybe, formatRelative, rssiTone } from '../lib/format';
import { normalizeSensors } from '../lib/rows';
import { RateChart } from './RateChart';
import { TelemetryChart } from './TelemetryChart';
import { TableHead, num } from '../components/TableHead';

const REFRESH_MS = 2000;

const SensorTableRow = memo(function SensorTableRow({
  s,
  now,
  selected,
  onSelect,
}: {
  s: SensorRow;
  now: number;
  selected: boolean;
  onSelect: (id: string) => void;
}) {
  const state = s.state ?? (s.online ? 'online' : 'offline');
  return (
    <tr
      data-testid="sensor-row"
      data-sensor-id={s.sensor_id}
      data-online={s.online ? 'true' : 'false'}
      tabIndex={0}
      aria-selected={selected}
      className={selected ? 'selected' : undefined}
      onClick={() => onSelect(s.sensor_id)}
      onKeyDown={(e) => activateOnKey(e, () => onSelect(s.sensor_id))}
    >
      <th scope="row" className="mono">
        {s.sensor_id}
      </th>
      <td>
        <Status tone={s.online ? 'ok' : 'bad'}>{state}</Status>
      </td>
      <td className="num">
        {s.battery !== null ? <Status tone={batteryTone(s.battery)}>{s.battery.toFixed(0)} %</Status> : '—'}
      </td>
      <td className="num">
        {s.rssi !== null ? <Status tone={rssiTone(s.rssi)}>{s.rssi.toFixed(0)} dBm</Status> : '—'}
      </td>
      <td className="num">{formatMaybe(s.temperature_c, 1, ' °C')}</td>
      <td className="num">{formatMaybe(s.rate_hz, 0, ' Hz')}</td>
      <td>{formatRelative(s.last_seen, now)}</td>
      <td>{s.calibrated == null ? '—' : s.calibrated ? 'yes' : <Status tone="warn">no</Status>}</td>
    </tr>
  );
});

export function SensorsView() {
  const polled = usePolled('sensors.list', undefined, REFRESH_MS);
  const now = useNow(1000);
  const [selected, setSelected] = useState<string | null>(null);
  const sensors = useMemo(() => normalizeSensors(polled.data?.sensors), [polled.data]);
  const online = sensors.filter((s) => s.online).length;

  return (
    <div className="view view-sensors">
      <div className="view-head">
        <h1 className="view-title">Sensors</h1>
        {sensors.length > 0 ? (
          <span className="view-sub">
            {online} of {sensors.length} online · refreshed every 2 s
          </span>
        ) : null}
      </div>
      <InlineError message={polled.error ? `Could not load sensors: ${polled.error}` : null} />
      {polled.data === null && !polled.error ? <p className="muted">Loading sensors…</p> : null}
      {polled.data !== null && sensors.length === 0 ? (
        <EmptyState
          title="No sensors yet — waiting for leadville/sensor/+/status or telemetry"
          testId="sensors-empty"
        >
          Sensors appear when their bridge publishes status or telemetry.
        </EmptyState>
      ) : null}
      {sensors.length > 0 ? (
        <div className="sensors-grid">
          <div className="panel">
            <div className="table-scroll">
              <table className="table sensors" aria-label="Sensors">
                <TableHead
                  columns={[
                    'Sensor',
                    'State',
                    num('Battery'),
                    num('RSSI'),
                    num('Temp.'),
                    num('Rate'),
                    'Last seen',
                    'Calibrated',
                  ]}
                />
                <tbody onKeyDown={onRowNavKeyDown}>
                  {sensors.map((s) => (
                    <SensorTableRow
                      key={s.sensor_id}
                      s={s}
                      now={now}
                      selected={s.sensor_id === selected}
                      onSelect={setSelected}
                    />
                  ))}
                </tbody>
              </table>
            </div>
            <p className="hint">
              Select a sensor (click, or Enter on a focused row; arrows move) for its live chart.
            </p>
          </div>
          <RateChart sensors={sensors} />
        </div>
      ) : null}
      {selected ? (
        <div className="panel">
          <TelemetryChart key={selected} sensorId={selected} />
        </div>
      ) : null}
    </div>
  );
}
