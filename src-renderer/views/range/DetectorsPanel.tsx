/** The per-sensor impact detectors: their state, threshold and debounce, editable per sensor. */
import { useState } from 'react';
import { Status } from '../../components/Status';
import { formatRelative } from '../../lib/format';
import { useNow } from '../../components/hooks';
import { useCall, useLoaded } from './hooks';
import { TableHead, hidden, num } from '../../components/TableHead';

export function Detectors() {
  const list = useLoaded('detector.list', undefined);
  const now = useNow(2000);
  const { call, busy } = useCall();
  const [edit, setEdit] = useState<Record<string, { threshold: string; debounce: string }>>({});
  const rows = list.data?.detectors ?? [];
  return (
    <section className="panel" aria-label="Impact detectors" data-testid="detectors">
      <h2 className="panel-title">
        Impact detectors (one per sensor){' '}
        <button type="button" className="small-btn" onClick={list.refresh}>
          refresh
        </button>
      </h2>
      {rows.length === 0 ? (
        <p className="muted">No sensors yet: they appear when telemetry arrives or a plate names one.</p>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <TableHead
              columns={[
                'Sensor',
                'Plates',
                'State',
                'Source',
                num('Threshold'),
                num('Debounce'),
                num('Delay'),
                'Last sample',
                hidden('Actions'),
              ]}
            />
            <tbody>
              {rows.map((d) => {
                const e = edit[d.sensor_id] ?? {
                  threshold: String(d.settings.threshold),
                  debounce: String(d.settings.debounce_ms),
                };
                return (
                  <tr key={d.sensor_id} data-testid="detector-row">
                    <th scope="row" className="mono">
                      {d.sensor_id}
                    </th>
                    <td className="small">{d.plates.join(', ') || '—'}</td>
                    <td>
                      <Status
                        tone={
                          d.phase === 'armed' || d.phase === 'event' || d.phase === 'holdoff'
                            ? 'ok'
                            : d.phase === 'calibrating'
                              ? 'warn'
                              : 'idle'
                        }
                      >
                        {d.phase === 'calibrating'
                          ? `calibrating ${d.calibration_collected}/${d.settings.calibration_samples}`
                          : d.phase}
                      </Status>
                      {d.baseline ? (
                        <span className="muted small">
                          {' '}
                          base {d.baseline.x.toFixed(1)}/{d.baseline.y.toFixed(1)}/{d.baseline.z.toFixed(1)}
                        </span>
                      ) : null}
                    </td>
                    <td>{d.mode === 'console' ? 'raw telemetry' : 'bridge reports'}</td>
                    <td className="num">
                      <input
                        className="num-input"
                        value={e.threshold}
                        inputMode="decimal"
                        aria-label={`threshold of ${d.sensor_id}, mm/s`}
                        onChange={(ev) =>
                          setEdit((x) => ({ ...x, [d.sensor_id]: { ...e, threshold: ev.target.value } }))
                        }
                      />{' '}
                      mm/s
                    </td>
                    <td className="num">
                      <input
                        className="num-input"
                        value={e.debounce}
                        inputMode="numeric"
                        aria-label={`debounce of ${d.sensor_id}, ms`}
                        onChange={(ev) =>
                          setEdit((x) => ({ ...x, [d.sensor_id]: { ...e, debounce: ev.target.value } }))
                        }
                      />{' '}
                      ms
                    </td>
                    <td className="num">{Math.round(d.expected_delay_ms)} ms</td>
                    <td>{formatRelative(d.last_sample_at, now)}</td>
                    <td className="nowrap">
                      <button
                        type="button"
                        className="small-btn"
                        disabled={busy}
                        onClick={() =>
                          void call('detector.configure', {
                            sensor_id: d.sensor_id,
                            threshold: Number(e.threshold),
                            debounce_ms: Math.round(Number(e.debounce)),
                          }).then((r) => r && list.refresh())
                        }
                      >
                        save
                      </button>{' '}
                      <button
                        type="button"
                        className="small-btn"
                        disabled={busy}
                        onClick={() =>
                          void call('detector.calibrate', { sensor_id: d.sensor_id }).then(
                            (r) => r && list.refresh(),
                          )
                        }
                        title="collect 100 samples with the plate still"
                      >
                        calibrate
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <p className="hint">
        Delay: the shot → impact delay learnt from approved strings, used to pair shots with hits. A sensor
        without recent raw telemetry falls back to the impacts its bridge reports.
      </p>
    </section>
  );
}
